"""The golden runner: one test per case in tests/sql/golden/*.sql (see goldens.py).

Every case runs in both dialects. The expected SQL is the `extended` dialect's; a case with a
`# wae: <message>` header is one WAE rejects, with that message, so the `wae` dialect must
refuse it and `extended` must flag it as not portable. Every other case must translate the
same in both, with nothing flagged.

`pytest tests/sql --update-goldens` rewrites the expected SQL (and the `wae` header, and the
`columns`/`result` headers of `execute` cases) so that review happens in the diff.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

import orjson
import pytest

from server.errors import SqlError
from server.sql import Dialect, translate
from tests.sql import goldens
from tests.sql.conftest import ACCOUNT, DATABASE

CASES = goldens.all_cases()


@pytest.fixture(scope="module")
def update(request: pytest.FixtureRequest) -> Iterator[bool]:
    enabled = bool(request.config.getoption("--update-goldens", default=False))
    yield enabled
    if enabled:
        for path, cases in groupby(CASES, key=lambda case: case.path):
            preamble, _ = goldens.read(path)
            goldens.write(path, preamble, list(cases))


def _wae_rejection(query: str) -> str | None:
    """WAE's message for the query, or None if the `wae` dialect translates it as `extended`
    does."""
    try:
        wae = translate(query, account_id=ACCOUNT, database=DATABASE, dialect=Dialect.WAE)
    except SqlError as e:
        return e.message
    extended = translate(query, account_id=ACCOUNT, database=DATABASE)
    assert wae.sql == extended.sql and not wae.nonportable
    return None


def _dump(value: object) -> str:
    return orjson.dumps(value).decode()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden(case: goldens.Case, update: bool, request: pytest.FixtureRequest) -> None:
    if "error" in case.headers:
        for dialect in Dialect:
            with pytest.raises(SqlError) as info:
                translate(case.query, account_id=ACCOUNT, database=DATABASE, dialect=dialect)
            assert info.value.code == case.headers["error"], info.value.message
        return
    translation = translate(case.query, account_id=ACCOUNT, database=DATABASE)
    actual = goldens.abbreviate(translation.sql)
    wae_message = _wae_rejection(case.query)
    if update:
        case.expected = actual
        case.headers.pop("wae", None)
        if wae_message is not None:
            case.headers = {"wae": wae_message, **case.headers}
    else:
        assert actual == case.expected
        assert wae_message == case.headers.get("wae")
        assert bool(translation.nonportable) == ("wae" in case.headers), translation.nonportable
    if case.headers.get("execute") != "true":
        return
    result = request.getfixturevalue("chdb").query(translation.sql)
    columns = _dump([column["name"] for column in result["meta"]])
    rows = _dump([list(row.values()) for row in result["data"]])
    wanted_rows = case.headers.get("result") != "any"  # "any": time-dependent, just run it
    if update:
        case.headers["columns"] = columns
        if wanted_rows:
            case.headers["result"] = rows
        return
    if "columns" in case.headers:
        assert columns == case.headers["columns"]
    if wanted_rows and "result" in case.headers:
        assert rows == case.headers["result"]
