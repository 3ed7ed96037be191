"""Two accounts at the translation + chDB level: acct_b never sees a row of acct_a.

Every golden query and every contained attack runs as acct_b twice: against `usagehouse`
(both accounts, acct_a writing to the same dataset names) and against `solo` (acct_b's rows
only). The answers must be equal, and acct_a's markers must never appear.
"""

from __future__ import annotations

import pytest

from server.errors import SqlError, SqlRejected
from server.sql import translate
from tests.sql import attacks, goldens
from tests.sql.conftest import ACCOUNT, DATABASE, LEAK, LEAK_NUMBER, SOLO_DATABASE, Chdb

QUERIES = [
    *(case.query for case in goldens.all_cases() if "error" not in case.headers),
    *attacks.CONTAINED,
]
#: Queries whose answer depends on the clock, compared for leaks only.
CLOCK = ("now()", "today()", "NOW()")


def _run(chdb: Chdb, query: str, database: str) -> str | None:
    try:
        sql = translate(query, account_id=ACCOUNT, database=database).sql
    except SqlError:
        return None
    try:
        # Sorted lines: UNION ALL without ORDER BY may interleave differently run to run.
        return "\n".join(sorted(str(chdb.query(sql, "JSONEachRow")).splitlines()))
    except Exception as e:  # a ClickHouse error is an answer too
        return f"error: {type(e).__name__}"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q if len(q) < 80 else q[:77] + "...")
def test_other_accounts_rows_never_show(chdb: Chdb, query: str) -> None:
    shared = _run(chdb, query, DATABASE)
    if shared is None:
        pytest.skip("rejected before it could run")
    assert LEAK not in shared
    assert str(int(LEAK_NUMBER)) not in shared
    if not any(marker in query for marker in CLOCK):
        assert shared == _run(chdb, query, SOLO_DATABASE)


def test_the_other_account_really_has_rows(chdb: Chdb) -> None:
    """Guard against a vacuous pass: the shared database does hold acct_a's markers."""
    rows = chdb.query(f"SELECT count() AS n FROM {DATABASE}.points WHERE index1 = '{LEAK}'")
    assert rows["data"] == [{"n": 12}]


def test_the_other_account_sees_its_own_rows(chdb: Chdb) -> None:
    sql = translate("SELECT count() AS n FROM secret", account_id="acct_a", database=DATABASE).sql
    assert chdb.query(sql)["data"] == [{"n": 3}]


@pytest.mark.parametrize("name", ["#counters", "#idempotency", "my dataset", "a" * 65])
def test_names_outside_the_dataset_grammar_are_rejected_so_bookkeeping_rows_stay_hidden(name):
    with pytest.raises(SqlRejected, match="is not a dataset name"):
        translate(f'SELECT * FROM "{name}"', account_id="acct", database="usagehouse")
