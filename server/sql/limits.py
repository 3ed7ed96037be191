"""The ClickHouse settings every user query runs with: the engine-side layers of defence.

The AST allow-list (`guard.py`) comes first; these make ClickHouse itself refuse writes and stop
runaway reads, and pin the session time zone so `toDateTime('2023-03-01 00:00:00')` means UTC
on every server, as it does on WAE.
"""

from __future__ import annotations

from typing import Final

#: `readonly=2`: reads only, but settings may still be sent with the query (readonly=1 would make
#: ClickHouse refuse the other settings in this dict when they arrive in the same request).
#: User SQL cannot change settings: `guard.py` rejects SETTINGS, `parse.py` any statement but a
#: query (SET included).
READONLY: Final = 2
QUERY_TIMEZONE: Final = "Etc/UTC"


def query_settings(
    *,
    timeout_s: float,
    max_rows_to_read: int,
    max_result_rows: int,
    max_result_bytes: int,
    max_memory_bytes: int,
) -> dict[str, int | float | str]:
    """Settings for one user query; the storage layer sends them with the SQL."""
    return {
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
