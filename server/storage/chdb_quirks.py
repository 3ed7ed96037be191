"""What embedded chDB does that a ClickHouse server does not, worked around in one place.

- A failed query's partial output reaches the next query on the same connection: `drain`.
- One chDB connection runs one statement at a time, but several connections to the one data
  directory run at once (the storage's lanes rely on it), so `connect` opens a connection of
  its own each time. chDB allows one data directory per process at a time.
- clickhouse-connect applies per-call settings on chDB with SET and restores them after the
  statement, and `readonly = 1` forbids the restore: settings go in the SQL instead
  (clickhouse.render_settings).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import StorageUnavailable

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client

DRAIN_ATTEMPTS = 5
BROKEN = "embedded storage did not recover from a failed query; restart the server"


def connect(path: str, config_file: str | None = None) -> Client:
    """A client with its own chDB connection to the engine at `path` (created if missing),
    optionally configured by a ClickHouse `config_file` (tests declare a cluster with one).
    clickhouse-connect >= 1.12 gives each client its own handle; chdb's older entry-point
    backend shared one handle per path, which would put every lane behind one lock."""
    import clickhouse_connect

    if "?" in path:  # chDB reads what follows '?' as engine options, not as the path
        raise ValueError(f"the storage directory {path!r} must not contain '?'")
    os.makedirs(path, exist_ok=True)
    options = {"config-file": config_file} if config_file else None
    client: Client = clickhouse_connect.get_client(
        interface="chdb", path=path, chdb_options=options
    )
    return client


def drain(client: Client) -> None:
    """Flush what a failed statement left on `client`'s connection: chDB 4.4 hands a failed
    query's partial output to the connection's next query (reproduced with max_result_rows
    overflows), which could leak one account's rows into another's answer. Probe until a
    probe answers cleanly; if none does, raise StorageUnavailable rather than serve on."""
    for _ in range(DRAIN_ATTEMPTS):
        try:
            if client.raw_query("SELECT 1", fmt="TabSeparated") == b"1\n":
                return
        except Exception:
            continue
    raise StorageUnavailable(BROKEN)
