"""confidenceCount / confidenceSum: Horvitz-Thompson estimates with normal intervals, checked
against the same formula computed here from the fixture rows; exact rows give zero width."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from server.errors import SqlError
from server.sql import translate
from tests.sql.conftest import ACCOUNT, DATABASE, ROWS, Chdb


def run(chdb: Chdb, sql: str) -> list[dict[str, object]]:
    translated = translate(sql, account_id=ACCOUNT, database=DATABASE).sql
    rows: list[dict[str, object]] = chdb.query(translated)["data"]
    return rows


def expected(index: str, level: float, double: int | None) -> dict[str, float]:
    rows = [r for r in ROWS if r[0] == "weather" and r[3] == index]
    z = NormalDist().inv_cdf((1 + level) / 2)
    y = [1.0 if double is None else float(r[5][double - 1]) for r in rows]
    w = [float(r[2]) for r in rows]
    estimate = sum(wi * yi for wi, yi in zip(w, y, strict=True))
    half = z * math.sqrt(sum(wi * (wi - 1) * yi * yi for wi, yi in zip(w, y, strict=True)))
    lower = estimate - half
    if double is None:
        lower = max(lower, len(rows))
    return {"estimate": estimate, "lower": lower, "upper": estimate + half, "n": len(rows)}


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_confidence_count_matches_the_ht_formula(chdb: Chdb, level: float) -> None:
    got = run(
        chdb,
        f"SELECT index1, confidenceCount({level}) AS c FROM weather "
        "GROUP BY index1 ORDER BY index1",
    )
    for row in got:
        want = expected(str(row["index1"]), level, None)
        c = row["c"]
        assert isinstance(c, dict)
        assert c["estimate"] == want["estimate"]
        assert c["lower"] == pytest.approx(want["lower"], rel=1e-12)
        assert c["upper"] == pytest.approx(want["upper"], rel=1e-12)
        assert int(c["sample_size"]) == want["n"]
    eu = next(r["c"] for r in got if r["index1"] == "eu")
    assert isinstance(eu, dict)
    assert eu["estimate"] == 8 and eu["lower"] == 4  # clamped: 4 rows were read


def test_confidence_sum_matches_the_ht_formula(chdb: Chdb) -> None:
    got = run(
        chdb,
        "SELECT index1, confidenceSum(double1, 0.99) AS s FROM weather "
        "GROUP BY index1 ORDER BY index1",
    )
    for row in got:
        want = expected(str(row["index1"]), 0.99, 1)
        s = row["s"]
        assert isinstance(s, dict)
        assert s["estimate"] == pytest.approx(want["estimate"], rel=1e-12)
        assert s["lower"] == pytest.approx(want["lower"], rel=1e-12)
        assert s["upper"] == pytest.approx(want["upper"], rel=1e-12)


def test_exact_rows_have_zero_width_intervals(chdb: Chdb) -> None:
    [row] = run(
        chdb,
        "SELECT confidenceCount() AS c, confidenceSum(double1) AS s FROM weather "
        "WHERE index1 = 'us'",
    )
    assert row["c"] == {"estimate": 1, "lower": 1, "upper": 1, "sample_size": 1}
    assert row["s"] == {"estimate": 31.25, "lower": 31.25, "upper": 31.25, "sample_size": 1}


def test_unaliased_column_keeps_the_written_name(chdb: Chdb) -> None:
    [row] = run(chdb, "SELECT confidenceCount(0.9) FROM weather WHERE index1 = 'us'")
    assert list(row) == ["confidenceCount(0.9)"]


@pytest.mark.parametrize(
    "call",
    ["confidenceCount(1.5)", "confidenceCount('x')", "confidenceCount(0.9, 1)", "confidenceSum()"],
)
def test_bad_arguments_are_sql_errors(call: str) -> None:
    with pytest.raises(SqlError):
        translate(f"SELECT {call} FROM weather", account_id=ACCOUNT, database=DATABASE)
