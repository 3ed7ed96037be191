"""The value a translation produces, and the output formats a query may ask for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..errors import SqlRejected

#: The FORMAT clauses WAE documents, by lower-case name, to ClickHouse's spelling.
OUTPUT_FORMATS: Final[dict[str, str]] = {
    "json": "JSON",
    "jsoneachrow": "JSONEachRow",
    "tabseparated": "TabSeparated",
}
DEFAULT_FORMAT: Final = "JSON"


@dataclass(frozen=True, slots=True)
class Translation:
    """ClickHouse SQL as it runs (no FORMAT clause, no trailing ';'; inside `limits.whole_answer`
    where ClickHouse would not check the result limits), the output format to run it with, and
    what in the query WAE would reject (`dialect.FEATURES` labels; empty in the `wae` dialect)."""

    sql: str
    output_format: str = DEFAULT_FORMAT
    nonportable: tuple[str, ...] = ()


def output_format(name: str | None) -> str:
    """ClickHouse's spelling of a user's FORMAT name; anything undocumented is rejected."""
    if name is None:
        return DEFAULT_FORMAT
    try:
        return OUTPUT_FORMATS[name.lower()]
    except KeyError:
        supported = ", ".join(OUTPUT_FORMATS.values())
        raise SqlRejected(f"FORMAT {name} is not supported; use one of {supported}") from None
