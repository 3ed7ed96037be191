"""WAE's type names in `meta`: storage wrappers and the UTC zone dropped, the data untouched."""

from __future__ import annotations

import orjson
import pytest

from server.sql import translate
from server.sql.metadata import wae_meta, wae_type
from tests.sql.conftest import ACCOUNT, DATABASE, Chdb


@pytest.mark.parametrize(
    ("clickhouse", "wae"),
    [
        ("LowCardinality(String)", "String"),
        ("DateTime('UTC')", "DateTime"),
        ("DateTime('Etc\\/UTC')", "DateTime"),
        ("DateTime64(3, 'UTC')", "DateTime64(3)"),
        ("Nullable(DateTime('UTC'))", "Nullable(DateTime)"),
        ("Array(LowCardinality(String))", "Array(String)"),
        ("Tuple(LowCardinality(String), LowCardinality(Nullable(String)))",
         "Tuple(String, Nullable(String))"),
        ("DateTime('Asia\\/Tokyo')", "DateTime('Asia\\/Tokyo')"),
        ("UInt32", "UInt32"),
        ("Float64", "Float64"),
    ],
)  # fmt: skip
def test_type_names(clickhouse: str, wae: str) -> None:
    assert wae_type(clickhouse.encode()) == wae.encode()


def _body(chdb: Chdb, query: str) -> bytes:
    sql = translate(query, account_id=ACCOUNT, database=DATABASE).sql
    data: bytes = chdb.session.query(
        f"SELECT * FROM ({sql}) SETTINGS output_format_write_statistics = 0", "JSON"
    ).bytes()
    return data


def test_only_the_meta_array_changes(chdb: Chdb) -> None:
    body = _body(
        chdb,
        "SELECT dataset, timestamp, _sample_interval, index1, blob1, double1, "
        "toStartOfMonth(timestamp) AS month, toDateTime(timestamp, 'Asia/Tokyo') AS tokyo "
        "FROM weather ORDER BY timestamp LIMIT 2",
    )
    renamed = wae_meta(body)
    meta_end = body.index(b"\n\t],")
    assert renamed[renamed.index(b"\n\t],") :] == body[meta_end:]
    assert orjson.loads(renamed)["meta"] == [
        {"name": "dataset", "type": "String"},
        {"name": "timestamp", "type": "DateTime"},
        {"name": "_sample_interval", "type": "UInt32"},
        {"name": "index1", "type": "String"},
        {"name": "blob1", "type": "String"},
        {"name": "double1", "type": "Float64"},
        {"name": "month", "type": "DateTime"},
        {"name": "tokyo", "type": "DateTime('Asia/Tokyo')"},
    ]
    assert b"LowCardinality" in body and b"DateTime('UTC')" in body


def test_a_body_with_waes_names_already_is_returned_as_is(chdb: Chdb) -> None:
    body = _body(chdb, "SELECT blob1, count() AS n FROM weather GROUP BY blob1 ORDER BY blob1")
    assert wae_meta(body) is body


def test_other_formats_are_left_alone() -> None:
    line = b'{"dataset":"weather","type":"DATASET"}\n'
    assert wae_meta(line) is line
