"""One frozen `Settings`, read from `USAGEHOUSE_*` environment variables and CLI flags.

Every field is documented in the settings table of docs/operations.md (tests/test_docs.py
checks that). Invalid values fail at start-up with a message naming the variable.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "USAGEHOUSE_"
#: The SQL dialects by name (server/sql/dialect.py's `Dialect`), the server's default first.
SQL_DIALECTS = ("extended", "wae")
#: The account everything uses when none is named: the README's examples, `usagehouse demo`,
#: `sql` and `bill`, Grafana in local-dev mode and the compose stack.
DEFAULT_ACCOUNT = "demo"
#: A USAGEHOUSE_STORAGE that starts with one of these is a ClickHouse server, else a directory.
SERVER_SCHEMES = ("http://", "https://")
#: What a ClickHouse cluster name (USAGEHOUSE_CLICKHOUSE_CLUSTER) may look like: it is spelled
#: into DDL as a string literal, so it stays a plain name.
CLUSTER_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"


class ConfigError(ValueError):
    """A setting has an invalid value; the message names the variable."""


def _choice(*allowed: str) -> dict[str, Any]:
    return {"choices": allowed}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of a usagehouse server; one instance per process."""

    host: str = "127.0.0.1"
    port: int = field(default=8787, metadata={"min": 0})
    storage: str = "./usagehouse-data"
    tokens: str = field(default="", repr=False)
    metrics_token: str = field(default="", repr=False)
    sampling: str = field(default="equitable", metadata=_choice("equitable", "off"))
    sample_index_budget: float = 100.0
    sample_total_budget: float = 20_000.0
    unsampled_writes: str = field(default="allowed", metadata=_choice("allowed", "refused"))
    retention_days: int = 92
    pricing: str = ""
    billing_grace_hours: float = field(default=72.0, metadata={"min": 0})
    max_body_bytes: int = 64 * 1024 * 1024
    http_header_timeout_s: float = 30.0
    http_body_timeout_s: float = 60.0
    max_points_per_request: int = 100_000
    queue_max_points: int = 1_000_000
    queue_max_bytes: int = 512 * 1024 * 1024
    queue_account_share: float = field(default=0.5, metadata={"max": 1.0})
    max_batch_points: int = 200_000
    flush_interval_ms: float = field(default=50.0, metadata={"min": 0})
    #: The SQL dialect requests get unless they ask for the other (server/sql/dialect.py).
    sql_dialect: str = field(default=SQL_DIALECTS[0], metadata=_choice(*SQL_DIALECTS))
    sql_timeout_s: float = 10.0
    sql_max_rows_to_read: int = 2_000_000_000
    sql_read_budget_rows: int = 1_000_000
    sql_max_result_rows: int = 1_000_000
    sql_max_result_bytes: int = 256 * 1024 * 1024
    sql_max_memory_bytes: int = 1024**3
    #: `nice` of the engine threads running a user query: on a busy machine the writes get the
    #: CPU first (benchmarks/contention.py); 0 runs them alike (an engine that takes no writes).
    sql_query_nice: int = field(default=10, metadata={"min": 0, "max": 19})
    sql_max_concurrent_per_account: int = 2
    sql_max_queued_per_account: int = field(default=8, metadata={"min": 0})
    sql_max_concurrent: int = 8
    query_connections: int = 4
    clickhouse_cluster: str = ""
    clickhouse_insert_quorum: int = field(default=0, metadata={"min": 0})
    shutdown_timeout_s: float = 5.0
    log_level: str = field(default="info", metadata=_choice("debug", "info", "warning", "error"))

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            choices = f.metadata.get("choices")
            if choices and value not in choices:
                raise ConfigError(
                    f"{env_name(f.name)}={value!r} is invalid: expected one of {', '.join(choices)}"
                )
            if isinstance(value, int | float) and not isinstance(value, bool):
                low = f.metadata.get("min", 1e-9)
                high = f.metadata.get("max", 65535 if f.name == "port" else None)
                if value < low or (high is not None and value > high):
                    raise ConfigError(f"{env_name(f.name)}={value!r} is out of range")
        if "://" in self.storage and not self.is_remote_storage:
            raise ConfigError(
                f"USAGEHOUSE_STORAGE={self.storage!r} is invalid: expected a directory or "
                "http(s)://user:pass@host:port/database"
            )
        if self.clickhouse_cluster:
            if not re.fullmatch(CLUSTER_NAME, self.clickhouse_cluster):
                raise ConfigError(
                    f"USAGEHOUSE_CLICKHOUSE_CLUSTER={self.clickhouse_cluster!r} is invalid: "
                    "expected a cluster name from the servers' remote_servers"
                )
            if not self.is_remote_storage:
                raise ConfigError(
                    "USAGEHOUSE_CLICKHOUSE_CLUSTER needs USAGEHOUSE_STORAGE to be a ClickHouse "
                    "server URL, not a directory"
                )
        elif self.clickhouse_insert_quorum:
            raise ConfigError(
                "USAGEHOUSE_CLICKHOUSE_INSERT_QUORUM needs USAGEHOUSE_CLICKHOUSE_CLUSTER "
                "(a quorum counts the replicas of a shard)"
            )

    @property
    def is_loopback(self) -> bool:
        """Whether `host` only accepts connections from this machine."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def is_remote_storage(self) -> bool:
        return self.storage.startswith(SERVER_SCHEMES)


def env_name(field_name: str) -> str:
    """The environment variable that sets a field: `sql_timeout_s` -> `USAGEHOUSE_SQL_TIMEOUT_S`."""
    return ENV_PREFIX + field_name.upper()


def _convert(field_name: str, kind: type, raw: str) -> object:
    try:
        if kind is int:
            return int(raw.replace("_", ""))
        if kind is float:
            return float(raw.replace("_", ""))
    except ValueError:
        raise ConfigError(
            f"{env_name(field_name)}={raw!r} is invalid: expected a {kind.__name__}"
        ) from None
    return raw.strip()


_TYPES = {"int": int, "float": float, "str": str}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build Settings from the environment, then apply explicit overrides (CLI flags, tests)."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        kind = _TYPES[f.type] if isinstance(f.type, str) else f.type
        raw = environ.get(env_name(f.name))
        if raw is not None:
            values[f.name] = _convert(f.name, kind, raw)
        if overrides.get(f.name) is not None:
            values[f.name] = overrides[f.name]
    unknown = set(overrides) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    return Settings(**values)  # type: ignore[arg-type]
