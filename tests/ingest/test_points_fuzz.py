"""Hostile write bodies: whatever arrives, the answer is a 2xx/4xx, never a crash or a 500."""

from __future__ import annotations

import contextlib
import json
import time

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.errors import BadRequest
from server.ingest.points import (
    FIELDS,
    IMPORT_FIELDS,
    Points,
    decode_valid,
    parse_body,
    sample_intervals,
    validate,
)
from tests.helpers import count

URL = "/v1/accounts/acct_a/datasets/usage/points"
NOW = int(time.time())
MAX_POINTS = 100

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=25)
        | st.dictionaries(
            st.sampled_from(["indexes", "blobs", "doubles", "timestamp", "other"]) | st.text(),
            children,
            max_size=5,
        )
    ),
    max_leaves=60,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_is_valid_or_a_bad_request(value):
    body = orjson.dumps(value)
    try:
        points = validate(parse_body(body, "application/json"), NOW, 92)
    except BadRequest:
        return
    assert len(points.indexes) == len(points.blobs) == len(points.doubles)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_valid_or_a_bad_request(body):
    for content_type in ("application/json", "application/x-ndjson"):
        with contextlib.suppress(BadRequest):
            validate(parse_body(body, content_type), NOW, 92)


NASTY = [
    b"\x00\xff\xfe",
    b"\xef\xbb\xbf{}",
    b'{"indexes": ["\\ud800"]}',
    b"[" * 10_000 + b"]" * 10_000,
    b'{"indexes": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
    b'{"blobs": ["' + b"a" * 20_000 + b'"]}',
    b'{"doubles": [1e308, -1e308, 5e-324]}',
    b'{"timestamp": 1e30}',
    b'{"timestamp": -1e30}',
    b'{"timestamp": "9999-12-31T23:59:59Z"}',
    b'{"timestamp": "0001-01-01T00:00:00+14:00"}',
    b'{"indexes": ["a"]}{"indexes": ["b"]}',
    b'{"__proto__": {}}',
    '{"indexes": ["\u202e\u0000"]}'.encode(),
]


@pytest.mark.parametrize("body", NASTY, ids=range(len(NASTY)))
async def test_nasty_bodies_over_http_never_500(client, storage, body):
    resp = await client.post(URL, data=body, headers={"Content-Type": "application/json"})
    assert resp.status in (200, 400, 413), await resp.text()
    if resp.status == 200:
        assert await count(storage) == (await resp.json())["stored"]
    else:
        assert await count(storage) == 0
        assert (await resp.json())["ok"] is False


def _slow(body: bytes, fields: frozenset[str]) -> Points | None:
    """What the piece-at-a-time path makes of a body, or None where it refuses it."""
    try:
        items = parse_body(body, "application/json", MAX_POINTS)
        points = validate(items, NOW, 92, 0, fields)
        if fields == IMPORT_FIELDS:
            points.intervals = sample_intervals(items)
    except BadRequest:
        return None
    points.doubles = [[float(d) for d in row] for row in points.doubles]
    return points


def _same_on_both_paths(body: bytes) -> None:
    for fields in (FIELDS, IMPORT_FIELDS):
        fast = decode_valid(body, NOW, 92, MAX_POINTS, fields)
        if fast is not None:  # the fast path only ever accepts, with the slow path's points
            assert fast == _slow(body, fields)


text = st.text(max_size=30) | st.sampled_from(["", "é" * 25, "a" * 96, "😀" * 24, "a" * 97])
near_limits = st.fixed_dictionaries(
    {},
    optional={
        "indexes": st.none() | st.lists(st.none() | text, max_size=2),
        "blobs": st.none()
        | st.lists(st.none() | text, max_size=21)
        | st.just(["x" * 4000] * 4)
        | st.just(["x" * 4000] * 4 + ["y"])
        | st.just(["é" * 4000, "é" * 4001]),
        "doubles": st.none()
        | st.lists(st.integers(-(2**70), 2**70) | st.floats(allow_nan=False), max_size=21)
        | st.just([1.5, True]),
        "timestamp": st.none()
        | st.integers(-(2**64), 2**70)
        | st.floats(allow_nan=False)
        | st.sampled_from(["2026-01-01T00:00:00Z", "yesterday", str(NOW)])
        | st.just((NOW - 86_400) * 1000)
        | st.just(True),
        "_sample_interval": st.integers(-1, 2**33) | st.sampled_from([1.0, True, "2"]),
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_the_fast_path_accepts_only_what_the_slow_path_accepts(value):
    _same_on_both_paths(orjson.dumps(value))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(near_limits, max_size=5) | near_limits)
def test_the_fast_path_agrees_with_the_slow_path_near_every_limit(value):
    # the standard library writes integers past 64 bits (and infinities, which no JSON parser
    # takes) that orjson would refuse to write
    _same_on_both_paths(json.dumps(value, ensure_ascii=False).encode())


def test_the_fast_path_takes_the_usual_body():
    body = orjson.dumps(
        [{"indexes": ["c"], "blobs": ["/x", None], "doubles": [1, 2.5], "timestamp": NOW * 1000}]
    )
    assert decode_valid(body, NOW, 92, MAX_POINTS) == Points(
        [NOW], ["c"], [["/x", None]], [[1.0, 2.5]]
    )
    assert decode_valid(body, NOW, 92, 0) is None  # over the point limit: the slow path says so
