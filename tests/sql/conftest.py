"""Fixtures for the SQL translation tests: known data in real embedded chDB, two accounts.

chDB allows one open session path per process, so the session is module-scoped and closed on
teardown. Two databases hold the data: `usagehouse` has both accounts, `solo` only `acct_b`'s
rows; a query translated for `acct_b` must answer the same from both (tests/sql/test_isolation).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from server.storage.clickhouse import ClickHouseStorage
from server.storage.schema import all_ddl

ACCOUNT = "acct_b"  # the account every golden query runs as
OTHER = "acct_a"  # its neighbour: none of these rows may ever show up
DATABASE = "usagehouse"
SOLO_DATABASE = "solo"  # acct_b's rows only
LEAK = "LEAK_acct_a"  # in every acct_a string column
LEAK_NUMBER = 666666.0  # in every acct_a double

_COLUMNS = "(account_id, dataset, timestamp, _sample_interval, index1, _blobs, _doubles)"

#: (dataset, timestamp, _sample_interval, index1, blobs, doubles) of acct_b.
ROWS: list[tuple[str, str, int, str, list[str | None], list[float]]] = [
    # the usage-billing recipe: blob1 = request endpoint
    ("usage_indexed_by_customer_id", "2023-02-28 23:59:59", 1, "cust2", ["/api/b"], []),
    ("usage_indexed_by_customer_id", "2023-03-05 10:00:00", 1, "cust1", ["/api/a"], [100]),
    ("usage_indexed_by_customer_id", "2023-03-05 11:00:00", 2, "cust1", ["/api/b"], [200]),
    ("usage_indexed_by_customer_id", "2023-03-06 09:30:00", 1, "cust1", ["/api/a"], [300]),
    ("usage_indexed_by_customer_id", "2023-03-06 12:00:00", 10, "cust2", ["/api/a"], [50]),
    ("usage_indexed_by_customer_id", "2023-04-01 00:00:00", 1, "cust1", ["/api/a"], [1]),
    # weather: blob1 city, blob2 country, double1 temperature, double2 humidity
    ("weather", "2023-03-05 10:00:00", 1, "eu", ["London", "GB"], [12.5, 80]),
    ("weather", "2023-03-05 10:05:00", 1, "eu", ["Zürich", "CH", None, "x"], [8.0, 60]),
    ("weather", "2023-03-05 10:10:00", 4, "eu", ["Paris", "FR"], [20.0, 55]),
    ("weather", "2023-03-05 11:00:00", 1, "us", ["Austin", "US"], [31.25, 40]),
    ("weather", "2023-03-06 00:00:00", 2, "eu", ["London", "GB"], [10.5, 85]),
    # a name that needs quoting
    ("my-dataset", "2023-03-05 10:00:00", 1, "k", ["a'b", "back\\slash"], [1, 2]),
]


def _other_rows() -> list[tuple[str, str, int, str, list[str | None], list[float]]]:
    """acct_a writes to the same dataset names, more often, with markers everywhere."""
    datasets = ("usage_indexed_by_customer_id", "weather", "my-dataset", "secret")
    return [
        (ds, f"2023-03-0{day} 10:00:00", 7, LEAK, [LEAK] * 20, [LEAK_NUMBER] * 20)
        for ds in datasets
        for day in (1, 5, 6)
    ]


def _values(
    account: str, rows: list[tuple[str, str, int, str, list[str | None], list[float]]]
) -> str:
    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return repr(value)

    return ", ".join(
        f"({literal(account)}, {literal(ds)}, {literal(ts)}, {si}, {literal(idx)}, "
        f"[{', '.join(literal(b) for b in blobs)}], [{', '.join(map(repr, map(float, doubles)))}])"
        for ds, ts, si, idx, blobs, doubles in rows
    )


@dataclass
class Chdb:
    """A chDB session with the fixture data loaded."""

    session: Any

    def query(self, sql: str, fmt: str = "JSON") -> Any:
        """Run SQL; JSON results come back parsed, other formats as text."""
        try:
            result = self.session.query(sql, fmt)
        except Exception:
            # chDB 4.4 hands the partial output of a query that failed mid-stream to the *next*
            # query of the session; drain it so the next test starts clean.
            self.session.query("SELECT 1", "CSV")
            raise
        text = result.bytes() if hasattr(result, "bytes") else bytes(str(result), "utf-8")
        if fmt == "JSON":
            return orjson.loads(text)
        return text.decode()


@pytest.fixture(scope="module")
def chdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chdb]:
    from chdb import session

    s = session.Session(str(tmp_path_factory.mktemp("chdb")))
    try:
        for database in (DATABASE, SOLO_DATABASE):
            for ddl in all_ddl(database, 36500):
                s.query(ddl)
            s.query(f"INSERT INTO {database}.points {_COLUMNS} VALUES {_values(ACCOUNT, ROWS)}")
            s.query(
                f"INSERT INTO {database}.points {_COLUMNS} VALUES "
                f"{_values(ACCOUNT, [('other', '2023-03-05 10:00:00', 1, 'o', ['OTHER_DS'], [])])}"
            )
        s.query(f"INSERT INTO {DATABASE}.points {_COLUMNS} VALUES {_values(OTHER, _other_rows())}")
        yield Chdb(s)
    finally:
        s.close()


def fixture_rows() -> list[str]:
    """INSERT statements for ROWS (acct_b) and acct_a's marked rows; `{db}` is the database."""
    return [
        f"INSERT INTO {{db}}.points {_COLUMNS} VALUES {_values(ACCOUNT, ROWS)}",
        f"INSERT INTO {{db}}.points {_COLUMNS} VALUES {_values(OTHER, _other_rows())}",
    ]


def embedded_storage(path: Path, inserts: list[str]) -> Iterator[ClickHouseStorage]:
    """A real ClickHouseStorage for a module whose tests only read, loaded once with `inserts`
    (`{db}` is the database); for a module-scoped fixture. Its calls run on whatever loop
    awaits them, so each test's own loop can use it."""

    async def open_loaded() -> ClickHouseStorage:
        storage = await ClickHouseStorage.open(str(path), retention_days=36500)
        for insert in inserts:
            await storage.command(insert.replace("{db}", storage.database))
        return storage

    storage = asyncio.run(open_loaded())
    yield storage
    asyncio.run(storage.close())


def pytest_addoption(parser: pytest.Parser) -> None:
    # Only honoured when tests/sql is on the command line (pytest reads addoption hooks from
    # initial conftests); tests/conftest.py may register it too, hence the suppress.
    with contextlib.suppress(ValueError):
        parser.addoption(
            "--update-goldens",
            action="store_true",
            default=False,
            help="rewrite the expected halves of tests/sql/golden/*.sql",
        )
