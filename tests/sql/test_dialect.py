"""The dialect table: each construct WAE rejects is found by its check, named in `extended`,
refused with its message in `wae`; WAE's own functions pass, every extension is flagged."""

from __future__ import annotations

import pytest

from server.config import SQL_DIALECTS
from server.errors import BadRequest, SqlRejected
from server.sql import Dialect, check_dialect, functions
from server.sql.dialect import FEATURES, parse_dialect, warning

#: One query per feature label (a function stands for every off-list function).
EXAMPLES = {
    "CASE WHEN": "SELECT CASE WHEN double1 > 1 THEN 'a' ELSE 'b' END FROM ds",
    "SELECT DISTINCT": "SELECT DISTINCT blob1 FROM ds",
    "JOIN": "SELECT a.blob1 FROM ds AS a JOIN ds AS b ON a.blob1 = b.blob1",
    "UNION": "SELECT blob1 FROM ds UNION ALL SELECT blob2 FROM ds",
    "WITH": "WITH x AS (SELECT blob1 FROM ds) SELECT * FROM x",
    "subquery outside FROM": "SELECT blob1 FROM ds WHERE blob1 IN (SELECT blob2 FROM ds)",
    "LIMIT BY": "SELECT blob1 FROM ds LIMIT 1 BY blob2",
    "GROUP BY ALL": "SELECT blob1, count() FROM ds GROUP BY ALL",
    "* EXCEPT": "SELECT * EXCEPT (blob1) FROM ds",
    "* REPLACE": "SELECT * REPLACE (1 AS blob1) FROM ds",
    "count(*)": "SELECT COUNT(*) FROM ds",
    "system.tables": "SELECT name FROM system.tables",
    "uniq": "SELECT uniq(blob1) FROM ds",
    "?:": "SELECT double1 > 1 ? 'a' : 'b' FROM ds",
    "CAST": "SELECT CAST(double1 AS String) FROM ds",
    "NULL": "SELECT blob1 IS NULL FROM ds",
    "||": "SELECT blob1 || blob2 FROM ds",
    "arrays": "SELECT [1, 2]",
    "tuples": "SELECT (1, 2)",
    "<=>": "SELECT 1 <=> 2",
    "ESCAPE": "SELECT blob1 LIKE 'a!%' ESCAPE '!' FROM ds",
    "WEEK unit": "SELECT toStartOfInterval(timestamp, INTERVAL '1' WEEK) FROM ds",
}


def test_every_feature_has_an_example() -> None:
    messages = {feature.message for feature in FEATURES}
    seen = set()
    for query in EXAMPLES.values():
        with pytest.raises(SqlRejected) as info:
            check_dialect(query, Dialect.WAE)
        seen.add(next(f.message for f in FEATURES if _matches(f.message, info.value.message)))
    assert seen == messages


def _matches(template: str, message: str) -> bool:
    head, placeholder, tail = template.partition("{name}")
    if not placeholder:
        return message == template
    return message.startswith(head) and message.endswith(tail)


@pytest.mark.parametrize(("label", "query"), EXAMPLES.items(), ids=list(EXAMPLES))
def test_extended_names_the_feature(label: str, query: str) -> None:
    assert check_dialect(query, Dialect.EXTENDED) == (label,)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT CASE WHEN 1 THEN 2 END", "unsupported expression type: CASE WHEN"),
        ("SELECT DISTINCT blob1 FROM ds", "selection used unsupported features: SELECT DISTINCT"),
        ("SELECT multiIf(1, 2, 3)", "unsupported function: multiIf"),
        ("SELECT UNIQ(blob1) FROM ds", "unsupported function: uniq"),
        ("SELECT uniqIf(blob1, 1) FROM ds", "unsupported function: uniqIf"),
        ("SELECT extract(QUARTER FROM timestamp) FROM ds", "unsupported time unit: QUARTER (WAE "
         "has YEAR, MONTH, DAY, HOUR, MINUTE and SECOND)"),
    ],
)  # fmt: skip
def test_wae_refuses_with_the_message(query: str, message: str) -> None:
    with pytest.raises(SqlRejected) as info:
        check_dialect(query, Dialect.WAE)
    assert info.value.message == message


def test_labels_follow_the_table_once_each() -> None:
    query = (
        "SELECT uniq(a.blob1), multiIf(1, 2, 3), uniq(b.blob2), CASE WHEN 1 THEN 2 END "
        "FROM ds AS a JOIN ds AS b ON a.blob1 = b.blob1"
    )
    labels = check_dialect(query, Dialect.EXTENDED)
    assert labels == ("CASE WHEN", "JOIN", "uniq", "multiIf")
    assert warning(labels) == "not portable to WAE: CASE WHEN, JOIN, uniq, multiIf"


@pytest.mark.parametrize("name", sorted(functions.WAE_FUNCTIONS))
def test_waes_own_functions_pass(name: str) -> None:
    assert check_dialect(f"SELECT {name}(1, 2)", Dialect.WAE) == ()


@pytest.mark.parametrize("name", sorted(functions.EXTENSIONS))
def test_every_extension_function_is_flagged(name: str) -> None:
    assert check_dialect(f"SELECT {name}(1, 2)", Dialect.EXTENDED) == (name,)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(DISTINCT blob1), sum(DISTINCT double1), avg(DISTINCT double1) FROM ds",
        "SELECT * FROM (SELECT blob1 AS b, count() AS n FROM ds GROUP BY b) WHERE n > 1",
        "(SELECT 1 AS x)",
        "SELECT if(double1 > 1, 'a', 'b'), position(':' IN blob1), extract(DAY FROM timestamp) "
        "FROM ds WHERE blob1 NOT IN ('a', 'b') AND double1 NOT BETWEEN 1 AND 2",
        "SELECT quantileWeighted(0.5)(double1, _sample_interval), topK(5)(blob1) FROM ds",
        "SELECT blob1 FROM ds WHERE timestamp > now() - INTERVAL '1' DAY ORDER BY blob1 LIMIT ALL",
        "SHOW TABLES FORMAT JSON",
    ],
)
def test_waes_documented_constructs_pass(query: str) -> None:
    assert check_dialect(query, Dialect.WAE) == ()


def test_a_dialect_is_named_case_insensitively_and_anything_else_is_a_400() -> None:
    assert parse_dialect(" WAE ", "?dialect") is Dialect.WAE
    with pytest.raises(BadRequest) as info:
        parse_dialect("strict", "?dialect")
    assert info.value.message == "?dialect must be wae or extended, not 'strict'"


def test_the_settings_choices_are_the_dialects() -> None:
    assert set(SQL_DIALECTS) == {d.value for d in Dialect}
    assert SQL_DIALECTS[0] == Dialect.EXTENDED


def test_what_usagehouse_import_sends_is_waes() -> None:
    # The importer reads from Cloudflare too, so its SQL must pass the `wae` dialect.
    from server.importer.source import count_sql, page_sql

    for dataset in ("usage", "my-dataset"):
        assert check_dialect(count_sql(dataset, 0, 86_400), Dialect.WAE) == ()
        assert check_dialect(page_sql(dataset, 0, 86_400, 1000, 2000), Dialect.WAE) == ()
