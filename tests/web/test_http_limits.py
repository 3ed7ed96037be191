"""HTTP hygiene on a real loopback server: bodies refused before they are read (size, full
queue), read deadlines for headers and bodies, and no error log for clients that send garbage."""

from __future__ import annotations

import asyncio
import gzip
import logging
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.compression_utils import HAS_ZSTD

from server.app import create_app
from server.config import Settings
from server.storage import Storage
from server.web.keys import WRITER
from tests.helpers import count

WRITE = "/v1/accounts/acct_a/datasets/usage/points"
SQL = "/client/v4/accounts/acct_a/analytics_engine/sql"


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[tuple[str, int]]:
    """A plain AppRunner on a free loopback port, as `usagehouse serve` runs the app."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][:2]
    finally:
        await runner.cleanup()


@pytest.fixture
def server(make_settings: Callable[..., Settings], storage: Storage) -> Callable[..., Any]:
    def start(**settings: Any) -> Any:
        return serve(create_app(make_settings(**settings), storage=storage))

    return start


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
    body = await reader.readexactly(int(headers.get("content-length", 0)))
    return int(status_line.split()[1]), headers, body


async def send(address: tuple[str, int], data: bytes) -> tuple[Any, Any]:
    reader, writer = await asyncio.open_connection(*address)
    writer.write(data)
    await writer.drain()
    return reader, writer


def post_head(path: str, length: int, extra: str = "") -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n{extra}\r\n".encode()


async def closed_by_server(reader: asyncio.StreamReader) -> bytes | None:
    """Read until the server closes the connection (at most 30 s, far past every deadline):
    what it sent, or None if it kept the connection open."""
    received = b""
    try:
        async with asyncio.timeout(30):
            while chunk := await reader.read(65536):
                received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


# --- size -----------------------------------------------------------------------------------


@pytest.mark.slow  # aiohttp lingers up to 10 s reading the refused body before it closes
async def test_a_declared_length_over_the_limit_is_413_before_any_body_is_sent(server, storage):
    async with server(max_body_bytes=1000) as address:
        reader, writer = await send(address, post_head(WRITE, 1001))  # headers only
        status, headers, body = await read_response(reader)
        writer.close()
    assert status == 413
    assert headers["connection"] == "close"
    error = orjson.loads(body)
    assert error["code"] == "payload_too_large" and error["limit"] == 1000
    assert error["error"] == (
        "request body of 1001 bytes is over the limit of 1000 bytes (USAGEHOUSE_MAX_BODY_BYTES)"
    )
    assert await count(storage) == 0


async def test_a_chunked_body_growing_past_the_limit_is_413(aiohttp_client, make_settings, storage):
    client = await aiohttp_client(
        create_app(make_settings(max_body_bytes=100_000), storage=storage)
    )

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        yield b"["
        for _ in range(100):
            yield b'{"blobs": ["' + b"x" * 2000 + b'"]},'
        yield b"{}]"

    resp = await client.post(WRITE, data=chunks())
    assert resp.status == 413
    assert (await resp.json())["error"] == (
        "request body is over the limit of 100000 bytes (USAGEHOUSE_MAX_BODY_BYTES)"
    )
    assert (await client.post(WRITE, data=b"[" + b"{}," * 30_000 + b"{}]")).status == 200
    assert await count(storage) == 30_001


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip.compress, "deflate": zlib.compress}
if HAS_ZSTD:
    from backports.zstd import compress as zstd_compress

    COMPRESSORS["zstd"] = zstd_compress


@pytest.mark.parametrize("encoding", sorted(COMPRESSORS))
@pytest.mark.parametrize("path", [WRITE, SQL])
async def test_a_compressed_body_that_inflates_past_the_limit_is_413(
    aiohttp_client, make_settings, storage, encoding, path
):
    client = await aiohttp_client(
        create_app(make_settings(max_body_bytes=100_000), storage=storage)
    )
    bomb = COMPRESSORS[encoding](b"[" + b"{}," * 1_000_000 + b"{}]")  # 3 MB -> a few KB
    assert len(bomb) < 100_000
    resp = await client.post(path, data=bomb, headers={"Content-Encoding": encoding})
    assert resp.status == 413
    assert "over the limit of 100000 bytes (USAGEHOUSE_MAX_BODY_BYTES)" in await resp.text()
    assert await count(storage) == 0


# --- a full queue -----------------------------------------------------------------------------


async def test_a_full_queue_answers_503_before_the_body_is_read(
    make_settings, storage, registry, monkeypatch
):
    """The queue is filled by a write whose insert is held back; the next write sends its
    headers and 100 bytes of a 50 MB body, and gets its 503 without sending the rest."""
    release = asyncio.Event()
    insert = storage.insert_columns

    async def held_insert(*args: Any, **kwargs: Any) -> None:
        await release.wait()
        await insert(*args, **kwargs)

    monkeypatch.setattr(storage, "insert_columns", held_insert)
    settings = {"queue_max_points": 10, "max_batch_points": 10}
    app = create_app(make_settings(**settings), storage=storage, registry=registry)
    async with serve(app) as address:
        first_body = orjson.dumps([{"indexes": ["a"]}] * 10)
        first_reader, first = await send(address, post_head(WRITE, len(first_body)) + first_body)
        for _ in range(3000):
            if app[WRITER].queued_points == 10:
                break
            await asyncio.sleep(0.01)

        reader, writer = await send(address, post_head(WRITE, 50_000_000) + b"[" + b"{}," * 33)
        status, headers, body = await read_response(reader)
        assert status == 503
        assert headers["retry-after"] == "1" and headers["connection"] == "close"
        assert orjson.loads(body)["code"] == "overloaded"
        writer.close()

        release.set()
        status, _, body = await read_response(first_reader)
        assert (status, orjson.loads(body)["stored"]) == (200, 10)
        first.close()
    assert await count(storage) == 10
    assert registry.get_sample_value("usagehouse_ingest_overloaded_total") == 1


# --- read deadlines ---------------------------------------------------------------------------


@pytest.mark.slow  # aiohttp lingers up to 10 s reading the refused body before it closes
@pytest.mark.parametrize("path", [WRITE, SQL, "/grafana/json/query"])
async def test_a_body_that_does_not_arrive_in_time_is_408_and_the_connection_closes(
    server, storage, path
):
    async with server(http_body_timeout_s=0.2) as address:
        reader, writer = await send(address, post_head(path, 100) + b"[{}")  # 97 bytes missing
        status, headers, body = await read_response(reader)
        writer.close()
    assert status == 408
    assert headers["connection"] == "close"
    assert b"did not arrive within 0.2 s (USAGEHOUSE_HTTP_BODY_TIMEOUT_S)" in body
    assert await count(storage) == 0


async def test_slow_header_and_idle_connections_are_closed_while_others_are_served(server):
    async with server(http_header_timeout_s=0.5) as address:
        idle = [await asyncio.open_connection(*address) for _ in range(100)]
        slow = [await send(address, b"GET /health HTTP/1.1\r\nHost: x\r\n") for _ in range(100)]

        async def trickle(writer: asyncio.StreamWriter) -> None:
            try:
                for i in range(600):  # one header line every 50 ms, for 30 s at most
                    writer.write(f"X-Slow-{i}: y\r\n".encode())
                    await writer.drain()
                    await asyncio.sleep(0.05)
            except ConnectionError:
                pass

        trickles = [asyncio.create_task(trickle(w)) for _, w in slow]
        reader, writer = await send(address, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await read_response(reader))[0] == 200
        writer.close()
        closed = await asyncio.gather(*(closed_by_server(r) for r, _ in idle + slow))
        for task in trickles:
            task.cancel()
        for _, w in idle + slow:
            w.close()
    assert closed == [b""] * 200  # closed without an answer (not a 431 for too many headers)


# --- malformed HTTP -------------------------------------------------------------------------

MALFORMED = {
    "TLS handshake": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,
    "binary garbage": bytes(range(256)),
    "bad request line": b"GET\r\n\r\n",
    "bad HTTP version": b"GET / HTTP/7.5\r\n\r\n",
    "header without a colon": b"GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    "header with a space before the colon": b"GET /health HTTP/1.1\r\nHost : x\r\n\r\n",
    "control character in the path": b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n",
    "request line too long": b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n",
    "two lengths": b"POST /health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "bad chunk size": (
        b"POST " + WRITE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"
    ),
    "bad chunk on a route that does not read it": (
        b"POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nzz\r\n"
    ),
    "second request garbage": b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n\x16\x03\x01garbage\r\n\r\n",
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
async def test_malformed_http_gets_a_4xx_and_no_error_log(server, caplog, data):
    caplog.set_level(logging.DEBUG)
    async with server() as address:
        reader, writer = await send(address, data)
        answer = await closed_by_server(reader)
        writer.close()
    assert answer is not None
    statuses = [int(line.split()[1]) for line in answer.split(b"\r\n") if line.startswith(b"HTTP/")]
    assert statuses and all(s < 500 for s in statuses), answer[:300]
    assert statuses[-1] in (400, 405, 413, 431), answer[:300]
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [], [(r.name, r.getMessage()) for r in errors]
