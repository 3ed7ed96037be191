"""What ClickHouse says about a query reaches the user without anything the user did not
write: no translated statement, no SETTINGS, no account filter, no table or file names.

The attack corpus, the golden queries and queries that fail inside ClickHouse run through
`run_query` on real embedded chDB; every failure must be a 4xx whose one-line message shows
none of the markers below unless the query itself contains them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from server.config import Settings, load_settings
from server.errors import AppError, SqlError
from server.sql.run import run_query
from server.storage.clickhouse import ClickHouseStorage
from server.storage.errors import query_error
from tests.sql import attacks, goldens
from tests.sql.conftest import ACCOUNT, embedded_storage, fixture_rows
from tests.sql.test_properties import sql_ish

#: Text of the statement that runs (translation, scoping, settings), never the user's.
MARKERS = ("SETTINGS", "readonly", "max_execution_time", "account_id", "_points", "usagehouse.")

#: Queries that pass the allow-list and fail in ClickHouse.
ENGINE_ERRORS = {
    "SELECT blob1 FROM weather GROUP BY": "incomplete GROUP BY clause",
    "SELECT trim() AS x": (
        "ClickHouse cannot parse this query: look for an incomplete clause or a function "
        "called without its arguments"
    ),
    "SELECT nosuch FROM weather": "Unknown expression identifier `nosuch`",
    "SELECT blob1 + 1 FROM weather": "Illegal types String and UInt8 of arguments of function plus",
    "SELECT if(1)": "Number of arguments for function if doesn't match: passed 1, should be 3",
    "SELECT toDateTime('x')": (
        "Cannot read DateTime: unexpected alphabetical character: Cannot parse DateTime from String"
    ),
    "SELECT count() FROM weather WHERE blob1 = 1": (
        "There is no supertype for types String, UInt8 because some of them are "
        "String/FixedString/Enum and some of them are not"
    ),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseStorage]:
    yield from embedded_storage(tmp_path_factory.mktemp("chdb"), fixture_rows())


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


def assert_shows_nothing_internal(query: str, error: AppError, storage: ClickHouseStorage) -> None:
    assert error.status < 500, error.message
    assert error.message and "\n" not in error.message
    for marker in MARKERS:
        assert marker.lower() not in error.message.lower() or marker.lower() in query.lower(), (
            f"{marker!r} in {error.message!r}"
        )
    assert storage.location not in error.message


@pytest.mark.parametrize(("query", "message"), ENGINE_ERRORS.items())
async def test_clickhouse_errors_name_the_problem_not_the_translation(
    loaded, settings, query, message
):
    with pytest.raises(SqlError) as info:
        await run_query(loaded, settings, query, account_id=ACCOUNT)
    assert info.value.message == message
    assert_shows_nothing_internal(query, info.value, loaded)


CORPUS = [
    *ENGINE_ERRORS,
    *attacks.REJECTED,
    *attacks.ERROR,
    *attacks.CONTAINED,
    *(case.query for case in goldens.all_cases()),
]


async def test_no_message_for_the_attack_corpus_or_goldens_shows_internals(loaded, settings):
    failures = 0
    for query in CORPUS:
        try:
            await run_query(loaded, settings, query, account_id=ACCOUNT)
        except AppError as e:
            failures += 1
            assert_shows_nothing_internal(query, e, loaded)
    assert failures >= len(attacks.REJECTED) + len(attacks.ERROR)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Code: 62. DB::Exception: Syntax error: failed at position 15 (AS): AS x SETTINGS "
            "readonly = 2. Expected one of: BOTH, LEADING, TRAILING, token, Comma. (SYNTAX_ERROR)",
            "ClickHouse cannot parse this query: look for an incomplete clause or a function "
            "called without its arguments",
        ),
        (
            "Code: 47. DB::Exception: Missing columns: 'x' while processing query: 'SELECT x "
            "FROM usagehouse.points AS _points WHERE _points.account_id = 'a'', required "
            "columns: 'x'. (UNKNOWN_IDENTIFIER)",
            "Missing columns: 'x'",
        ),
        (
            "Code: 1001. DB::Exception: std::exception. Code: 1001, type: std::runtime_error, "
            "e.what() = cannot open /var/lib/clickhouse/store/abc/def/data.bin. (STD_EXCEPTION)",
            "ClickHouse cannot run this query (STD_EXCEPTION)",
        ),
        (
            "Code: 60. DB::Exception: Unknown table expression identifier "
            "'usagehouse.points_old'. (UNKNOWN_TABLE)",
            "ClickHouse cannot run this query (UNKNOWN_TABLE)",
        ),
        (
            "Code: 396. DB::Exception: Limit for result exceeded, max rows: 100.00, current "
            "rows: 1.00 thousand. (TOO_MANY_ROWS_OR_BYTES)",
            "the answer has too many rows",
        ),
        (
            "Code: 396. DB::Exception: Limit for result exceeded, max bytes: 97.66 KiB, current "
            "bytes: 624.29 MiB. (TOO_MANY_ROWS_OR_BYTES)",
            "the answer has too many bytes",
        ),
        (
            "Code: 158. DB::Exception: Limit for rows (controlled by 'max_rows_to_read' "
            "setting) exceeded, max rows: 1.00 thousand, current rows: 8.19 thousand. "
            "(TOO_MANY_ROWS)",
            "the query reads too many rows",
        ),
    ],
)
def test_clickhouse_messages_are_cut_to_what_concerns_the_user(text, message):
    assert query_error(text).message == message


@hypothesis_settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rest=sql_ish)
async def test_any_query_fails_with_a_4xx_that_shows_nothing_internal(loaded, rest):
    query = f"SELECT blob1, count() FROM weather {rest}"
    settings = load_settings({}, storage=loaded.location, sampling="off")
    try:
        await run_query(loaded, settings, query, account_id=ACCOUNT)
    except AppError as e:
        assert_shows_nothing_internal(query, e, loaded)
