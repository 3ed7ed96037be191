"""WAE's write limits: exactly at the limit is accepted, one past it is rejected with WAE's
message, and a batch with one bad point writes nothing."""

from __future__ import annotations

import io
import time

import pytest

from server.errors import BadRequest, InvalidDataPoint
from server.ingest.points import parse_body, validate
from tests.helpers import count

URL = "/v1/accounts/acct_a/datasets/usage/points"
NOW = int(time.time())

AT_LIMIT = {
    "index of 96 bytes": {"indexes": ["x" * 96]},
    "index of 96 bytes in 4-byte characters": {"indexes": ["😀" * 24]},
    "null index": {"indexes": [None]},
    "empty indexes": {"indexes": []},
    "20 blobs": {"blobs": ["b"] * 20},
    "blobs totalling 16000 bytes": {"blobs": ["a" * 8000, None, "é" * 4000]},
    "20 doubles": {"doubles": [1.0] * 20},
    "integer and huge doubles": {"doubles": [0, -1, 2**63, 1.7e308]},
}

PAST_LIMIT = {
    "2 indexes": ({"indexes": ["a", "b"]}, "writeDataPoint(): Maximum of 1 indexes supported."),
    "index of 97 bytes": (
        {"indexes": ["x" * 97]},
        "writeDataPoint(): Size of indexes[0] exceeds 96 bytes).",
    ),
    "index of 97 bytes in 2-byte characters": (
        {"indexes": ["x" + "é" * 48]},
        "writeDataPoint(): Size of indexes[0] exceeds 96 bytes).",
    ),
    "21 blobs": ({"blobs": ["b"] * 21}, "writeDataPoint(): Maximum of 20 blobs supported."),
    "21 nulls count as blob slots": (
        {"blobs": [None] * 21},
        "writeDataPoint(): Maximum of 20 blobs supported.",
    ),
    "blobs totalling 16001 bytes": (
        {"blobs": ["a" * 8000, "é" * 4000, "z"]},
        "writeDataPoint(): Cumulative size of blobs exceeds 16000 bytes).",
    ),
    "21 doubles": ({"doubles": [1.0] * 21}, "writeDataPoint(): Maximum of 20 doubles supported."),
    "string double": ({"doubles": ["1"]}, "doubles must be finite numbers"),
    "boolean double": ({"doubles": [True]}, "doubles must be finite numbers"),
    "number blob": ({"blobs": [1]}, "blobs must be strings or null"),
    "number index": ({"indexes": [7]}, "indexes[0] must be a string or null"),
    "indexes not a list": ({"indexes": "abc"}, "indexes must be an array"),
    "blobs not a list": ({"blobs": {"a": 1}}, "blobs must be an array"),
    "doubles not a list": ({"doubles": 1}, "doubles must be an array"),
    "unknown field": ({"blob": ["x"]}, "unknown field 'blob'"),
    "not an object": ([1, 2], "a data point must be a JSON object"),
    "timestamp too old": ({"timestamp": (NOW - 93 * 86_400) * 1000}, "older than the retention"),
    "timestamp in the future": ({"timestamp": (NOW + 3600) * 1000}, "in the future"),
    "timestamp not a date": ({"timestamp": "yesterday"}, "is not RFC 3339"),
    "timestamp boolean": ({"timestamp": True}, "epoch milliseconds or an RFC 3339"),
}


@pytest.mark.parametrize("point", AT_LIMIT.values(), ids=AT_LIMIT.keys())
def test_point_exactly_at_a_limit_is_accepted(point):
    assert len(validate([point], NOW, 92)) == 1


@pytest.mark.parametrize(("point", "message"), PAST_LIMIT.values(), ids=PAST_LIMIT.keys())
def test_point_past_a_limit_is_rejected_with_wae_wording(point, message):
    with pytest.raises(InvalidDataPoint) as info:
        validate([{}, point], NOW, 92)
    assert message in info.value.message
    assert info.value.message.startswith("point 1: ")
    assert info.value.detail == {"position": 1}


def test_null_blob_keeps_its_slot():
    points = validate([{"blobs": [None, "b"]}], NOW, 92)
    assert points.blobs == [[None, "b"]]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "application/json", "empty body"),
        (b"   \n", "application/json", "empty body"),
        (b"{", "application/json", "invalid JSON"),
        (b"[NaN]", "application/json", "invalid JSON"),
        (b"[1e999]", "application/json", "invalid JSON"),
        (b'"a string"', "application/json", "must be a data point object"),
        (b"42", "application/json", "must be a data point object"),
        (b'{"indexes": []}\n{oops}\n', "application/x-ndjson", "NDJSON line 2"),
    ],
)
def test_malformed_bodies_are_bad_requests(body, content_type, message):
    with pytest.raises(BadRequest) as info:
        parse_body(body, content_type)
    assert message in info.value.message


@pytest.mark.parametrize(("point", "message"), PAST_LIMIT.values(), ids=PAST_LIMIT.keys())
async def test_batch_with_one_bad_point_writes_nothing(client, storage, point, message):
    batch = [{"indexes": ["ok"]}] * 5 + [point] + [{"indexes": ["ok"]}] * 5
    resp = await client.post(URL, json=batch)
    assert resp.status == 400
    body = await resp.json()
    assert body["code"] == "invalid_data_point"
    assert body["position"] == 5
    assert message in body["error"]
    assert await count(storage) == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v1/accounts/acct_a/datasets/1bad/points", "invalid dataset name"),
        ("/v1/accounts/acct_a/datasets/" + "d" * 65 + "/points", "invalid dataset name"),
        ("/v1/accounts/acct_a/datasets/has%20space/points", "invalid dataset name"),
        ("/v1/accounts/bad%27acct/datasets/usage/points", "invalid account id"),
    ],
)
async def test_bad_names_are_rejected(client, storage, path, message):
    resp = await client.post(path, json={})
    assert resp.status == 400
    assert message in (await resp.json())["error"]
    assert await count(storage) == 0


async def test_dataset_names_with_dash_and_64_chars_are_accepted(client, storage):
    for name in ("platform-analytics", "_x", "d" * 64):
        resp = await client.post(f"/v1/accounts/acct_a/datasets/{name}/points", json={})
        assert resp.status == 200, await resp.text()
    assert await count(storage) == 3


async def test_too_many_points_is_413(aiohttp_client, make_settings, storage):
    from server.app import create_app

    app = create_app(make_settings(max_points_per_request=10), storage=storage)
    client = await aiohttp_client(app)
    resp = await client.post(URL, json=[{}] * 11)
    assert resp.status == 413
    assert (await resp.json())["code"] == "payload_too_large"
    assert (await client.post(URL, json=[{}] * 10)).status == 200
    assert await count(storage) == 10


async def test_huge_body_is_413_and_server_keeps_serving(aiohttp_client, make_settings, storage):
    from server.app import create_app

    app = create_app(make_settings(max_body_bytes=1024 * 1024), storage=storage)
    client = await aiohttp_client(app)
    resp = await client.post(URL, data=io.BytesIO(b"[" + b"{}," * 600_000 + b"{}]"))
    assert resp.status == 413
    assert (await resp.json())["code"] == "payload_too_large"
    assert (await client.post(URL, json={})).status == 200
    assert await count(storage) == 1
