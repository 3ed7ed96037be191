"""Which resolution a query reads: the finest within the read budget, the one a request
demands, never a copy for the catalog; and what that does to the error bars."""

from __future__ import annotations

import math
import time

import orjson
import pytest

from server.config import load_settings
from server.errors import BadRequest, QueryLimit
from server.sql.resolution import demanded
from server.sql.run import run_query
from server.storage import InsertBatch
from server.storage.schema import COPIES, FULL, INSERT_COLUMNS, TABLE
from tests.helpers import rows

ACCOUNT = "acct"
#: 91,000 points of one customer and 1,000 of each of nine others, in one part.
SMALL = [f"c{i}" for i in range(1, 10)]
TOTAL = 100_000
ALL_CUSTOMERS = "SELECT index1 AS customer, sum(_sample_interval) AS n FROM usage GROUP BY customer"


@pytest.fixture
async def loaded(storage):
    customers = ["big"] * (TOTAL - 1_000 * len(SMALL)) + [c for c in SMALL for _ in range(1_000)]
    at = int(time.time()) - 60
    data = InsertBatch(
        [ACCOUNT] * TOTAL,
        ["usage"] * TOTAL,
        [at] * TOTAL,
        [1] * TOTAL,
        customers,
        [["/api"]] * TOTAL,
        [[float(i % 10)] for i in range(TOTAL)],
        batch=1,
    )
    await storage.insert_columns(TABLE, INSERT_COLUMNS, data.encode())
    return storage


async def ask(storage, sql: str, demand=None, **overrides):
    settings = load_settings({}, storage=storage.location, **overrides)
    result = await run_query(storage, settings, sql, account_id=ACCOUNT, demand=demand)
    return result.resolution.label, orjson.loads(result.body)["data"]


def total(data: list[dict]) -> int:
    return sum(int(row["n"]) for row in data)


@pytest.mark.parametrize(
    ("budget", "label"),
    [(1_000_000, "100%"), (TOTAL, "100%"), (50_000, "10%"), (5_000, "1%"), (10, "1%")],
)
async def test_the_finest_resolution_within_the_budget_answers(loaded, budget, label):
    got, data = await ask(loaded, ALL_CUSTOMERS, sql_read_budget_rows=budget)
    assert got == label
    if label == "100%":
        assert total(data) == TOTAL
    else:
        assert abs(total(data) - TOTAL) < 0.2 * TOTAL


async def test_a_query_on_one_customer_reads_the_finest_resolution_it_can_afford(loaded):
    budget = {"sql_read_budget_rows": 20_000}
    assert (await ask(loaded, ALL_CUSTOMERS, **budget))[0] == "10%"
    by_blob = "SELECT sum(_sample_interval) AS n FROM usage WHERE blob1 = '/c3'"
    assert (await ask(loaded, by_blob, **budget))[0] == "10%"  # not in the sort key: all rows
    small = "SELECT sum(_sample_interval) AS n FROM usage WHERE index1 = 'c3'"
    assert await ask(loaded, small, **budget) == ("100%", [{"n": "1000"}])
    big = "SELECT sum(_sample_interval) AS n FROM usage WHERE index1 = 'big'"
    assert (await ask(loaded, big, **budget))[0] == "10%"


async def test_a_demanded_resolution_is_read_whatever_the_budget(loaded):
    label, data = await ask(loaded, ALL_CUSTOMERS, FULL, sql_read_budget_rows=10)
    assert (label, total(data)) == ("100%", TOTAL)
    coarsest = COPIES[-1]
    label, data = await ask(loaded, ALL_CUSTOMERS, coarsest, sql_read_budget_rows=10**9)
    assert label == "1%"
    [stored] = await rows(loaded, f"SELECT sum(_sample_interval) AS n FROM {{db}}.{coarsest.table}")
    assert total(data) == int(stored["n"])


async def test_the_read_limit_still_holds_for_full_and_for_the_coarsest_copy(loaded):
    with pytest.raises(QueryLimit, match="USAGEHOUSE_SQL_MAX_ROWS_TO_READ"):
        await ask(loaded, ALL_CUSTOMERS, FULL, sql_max_rows_to_read=50_000)
    with pytest.raises(QueryLimit, match="USAGEHOUSE_SQL_MAX_ROWS_TO_READ"):
        await ask(loaded, ALL_CUSTOMERS, sql_max_rows_to_read=100, sql_read_budget_rows=10**9)
    # Below the budget, the limit sends the query to a copy rather than failing it.
    label, _ = await ask(loaded, ALL_CUSTOMERS, sql_max_rows_to_read=50_000)
    assert label == "10%"


@pytest.mark.parametrize("sql", ["SHOW TABLES", "SELECT name FROM system.tables"])
async def test_the_catalog_is_read_at_full_resolution_however_small_the_budget(loaded, sql):
    label, data = await ask(loaded, sql, sql_read_budget_rows=1)
    assert label == "100%"
    assert [next(iter(row.values())) for row in data] == ["usage"]


async def test_confidence_count_and_sum_carry_the_read_factor(loaded):
    sql = (
        "SELECT confidenceCount() AS c, confidenceSum(double1) AS s, "
        "sum(_sample_interval) AS n, sum(_sample_interval * double1) AS total, "
        "count() AS rows FROM usage"
    )
    label, [full] = await ask(loaded, sql, FULL)
    assert label == "100%"
    assert full["c"] == {"estimate": TOTAL, "lower": TOTAL, "upper": TOTAL, "sample_size": "100000"}
    label, [row] = await ask(loaded, sql, sql_read_budget_rows=50_000)
    assert label == "10%"
    read = int(row["rows"])
    z = 1.959963984540054
    # Every row read stands for 10 points it was kept from: variance 10 * 9 per row.
    assert row["c"]["estimate"] == float(row["n"])
    assert row["c"]["sample_size"] == row["rows"]
    assert row["c"]["upper"] - row["c"]["estimate"] == pytest.approx(z * math.sqrt(90 * read))
    [squares] = await rows(
        loaded, f"SELECT sum(double1 * double1) AS y2 FROM {{db}}.{COPIES[0].table}"
    )
    assert row["s"]["estimate"] == pytest.approx(float(row["total"]))
    half = z * math.sqrt(90 * float(squares["y2"]))
    assert row["s"]["upper"] - row["s"]["estimate"] == pytest.approx(half)
    assert row["c"]["lower"] <= TOTAL <= row["c"]["upper"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("adaptive", None), ("full", FULL), ("FULL", FULL), ("100%", FULL)]
    + [(copy.label, copy) for copy in COPIES],
)
def test_a_request_names_a_resolution(value, expected):
    assert demanded(value) is expected


def test_an_unknown_resolution_is_a_400_listing_the_choices():
    with pytest.raises(BadRequest, match=r"adaptive, full, 100%, 10%, 1%.*'half'"):
        demanded("half")
