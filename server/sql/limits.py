"""The ClickHouse settings every user query runs with: the engine-side layers of defence.

The AST allow-list (`guard.py`) comes first; these make ClickHouse itself refuse writes and stop
runaway reads, and pin the session time zone so `toDateTime('2023-03-01 00:00:00')` means UTC
on every server, as it does on WAE. `whole_answer` makes the result limits hold for the query
shapes ClickHouse would not check (`needs_whole_answer`), and `exceeded` words the error for a
limit the query met.
"""

from __future__ import annotations

from typing import Final

from sqlglot import exp

from ..config import Settings, env_name
from ..errors import QueryLimit

#: `readonly=2`: reads only, but settings may still be sent with the query (readonly=1 would make
#: ClickHouse refuse the other settings in this dict when they arrive in the same request).
#: User SQL cannot change settings: `guard.py` rejects SETTINGS, `parse.py` any statement but a
#: query (SET included).
READONLY: Final = 2
QUERY_TIMEZONE: Final = "Etc/UTC"

#: The limits a query can meet, by ClickHouse's name: the `Settings` field that sets each one
#: and what the error says.
LIMITS: Final[dict[str, tuple[str, str]]] = {
    "max_result_rows": ("sql_max_result_rows", "the answer has more than {} rows"),
    "max_result_bytes": ("sql_max_result_bytes", "the answer has more than {} bytes"),
    "max_rows_to_read": ("sql_max_rows_to_read", "the query reads more than {} rows"),
}


def query_settings(
    *,
    timeout_s: float,
    max_rows_to_read: int,
    max_result_rows: int,
    max_result_bytes: int,
    max_memory_bytes: int,
    nice: int,
) -> dict[str, int | float | str]:
    """Settings for one user query; the storage layer sends them with the SQL. `nice` > 0
    lowers the priority of the engine threads that run it (0 sends no setting: the default)."""
    settings: dict[str, int | float | str] = {
        "readonly": READONLY,
        "max_execution_time": timeout_s,
        "timeout_overflow_mode": "throw",
        "max_rows_to_read": max_rows_to_read,
        "read_overflow_mode": "throw",
        "max_result_rows": max_result_rows,
        "max_result_bytes": max_result_bytes,
        "result_overflow_mode": "throw",
        "max_memory_usage": max_memory_bytes,
        "session_timezone": QUERY_TIMEZONE,
        # The translated SQL adds a subquery per dataset reference; these bound what is left.
        "max_query_size": 1_048_576,
        "max_ast_depth": 1000,
        "max_ast_elements": 100_000,
        "max_subquery_depth": 32,
        "allow_ddl": 0,
        "allow_introspection_functions": 0,
    }
    if nice:
        # The engine's threads for this query only: on a busy machine the write path gets the
        # CPU first (benchmarks/contention.py). On an idle one it cost ~4 % of a query's time.
        settings["os_thread_priority"] = nice
    return settings


def whole_answer(sql: str) -> str:
    """The statement to run for a translation, so that max_result_rows and max_result_bytes
    count the whole answer.

    ClickHouse (26.9, in chDB 4.4) skips its result check when the top level reads no table
    (system.one): `SELECT arrayJoin(range(10^9))`, or a UNION with one FROM-less branch
    (`SELECT blob1 FROM big UNION ALL SELECT 'x'`), answered every row past the limits. Read
    from a subquery, the top level always has a table to check. The plan, the indexes used and
    the output (names, types, order, rows_before_limit_at_least) are unchanged.
    """
    return f"SELECT * FROM ({sql})"


def needs_whole_answer(tree: exp.Expr) -> bool:
    """Whether ClickHouse would skip the result check on this query: anything but one SELECT
    whose top level has a FROM (a UNION, or a SELECT of constants). The others run as they
    are: analysing the wrapper cost about 0.5 ms a query (benchmarks/query.py), and a SELECT
    with a FROM is checked whatever it reads from (that is how the wrapper works)."""
    return not (isinstance(tree, exp.Select) and tree.args.get("from_") is not None)


def exceeded(setting: str, settings: Settings) -> QueryLimit:
    """The error for a query that met the limit ClickHouse calls `setting`, naming ours."""
    field, message = LIMITS[setting]
    limit = getattr(settings, field)
    return QueryLimit(f"{message.format(limit)} ({env_name(field)})")
