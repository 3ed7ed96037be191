"""The attack corpus (attacks.py): each hostile query is rejected, or contained to the account."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from server.errors import SqlError, SqlRejected
from server.sql import scope, translate
from tests.sql import attacks
from tests.sql.conftest import ACCOUNT, DATABASE


def _id(query: str) -> str:
    return query if len(query) < 80 else f"{query[:60]}...({len(query)} chars)"


def assert_contained(sql: str) -> None:
    """Every table in translated SQL is the account's slice of the points table (one dataset,
    or the list of its datasets that the catalog's system tables show), or a CTE."""
    tree = sqlglot.parse_one(sql, read="clickhouse")
    tables = list(tree.find_all(exp.Table))
    for table in tables:
        if table.name.startswith(scope.CTE_PREFIX) and not table.args.get("db"):
            continue
        assert (table.db, table.name) == (DATABASE, "points"), table.sql()
        select = table.find_ancestor(exp.Select)
        assert select is not None
        # a dataset's slice filters in PREWHERE, the catalog's list of datasets in WHERE
        clause = select.args.get("prewhere") or select.args["where"]
        where = clause.this.sql(dialect="clickhouse")
        account = f"_points.account_id = '{ACCOUNT}'"
        datasets = f"{account} AND NOT (_points.dataset IN ('#counters', '#idempotency'))"
        assert where == datasets or where.startswith(f"{account} AND _points.dataset = "), where


@pytest.mark.parametrize("query", attacks.REJECTED, ids=_id)
def test_attack_is_rejected(query: str) -> None:
    with pytest.raises(SqlRejected) as info:
        translate(query, account_id=ACCOUNT, database=DATABASE)
    assert "\n" not in info.value.message


@pytest.mark.parametrize("query", attacks.ERROR, ids=_id)
def test_malformed_query_is_a_sql_error(query: str) -> None:
    with pytest.raises(SqlError):
        translate(query, account_id=ACCOUNT, database=DATABASE)


@pytest.mark.parametrize("query", attacks.CONTAINED, ids=_id)
def test_attack_is_contained(query: str) -> None:
    assert_contained(translate(query, account_id=ACCOUNT, database=DATABASE).sql)


def test_corpus_is_large() -> None:
    assert len(attacks.REJECTED) + len(attacks.ERROR) + len(attacks.CONTAINED) >= 60


def test_rejection_names_the_construct() -> None:
    cases = {
        "SELECT * FROM system.parts": "system.parts",
        "SELECT * FROM numbers(10)": "numbers()",
        "SELECT sleep(1)": "sleep",
        "SELECT 1 SETTINGS max_threads = 1": "SETTINGS",
        "SELECT 1 INTO OUTFILE 'x'": "INTO",
        "DROP TABLE points": "DROP",
        "INSERT INTO weather VALUES (1)": "INSERT statements are not allowed",
        "SELECT account_id FROM weather": "account_id",
        "SELECT 1 FORMAT Parquet": "Parquet",
        "SHOW DATABASES": "DATABASES",
        "SELECT sum(x) OVER () FROM weather": "window functions",
    }
    for query, name in cases.items():
        with pytest.raises(SqlRejected) as info:
            translate(query, account_id=ACCOUNT, database=DATABASE)
        assert name in info.value.message, (query, info.value.message)


def test_parse_errors_carry_line_and_column() -> None:
    with pytest.raises(SqlError) as info:
        translate("SELECT 1\nFROM weather WHERE (", account_id=ACCOUNT, database=DATABASE)
    assert info.value.detail.get("line") == 2
    assert isinstance(info.value.detail.get("col"), int)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT FROM", "Expected table name but got the end of the query"),
        ("SELECT 1 FROM weather WHERE", "incomplete WHERE clause"),
        ("SELECT 1 FROM weather LIMIT", "incomplete LIMIT clause"),
        ("SELECT 1 FROM weather WHERE blob1 =", "incomplete expression"),
        ("SELECT 'abc", "cannot read the query: check its quotes and brackets"),
    ],
)
def test_parse_errors_say_what_the_user_wrote_not_parser_internals(query, message) -> None:
    with pytest.raises(SqlError) as info:
        translate(query, account_id=ACCOUNT, database=DATABASE)
    assert info.value.message == message


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    with pytest.raises(SqlRejected, match="nested too deeply"):
        translate("SELECT " + "(" * 5000 + "1" + ")" * 5000, account_id=ACCOUNT, database=DATABASE)


def test_literals_in_scope_filters_are_escaped() -> None:
    sql = translate("SELECT 1 FROM weather", account_id="x'y", database=DATABASE).sql
    assert "_points.account_id = 'x''y'" in sql
