"""The simPod JSON datasource for one account: the answer to every endpoint, without aiohttp.

All SQL, built or written by the user, runs through `Runner` (the SQL API's `run_query` scoped
to the token's account), so the allow-list and account isolation apply to every byte. It runs
in the `extended` dialect, as the adapters' own SQL needs; the SQL users write (code mode,
variables) is first checked in the request's dialect: `wae` refuses what WAE would, `extended`
collects it in `nonportable` for the warning header.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Final

from ..errors import BadRequest
from ..sql import Dialect, check_dialect
from ..sql.scope import MAX_TABLE_REFERENCES
from . import builder, frames, macros, protocol, sqltext
from .frames import Frame, Table
from .protocol import Json, Target, Window

#: Runs one WAE SQL statement for the account and returns its rows.
Runner = Callable[[str], Awaitable[Table]]

#: A target whose metric text reads like SQL runs as code, as `{"sql": ...}` does.
_LOOKS_LIKE_SQL: Final = re.compile(r"^\s*(SELECT|WITH|SHOW)\s", re.IGNORECASE)
ANNOTATION_REF_ID: Final = "Anno"
CODE_MODE: Final = "code"
#: The plugin sends `{}` when a code-mode payload is not valid JSON after Grafana replaced its
#: variables (simPod's `processPayload` JSON-parses it); running the metric as a builder query
#: instead would draw the wrong data with no error.
EMPTY_CODE_PAYLOAD: Final = (
    "this code-mode query arrived without a payload: the JSON datasource sends {} when the "
    "payload is not valid JSON after Grafana replaced its variables (a quote or backslash in a "
    "value?). Write string variables as decodeURLComponent('${name:percentencode}')"
)
MAX_TAG_VALUES: Final = 1000


class JsonDatasource:
    """One request's view of the account's data, answering in the plugin's shapes."""

    def __init__(self, run: Runner, dialect: Dialect = Dialect.EXTENDED) -> None:
        self._run = run
        self._dialect = dialect
        #: What the user's SQL in this request uses that WAE rejects, in order found.
        self.nonportable: dict[str, None] = {}

    async def datasets(self) -> list[str]:
        table = await self._run("SHOW TABLES")
        return [str(row["dataset"]) for row in table.rows]

    async def metrics(self, body: Json) -> list[Json]:
        """`POST /metrics`: one metric per dataset, each with the builder's payloads."""
        definitions = builder.payload_definitions()
        return [
            {"label": name, "value": name, "payloads": definitions}
            for name in await self.datasets()
        ]

    async def payload_options(self, body: Json) -> list[dict[str, str]]:
        """`POST /metric-payload-options`: static choices, or the dataset's values by events."""
        name = protocol.text(body.get("name"), "name")
        if name in builder.STATIC_OPTIONS:
            return builder.STATIC_OPTIONS[name]
        metric = protocol.text(body.get("metric"), "metric")
        sql = builder.options_sql(metric, protocol.payload(body.get("payload")), name)
        if sql is None:
            raise BadRequest(f"payload {name!r} has no options")
        table = await self._run(sql)
        return [{"label": str(row["value"]), "value": str(row["value"])} for row in table.rows]

    async def query(self, body: Json) -> list[Frame]:
        """`POST /query`: the targets run concurrently; frames come back in target order."""
        request = protocol.query_request(body)
        adhoc = sqltext.condition(request.filters)
        answers = await asyncio.gather(
            *(self._target(target, request.window, adhoc) for target in request.targets)
        )
        return [frame for frame_list in answers for frame in frame_list]

    async def variable(self, body: Json) -> list[dict[str, str]]:
        """`POST /variable`: the payload's SQL (`target` in string form; `sql`, `target` or
        `query` in JSON form), macros expanded; first column or `__text`/`__value`."""
        payload = protocol.payload(body.get("payload"))
        sql = next((payload[k] for k in ("sql", "target", "query") if payload.get(k)), None)
        if not isinstance(sql, str):
            raise BadRequest('a variable query is WAE SQL: {"target": "SELECT ..."}')
        window = protocol.window(body, required=False)
        text = macros.expand(sql, _context(window, None))
        self._check(text)
        table = await self._run(text)
        return frames.variable_options(table)

    async def tag_keys(self, body: Json) -> list[dict[str, str]]:
        """`POST /tag-keys`: the columns ad hoc filters may name."""
        return [{"type": kind, "text": name} for name, kind in sqltext.COLUMNS.items()]

    async def tag_values(self, body: Json) -> list[dict[str, str]]:
        """`POST /tag-values`: distinct values of `key` across the account's datasets (in range
        when one is sent, narrowed by the other filters), most events first."""
        key = sqltext.column(protocol.text(body.get("key"), "key"))
        others = tuple(f for f in protocol.filters(body) if sqltext.column(f.key) != key)
        where = [f"{key} != ''"] if sqltext.COLUMNS[key] == "string" else []
        if body.get("range", body.get("timeRange")) is not None:
            window = protocol.window(body, required=True)
            where.append(f"timestamp >= toDateTime({window.from_ms // 1000})")
            where.append(f"timestamp <= toDateTime({window.to_ms // 1000})")
        if (condition := sqltext.condition(others)) is not None:
            where.append(condition)
        datasets = (await self.datasets())[:MAX_TABLE_REFERENCES]
        if not datasets:
            return []
        predicate = " AND ".join(where) or "1"
        branches = " UNION ALL ".join(
            f"SELECT {key} AS v, _sample_interval AS w FROM {sqltext.dataset(name)} "
            f"WHERE {predicate}"
            for name in datasets
        )
        table = await self._run(
            f"SELECT v, sum(w) AS n FROM ({branches}) GROUP BY v ORDER BY n DESC, v "
            f"LIMIT {MAX_TAG_VALUES}"
        )
        return [{"text": frames.as_text(row["v"])} for row in table.rows]

    def _check(self, text: str) -> None:
        self.nonportable.update(dict.fromkeys(check_dialect(text, self._dialect)))

    async def _target(self, target: Target, window: Window, adhoc: str | None) -> list[Frame]:
        sql = _code(target)
        annotation = target.ref_id == ANNOTATION_REF_ID
        if sql is not None:
            # Checked as written, macros expanded: the ad hoc filters are the adapter's.
            self._check(macros.expand(sql, _context(window, None)))
            text = macros.expand(sql, _context(window, adhoc))
            if adhoc is not None and not macros.uses_adhoc_macro(sql):
                text = macros.filter_datasets(text, adhoc)
            table = await self._run(text)
            if annotation:
                return [frames.with_notice(frames.annotation_frame(table, target.ref_id), table)]
            as_table = target.payload.get("format") == "table"
            frame = frames.auto_frame(table, target.ref_id, as_table=as_table)
            return [frames.with_notice(frame, table)]
        if annotation:
            raise BadRequest('annotation queries are SQL: set the payload to {"sql": "SELECT ..."}')
        if target.editor_mode == CODE_MODE and not target.payload:
            raise BadRequest(EMPTY_CODE_PAYLOAD)
        query = builder.build(target.target, target.payload, window, adhoc)
        table = await self._run(query.sql)
        step = window.bucket_s
        buckets = None
        if query.additive:
            first = window.from_ms // 1000 // step * step
            buckets = [s * 1000 for s in range(first, window.to_ms // 1000 + 1, step)]
        frame = frames.series_frame(
            table,
            target.ref_id,
            time="t",
            labels={"g": query.group} if query.group else {},
            values={"value": query.measure},
            null_label=builder.OTHER,
            buckets=buckets,
            fill=0 if query.additive else None,
        )
        return [frames.with_notice(frame, table)]


def _code(target: Target) -> str | None:
    """The target's SQL in code mode: `payload.sql`, or a metric that is itself SQL."""
    sql = target.payload.get("sql")
    if sql is not None:
        if not isinstance(sql, str) or not sql.strip():
            raise BadRequest("payload 'sql' must be a non-empty string of WAE SQL")
        return sql
    return target.target if _LOOKS_LIKE_SQL.match(target.target) else None


def _context(window: Window, adhoc: str | None) -> macros.MacroContext:
    return macros.MacroContext(window.from_ms, window.to_ms, window.bucket_s, adhoc)
