"""The real `python -m server serve` process: start, durability across kill -9, graceful stop."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from server.storage.clickhouse import ClickHouseStorage
from tests.helpers import count
from tests.processes import address, clean_environment, listening_line, server, spawn_server

pytestmark = [pytest.mark.no_blockbuster, pytest.mark.slow]
URL = "/v1/accounts/acct_a/datasets/usage/points"


async def stored_count(data: Path) -> int:
    storage = await ClickHouseStorage.open(str(data), 92)
    try:
        return await count(storage)
    finally:
        await storage.close()


async def test_acknowledged_points_survive_kill_9(tmp_path):
    data = tmp_path / "data"
    async with server(data) as (base, proc), aiohttp.ClientSession() as http:
        batch = [{"indexes": [f"c{i % 7}"], "doubles": [i]} for i in range(1000)]
        results = await asyncio.gather(*(http.post(base + URL, json=batch) for _ in range(8)))
        assert [r.status for r in results] == [200] * 8
        async with http.post(base + URL, json=batch, headers={"Idempotency-Key": "k9"}) as r:
            first = await r.json()
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert await stored_count(data) == 9000

    async with (
        server(data) as (base, _),
        aiohttp.ClientSession() as http,
        http.post(base + URL, json=batch, headers={"Idempotency-Key": "k9"}) as r,
    ):
        assert await r.json() == first
    assert await stored_count(data) == 9000


async def test_sigterm_flushes_everything_acknowledged(tmp_path):
    data = tmp_path / "data"
    async with server(data) as (base, proc), aiohttp.ClientSession() as http:
        batch = [{"indexes": ["c"]}] * 500

        async def post() -> int:
            try:
                async with http.post(base + URL, json=batch) as r:
                    return r.status
            except aiohttp.ClientError:
                return 0

        tasks = [asyncio.create_task(post()) for _ in range(20)]
        # stop the server while requests are in flight: as soon as the first is acknowledged
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        proc.send_signal(signal.SIGTERM)
        statuses = await asyncio.gather(*tasks)
        assert await proc.wait() == 0
    assert set(statuses) <= {0, 200, 503}
    assert statuses.count(200) >= 1
    assert await stored_count(data) >= 500 * statuses.count(200)


async def serve_failing(*flags: str) -> tuple[int | None, bytes]:
    """Run `serve` with flags that must stop it at start-up: (exit code, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "serve",
        *flags,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=clean_environment(),
    )
    _, err = await proc.communicate()
    return proc.returncode, err


async def test_non_loopback_without_tokens_exits_with_a_clear_message(tmp_path):
    code, err = await serve_failing("--host", "0.0.0.0", "--storage", str(tmp_path))
    assert code == 2
    assert b"without USAGEHOUSE_TOKENS" in err


async def test_unreachable_clickhouse_exits_with_a_one_line_reason():
    nobody_listens = "http://default:@127.0.0.1:9/db"
    code, err = await serve_failing("--port", "0", "--storage", nobody_listens)
    assert code == 1
    assert b"usagehouse: cannot start: cannot connect to ClickHouse server at 127.0.0.1:9" in err
    assert b"Traceback" not in err


async def test_a_port_in_use_is_a_one_line_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = await serve_failing("--port", str(port), "--storage", str(tmp_path))
    assert code == 1
    assert err.decode() == (
        f"usagehouse: cannot start: port {port} on 127.0.0.1 is in use (another usagehouse?): "
        "stop that process, or pass --port (USAGEHOUSE_PORT) with a free port\n"
    )


async def test_a_second_server_on_the_same_data_directory_is_a_one_line_error(tmp_path):
    data = tmp_path / "data"
    async with server(data) as (_, first):
        code, err = await serve_failing("--port", "0", "--storage", str(data))
    assert code == 1
    assert err.decode() == (
        f"usagehouse: cannot start: another usagehouse server (pid {first.pid}) is using the "
        f"data directory {data}: stop it, or pass --storage with another directory\n"
    )


async def test_listening_is_printed_once_the_port_is_bound(tmp_path):
    proc = await spawn_server(tmp_path / "data")
    try:
        line = await listening_line(proc)
        base = address(line)
        # Answered at once, without waiting or retrying: the port was bound before the line.
        async with aiohttp.ClientSession() as http, http.get(base + "/health") as resp:
            assert resp.status == 200
    finally:
        proc.kill()
        await proc.wait()
    assert base.startswith("http://127.0.0.1:") and base.rpartition(":")[2] != "0"
    assert line.startswith(f"usagehouse listening on {base} (storage: {tmp_path / 'data'}, ")


async def test_ctrl_c_with_an_upload_in_flight_says_what_it_waits_for_and_stops(tmp_path):
    """An upload that never finishes holds the stop for USAGEHOUSE_SHUTDOWN_TIMEOUT_S at most."""
    async with server(tmp_path / "data", env={"USAGEHOUSE_SHUTDOWN_TIMEOUT_S": "0.5"}) as (
        base,
        proc,
    ):
        host, port = base.removeprefix("http://").split(":")
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"POST {URL} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n[".encode())
        await writer.drain()
        await asyncio.sleep(0.2)  # the server has the request (not a timing assertion)
        proc.send_signal(signal.SIGINT)
        assert await proc.wait() == 0
        writer.close()
        assert proc.stdout is not None
        output = (await proc.stdout.read()).decode()
    assert (
        "usagehouse: stopping: waiting up to 0.5 s for 1 request in flight "
        "(USAGEHOUSE_SHUTDOWN_TIMEOUT_S), then writing 0 queued points\n"
    ) in output
    assert output.endswith("usagehouse: stopped\n")
    assert "Traceback" not in output
