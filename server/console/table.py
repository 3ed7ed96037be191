"""What `usagehouse sql` prints: the SQL API's JSON answer as an aligned text table (psql
style), or the body as the server sent it."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence

from .client import Reply

#: ClickHouse type names (inside Nullable/LowCardinality) whose values are right-aligned.
NUMERIC_PREFIXES = ("Int", "UInt", "Float", "Decimal")
WRAPPERS = ("Nullable(", "LowCardinality(")


def is_numeric_type(clickhouse_type: str) -> bool:
    """Whether a column of this ClickHouse type holds numbers (right-aligned in tables)."""
    inner = clickhouse_type
    while inner.startswith(WRAPPERS) and inner.endswith(")"):
        inner = inner[inner.index("(") + 1 : -1]
    return inner.startswith(NUMERIC_PREFIXES)


class JsonNumber(str):
    """A JSON number kept as the text ClickHouse wrote (`12345678901`, not `12345678901.0`)."""


def _json_text(value: object) -> str:
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(pairs) + "}"
    return json.dumps(value, ensure_ascii=False)


def cell_text(value: object) -> str:
    """One value as a single table line: NULL spelt out, arrays and maps as JSON, control
    characters escaped so a newline in a blob cannot break the alignment."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
    return _json_text(value)


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide East Asian characters count 2, combining marks 0."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def render_table(meta: Sequence[Mapping[str, str]], rows: Sequence[Mapping[str, object]]) -> str:
    """An aligned text table (psql style) with an `(N rows)` footer; number columns, and their
    headers, are right-aligned.

    `meta` and `rows` are the `meta` and `data` of the SQL API's JSON answer.
    """
    names = [column["name"] for column in meta]
    numeric = [is_numeric_type(column.get("type", "")) for column in meta]
    cells = [[cell_text(row.get(name)) for name in names] for row in rows]
    widths = [
        max([display_width(name), *(display_width(line[i]) for line in cells)])
        for i, name in enumerate(names)
    ]
    lines = [
        " " + " | ".join(_pad(name, widths[i], numeric[i]) for i, name in enumerate(names)),
        "-" + "-+-".join("-" * width for width in widths) + "-",
    ]
    for line in cells:
        padded = (_pad(text, widths[i], numeric[i]) for i, text in enumerate(line))
        lines.append(" " + " | ".join(padded))
    count = len(rows)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def format_reply(reply: Reply, raw: bool = False) -> str:
    """What `usagehouse sql` prints for an answer: a table for JSON, unless `raw` (the statement
    named its own FORMAT) or the body is not JSON; then the body as the server sent it."""
    text = reply.body.decode("utf-8", errors="replace")
    if raw or not reply.content_type.startswith("application/json"):
        return text
    try:
        document = json.loads(
            text, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber
        )
        meta, rows = document["meta"], document["data"]
    except (ValueError, KeyError, TypeError):
        return text
    return render_table(meta, rows)
