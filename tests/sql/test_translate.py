"""The golden runner: one test per case in tests/sql/golden/*.sql (see goldens.py).

`pytest tests/sql --update-goldens` rewrites the expected SQL (and the `columns`/`result`
headers of `execute` cases) so that review happens in the diff.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

import orjson
import pytest

from server.errors import SqlError
from server.sql import translate
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


def _dump(value: object) -> str:
    return orjson.dumps(value).decode()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden(case: goldens.Case, update: bool, request: pytest.FixtureRequest) -> None:
    if "error" in case.headers:
        with pytest.raises(SqlError) as info:
            translate(case.query, account_id=ACCOUNT, database=DATABASE)
        assert info.value.code == case.headers["error"], info.value.message
        return
    translation = translate(case.query, account_id=ACCOUNT, database=DATABASE)
    actual = goldens.abbreviate(translation.sql)
    if update:
        case.expected = actual
    else:
        assert actual == case.expected
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
