"""Every route fails in one shape: {"ok": false, "error", "code", "status"} (datasette's rule)."""

from __future__ import annotations

import asyncio
import gzip
import re

import pytest
from aiohttp import web

from server.app import create_app

WRITE = "/v1/accounts/acct_a/datasets/usage/points"


def assert_shape(body: dict, status: int, code: str) -> None:
    assert body["ok"] is False
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("POST", WRITE, {"data": b"{"}, 400, "bad_request"),
        ("POST", WRITE, {"json": {"blobs": "x"}}, 400, "invalid_data_point"),
        ("POST", WRITE, {"data": b""}, 400, "bad_request"),
        ("POST", "/v1/accounts/acct_a/datasets/9/points", {"json": {}}, 400, "bad_request"),
        ("GET", WRITE, {}, 405, "method_not_allowed"),
        ("GET", "/no/such/route", {}, 404, "not_found"),
        ("POST", "/health", {}, 405, "method_not_allowed"),
        ("DELETE", "/metrics", {}, 405, "method_not_allowed"),
        ("PUT", "/openapi.json", {}, 405, "method_not_allowed"),
        ("POST", "/ready", {}, 405, "method_not_allowed"),
    ],
)
async def test_client_mistakes_get_the_error_shape(client, method, path, kwargs, status, code):
    resp = await client.request(method, path, **kwargs)
    assert resp.status == status
    assert resp.content_type == "application/json"
    assert_shape(await resp.json(), status, code)


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [({}, 401, "unauthorized"), ({"Authorization": "Bearer r"}, 403, "forbidden")],
)
async def test_auth_failures_get_the_error_shape(
    aiohttp_client, make_settings, storage, headers, status, code
):
    app = create_app(make_settings(tokens="r:acct_a:r"), storage=storage)
    client = await aiohttp_client(app)
    resp = await client.post(WRITE, json={}, headers=headers)
    assert_shape(await resp.json(), status, code)


async def test_storage_down_gets_the_error_shape_on_ready_and_write(client, storage):
    await storage.close()
    for method, path in (("GET", "/ready"), ("POST", WRITE)):
        resp = await client.request(method, path, json={})
        assert resp.status == 503
        assert_shape(await resp.json(), 503, "storage_unavailable")


async def test_operations_routes_answer(client):
    assert await (await client.get("/health")).json() == {"ok": True}
    ready = await (await client.get("/ready")).json()
    assert ready["ok"] is True and ready["storage"].startswith("embedded chDB at ")
    spec = await (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert "/v1/accounts/{account_id}/datasets/{dataset}/points" in spec["paths"]


SQL = "/client/v4/accounts/acct_a/analytics_engine/sql"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", SQL, b"SELECT * FROM system.parts"), ("GET", SQL + "?query=DROP%20TABLE%20x", b"")],
)
async def test_sql_errors_are_one_line_plain_text_422(client, method, path, body):
    resp = await client.request(method, path, data=body)
    assert resp.status == 422
    assert resp.content_type == "text/plain"
    text = await resp.text()
    assert text and "\n" not in text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/grafana/json/query", {"targets": "nope"}),
        ("/grafana/json/query", {"range": {"from": "x", "to": "y"}, "targets": []}),
        ("/grafana/json/variable", {"payload": {"target": "SELECT * FROM system.parts"}}),
        ("/grafana/json/tag-values", {"key": "account_id"}),
        ("/grafana/json/metric-payload-options", []),
    ],
)
async def test_grafana_errors_carry_a_message(client, path, body):
    resp = await client.post(path, json=body)
    assert 400 <= resp.status < 500
    payload = await resp.json()
    assert payload["message"] and payload["status"] == resp.status


async def test_an_unknown_url_or_method_in_a_family_answers_in_its_shape(client):
    """The family's sub-application answers 404 and 405 too, not only its handlers' errors."""
    wrong_method = await client.put(SQL)
    assert wrong_method.status == 405
    assert wrong_method.content_type == "text/plain"
    assert await wrong_method.text() == "Method Not Allowed"
    unknown = await client.post("/grafana/json/no-such-endpoint", json={})
    assert unknown.status == 404
    assert await unknown.json() == {"message": "Not Found", "code": "not_found", "status": 404}
    wrong_method = await client.get("/grafana/json/query")
    assert (await wrong_method.json())["code"] == "method_not_allowed"


async def test_sql_api_auth_failures_come_in_cloudflares_envelope(
    aiohttp_client, make_settings, storage
):
    client = await aiohttp_client(create_app(make_settings(tokens="r:acct_a:r"), storage=storage))
    resp = await client.post(SQL, data=b"SELECT 1")
    assert resp.status == 401
    body = await resp.json()
    assert body["success"] is False and body["result"] is None and body["messages"] == []
    assert body["errors"][0]["code"] == 4011


async def test_billing_errors_get_the_error_shape(client):
    resp = await client.get("/v1/accounts/acct_a/billing/invoices/2026-01")
    assert_shape(await resp.json(), 404, "not_found")


async def test_every_route_is_in_the_openapi_document(client):
    spec = await (await client.get("/openapi.json")).json()
    for route in client.app.router.routes():
        path = route.resource.canonical
        if route.method == "HEAD" or path.endswith("/"):
            continue
        assert route.method.lower() in spec["paths"].get(path, {}), (route.method, path)


async def test_every_path_parameter_is_declared_in_the_openapi_document(client):
    """schemathesis refused the invoices operations while `{month}` was undeclared."""
    spec = await (await client.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", SQL, b"", 400),  # no SQL at all
        ("GET", SQL + "?query=SELECT%201&output_format_json_quote_64bit_integers=2", b"", 400),
        ("POST", "/grafana/json/query", b"[]", 400),
        ("POST", "/grafana/json/variable", b"{}", 400),
        ("GET", "/v1/accounts/acct_a/billing/invoices/2026-01", b"", 404),
    ],
)
async def test_statuses_schemathesis_found_undocumented_are_declared(
    client, method, path, body, status
):
    resp = await client.request(method, path, data=body)
    assert resp.status == status
    spec = await (await client.get("/openapi.json")).json()
    template = next(
        p for p in spec["paths"] if re.fullmatch(re.sub(r"{\w+}", "[^/]+", p), path.split("?")[0])
    )
    responses = spec["paths"][template][method.lower()]["responses"]
    assert resp.content_type in responses[str(status)]["content"]


@pytest.mark.parametrize("path", [WRITE, SQL, "/grafana/json/query"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_does_not_decode_as_its_content_encoding_is_a_400(
    client, caplog, path, encoding
):
    resp = await client.post(path, data=b"SELECT 1", headers={"Content-Encoding": encoding})
    assert resp.status == 400
    assert f"cannot read the request body: Can not decode content-encoding: {encoding}" in (
        await resp.text()
    )
    assert resp.headers["Connection"] == "close"  # the rest of the body cannot be read
    await asyncio.sleep(0.05)  # let aiohttp finish with the connection
    assert "unhandled error" not in caplog.text
    assert "Unhandled exception" not in caplog.text  # aiohttp's own, when it drains the body


async def test_an_unknown_content_encoding_is_415_not_read_as_plain(client):
    body = b'{"indexes": ["c"]}'
    resp = await client.post(WRITE, data=body, headers={"Content-Encoding": "bogus"})
    assert_shape(await resp.json(), 415, "unsupported_media_type")
    assert "'bogus' is not supported: send deflate, gzip" in (await resp.json())["error"]
    ok = await client.post(WRITE, data=gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert ok.status == 200


async def test_a_client_hanging_up_mid_body_is_not_logged_as_a_server_error(
    make_settings, storage, caplog
):
    # A plain AppRunner, as `usagehouse serve` runs (the test server cancels handlers instead).
    runner = web.AppRunner(create_app(make_settings(), storage=storage))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        _, writer = await asyncio.open_connection(*runner.addresses[0][:2])
        writer.write(f"POST {WRITE} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[".encode())
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.close()
        await writer.wait_closed()
        await asyncio.sleep(0.2)
    finally:
        await runner.cleanup()
    assert "unhandled error" not in caplog.text


@pytest.mark.parametrize(
    ("settings", "body", "names"),
    [
        (
            {"max_points_per_request": 2},
            b"[{}, {}, {}]",
            "the limit is 2 (USAGEHOUSE_MAX_POINTS_PER_REQUEST)",
        ),
        (
            {"max_body_bytes": 1024},
            b"[" + b"{}," * 1000 + b"{}]",
            "(USAGEHOUSE_MAX_BODY_BYTES)",
        ),
    ],
)
async def test_a_413_names_its_setting(
    aiohttp_client, make_settings, storage, settings, body, names
):
    client = await aiohttp_client(create_app(make_settings(**settings), storage=storage))
    resp = await client.post(WRITE, data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert names in (await resp.json())["error"]


async def test_a_point_past_retention_names_the_window_and_its_setting(client):
    resp = await client.post(WRITE, json=[{}, {"timestamp": "2000-01-01T00:00:00Z"}])
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error.startswith(
        "point 1: timestamp 2000-01-01T00:00:00Z is older than the retention window of 92 days "
        "(USAGEHOUSE_RETENTION_DAYS): the oldest accepted now is "
    )
