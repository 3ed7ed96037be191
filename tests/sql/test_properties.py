"""Property tests: translate() only ever answers a Translation or raises SqlError.

The number of examples and the seed come from the hypothesis profile (tests/conftest.py): `ci`
by default, `HYPOTHESIS_PROFILE=explore` for a fresh, larger search.
"""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.errors import SqlError
from server.sql import Translation, translate
from server.sql.functions import FUNCTIONS
from tests.sql.conftest import ACCOUNT, DATABASE

TOKENS = [
    "SELECT", "FROM", "WHERE", "GROUP BY", "HAVING", "ORDER BY", "LIMIT", "ALL", "OFFSET",
    "FORMAT", "JSON", "WITH", "AS", "UNION", "ALL", "JOIN", "ON", "USING", "IN", "NOT", "AND",
    "OR", "LIKE", "ILIKE", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "INTERVAL", "DAY",
    "SETTINGS", "INTO", "OUTFILE", "SHOW", "TABLES", "TIMEZONES", "DESCRIBE", "INSERT", "DROP",
    "system.tables", "numbers(10)", "weather", '"my-dataset"', "`x`", "blob1", "double1",
    "timestamp", "_sample_interval", "account_id", "_batch", "*", ",", ";", "(", ")", "[", "]",
    "'", '"', "`", "'str'", "'it''s'", "1", "-2.5", "1e12", "+", "-", "/", "%", "=", "<>", "?",
    ":", "->", "::", ".", "{p:String}", "--", "/*", "*/", "#", "\n", "é", "\\",
    "\uff53\uff59\uff53\uff54\uff45\uff4d",  # "system" in fullwidth letters
    "$timeSeries", "FINAL", "SAMPLE", "ARRAY JOIN", "OVER", "x -> x", "DISTINCT", "NULL",
    *(f"{name}(" for name in list(FUNCTIONS)[:40]),
    "arrayJoin(", "file(", "dictGet(", "sleep(",
]  # fmt: skip

sql_ish = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), max_size=40).map(
    " ".join
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=sql_ish)
def test_translate_answers_or_raises_sql_error(text: str) -> None:
    try:
        result = translate(text, account_id=ACCOUNT, database=DATABASE)
    except SqlError as e:
        assert e.message and "\n" not in e.message  # noqa: PT017 (an answer is right too)
    else:
        assert isinstance(result, Translation)


@settings(deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_answers_or_raises_sql_error(text: str) -> None:
    with contextlib.suppress(SqlError):
        translate(text, account_id=ACCOUNT, database=DATABASE)


@settings(deadline=None)
@given(
    prefix=st.sampled_from(["SELECT blob1 FROM weather WHERE ", "SELECT count() FROM weather "]),
    rest=sql_ish,
)
def test_queries_that_start_well_answer_or_raise_sql_error(prefix: str, rest: str) -> None:
    with contextlib.suppress(SqlError):
        translate(prefix + rest, account_id=ACCOUNT, database=DATABASE)
