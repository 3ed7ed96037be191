"""Hostile write bodies: whatever arrives, the answer is a 2xx/4xx, never a crash or a 500."""

from __future__ import annotations

import contextlib
import time

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.errors import BadRequest
from server.ingest.points import parse_body, validate
from tests.helpers import count

URL = "/v1/accounts/acct_a/datasets/usage/points"
NOW = int(time.time())

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
