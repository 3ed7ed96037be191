"""The Worker binding (clients/worker/) in Cloudflare's real runtime: the `workerd` package from
the npm registry runs the usage-billing recipe's Worker against a live `usagehouse serve`.

workerd is installed into clients/worker/node_modules (gitignored) on first use; the tests skip
where node or npm is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from tests.processes import free_port, server

pytestmark = [pytest.mark.no_blockbuster, pytest.mark.slow]
CLIENT = Path(__file__).resolve().parents[2] / "clients" / "worker"
WORKERD = CLIENT / "node_modules" / ".bin" / "workerd"
ACCOUNT, TOKEN = "acct", "worker-token"
LIMIT_MESSAGE = re.compile(r"jsg\.TypeError: (writeDataPoint\(\): .*)$", re.M)


@pytest.fixture(scope="session")
def workerd() -> Path:
    """The pinned workerd binary, installed with `npm ci` once (a lock keeps xdist workers
    from installing at the same time)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to install and run workerd (clients/worker)")
    with open(CLIENT / "package.json", "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not WORKERD.exists():
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=CLIENT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                pytest.skip(f"npm ci failed in clients/worker: {done.stderr[-500:]}")
    version = subprocess.run([WORKERD, "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.skip(f"workerd does not run on this machine: {version.stderr[-300:]}")
    return WORKERD


def test_binding_unit_tests_pass_in_node(workerd: Path) -> None:
    done = subprocess.run(
        ["node", "--test", "test/binding.test.js"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .main),
    (name = "capture", worker = .capture),
    (name = "loopback", network = (allow = ["local", "private"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:{port}", http = (), service = "main")],
);
const main :Workerd.Worker = (
  modules = [
    (name = "test/recipe-worker.js", esModule = embed "test/recipe-worker.js"),
    (name = "test/cases.js", esModule = embed "test/cases.js"),
    (name = "usagehouse.js", esModule = embed "usagehouse.js"),
  ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["experimental"],
  bindings = [
    (name = "USAGEHOUSE_URL", text = "{url}"),
    (name = "USAGEHOUSE_ACCOUNT_ID", text = "{account}"),
    (name = "USAGEHOUSE_TOKEN", text = "{token}"),
    (name = "AE", analyticsEngine = "capture"),
    (name = "CAPTURE", service = "capture"),
  ],
  globalOutbound = "loopback",
);
const capture :Workerd.Worker = (
  modules = [(name = "capture.js", esModule = embed "capture.js")],
  compatibilityDate = "2025-09-01",
);
"""

# What workerd's own binding sends (its test service); GET /take hands the events over.
CAPTURE = """let events = [];
export default {
  async fetch(request) {
    if (request.method === "GET") {
      const taken = events;
      events = [];
      return Response.json(taken);
    }
    events.push(await request.json());
    return new Response("");
  },
};
"""


@contextlib.asynccontextmanager
async def run_workerd(binary: Path, tmp: Path, url: str) -> AsyncIterator[tuple[str, Path]]:
    """workerd serving the recipe Worker; yields its base URL and its log file."""
    root = tmp / "worker"
    (root / "test").mkdir(parents=True)
    for name in ("usagehouse.js", "test/recipe-worker.js", "test/cases.js"):
        shutil.copy(CLIENT / name, root / name)
    (root / "capture.js").write_text(CAPTURE)
    port = free_port()
    config = CONFIG.format(port=port, url=url, account=ACCOUNT, token=TOKEN)
    (root / "config.capnp").write_text(config)
    log_path = tmp / "workerd.log"
    with open(log_path, "wb") as log:
        proc = await asyncio.create_subprocess_exec(
            str(binary),
            "serve",
            "--experimental",
            "--verbose",
            "config.capnp",
            cwd=root,
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(400):
                if proc.returncode is not None:
                    raise AssertionError(f"workerd exited: {log_path.read_text()[-2000:]}")
                try:
                    async with http.get(base + "/__health"):
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("workerd did not start")
        yield base, log_path
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()


class Proxy:
    """A loopback proxy in front of the server that fails the first attempt of chosen
    flushes: `lose` forwards it (the server commits) and answers 503 anyway, as if the answer
    were lost; `reject` answers 503 without forwarding. It records every attempt."""

    def __init__(self, target: str, plan: list[str]) -> None:
        self.target = target
        self.plan = plan  # for the 1st, 2nd... flush key seen: "lose", "reject" or "pass"
        self.keys: list[str] = []
        self.attempts: list[tuple[str, str, int]] = []  # key, body digest, status returned
        self.done: Counter[str] = Counter()  # 200s returned per key
        self.changed = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        key = request.headers.get("Idempotency-Key", "")
        first = key not in self.keys
        if first:
            self.keys.append(key)
        step = self.plan[len(self.keys) - 1] if first and len(self.keys) <= len(self.plan) else ""
        status = 503
        if step != "reject":
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            async with (
                aiohttp.ClientSession() as http,
                http.post(self.target + request.path, data=body, headers=headers) as upstream,
            ):
                answer = await upstream.read()
                status = upstream.status if step != "lose" else 503
        self.attempts.append((key, hashlib.sha256(body).hexdigest(), status))
        if status == 200:
            self.done[key] += 1
        self.changed.set()
        if status == 503:
            return web.json_response({"ok": False}, status=503, headers={"Retry-After": "1"})
        return web.Response(body=answer, status=status, content_type="application/json")

    async def wait_for(self, successes: int) -> None:
        async with asyncio.timeout(60):
            while sum(self.done.values()) < successes:
                self.changed.clear()
                await self.changed.wait()


async def sql(base: str, query: str) -> list[dict[str, Any]]:
    url = f"{base}/client/v4/accounts/{ACCOUNT}/analytics_engine/sql"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=query + " FORMAT JSONEachRow", headers=_auth()) as resp,
    ):
        text = await resp.text()
        assert resp.status == 200, text
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


async def test_recipe_worker_writes_every_point_once_through_lost_and_refused_answers(
    workerd: Path, tmp_path: Path, aiohttp_server: Any
) -> None:
    async with server(tmp_path / "data", env={"USAGEHOUSE_TOKENS": f"{TOKEN}:{ACCOUNT}:rw"}) as (
        base,
        _,
    ):
        proxy = Proxy(base, ["lose", "reject"])
        app = web.Application()
        app.router.add_post("/{tail:.*}", proxy.handle)
        front = await aiohttp_server(app)
        async with (
            run_workerd(workerd, tmp_path, str(front.make_url("")).rstrip("/")) as (worker, _),
            aiohttp.ClientSession() as http,
        ):
            expected: Counter[tuple[str, str]] = Counter()
            for i in range(24):
                customer, path = f"customer-{i % 4}", f"/api/{'export' if i % 3 else 'import'}"
                async with http.get(worker + path, headers={"X-Customer-Id": customer}) as resp:
                    assert (resp.status, await resp.text()) == (200, "ok")
                expected[(customer, path)] += 1
            await proxy.wait_for(24)
        rows = await sql(
            base,
            "SELECT index1 AS customer_id, blob1 AS request_endpoint, "
            "sum(_sample_interval) AS count FROM usage_indexed_by_customer_id "
            "GROUP BY customer_id, request_endpoint",
        )
    found = {(r["customer_id"], r["request_endpoint"]): int(r["count"]) for r in rows}
    assert found == dict(expected)
    # One flush per invocation, each with its own key; the two failed first attempts were
    # retried with the same key and the same body.
    assert len(proxy.keys) == 24 and sorted(proxy.done.values()) == [1] * 24
    lost, refused = proxy.keys[:2]
    assert [a[2] for a in proxy.attempts if a[0] == lost] == [503, 200]
    assert [a[2] for a in proxy.attempts if a[0] == refused] == [503, 200]
    assert len({a[1] for a in proxy.attempts if a[0] == lost}) == 1


def _stored(point: dict[str, Any] | None) -> tuple[str, list[str], list[float]]:
    """A point of ours as the server stores it: missing slots are "" and 0."""
    point = point or {}
    blobs = [b or "" for b in point.get("blobs", [])]
    doubles = point.get("doubles", [])
    return (
        (point.get("indexes") or [""])[0],
        blobs + [""] * (20 - len(blobs)),
        doubles + [0.0] * (20 - len(doubles)),
    )


def _event(event: dict[str, Any]) -> tuple[str, list[str], list[float]]:
    """workerd's event (capnp JSON: bytes as number arrays) in the same shape. WAE stores
    NaN and ±Infinity, sent as strings here; Usagehouse stores 0 for them (docs/write-api.md)."""

    def text(field: str) -> str:
        return bytes(event.get(field) or []).decode()

    def number(value: Any) -> float:
        return 0.0 if isinstance(value, str) else float(value)

    return (
        text("index1"),
        [text(f"blob{i}") for i in range(1, 21)],
        [number(event.get(f"double{i}", 0)) for i in range(1, 21)],
    )


async def test_binding_matches_workerds_own_binding_case_by_case(
    workerd: Path, tmp_path: Path
) -> None:
    async with (
        run_workerd(workerd, tmp_path, "http://127.0.0.1:9") as (worker, log_path),
        aiohttp.ClientSession() as http,
        http.get(worker + "/__differential") as resp,
    ):
        assert resp.status == 200, await resp.text()
        results = await resp.json()
        await asyncio.sleep(0.5)  # let workerd write the last background failure to its log
    background = LIMIT_MESSAGE.findall(log_path.read_text())
    ours_in_background = []
    for name, r in results.items():
        if r["real"] is not None:  # thrown at the call by JSG's conversions: same message
            assert r["ours"] == r["real"], name
        elif r["ours"] is not None:  # a limit: workerd fails in the background with it
            assert r["events"] == [], name
            ours_in_background.append(r["ours"])
        else:
            assert len(r["events"]) == 1, name
            assert _stored(r["point"]) == _event(r["events"][0]), name
    assert background == ours_in_background
    assert len(ours_in_background) >= 10 and len(results) >= 70


async def test_invalid_calls_throw_alone_and_the_other_points_arrive(
    workerd: Path, tmp_path: Path
) -> None:
    tokens = {"USAGEHOUSE_TOKENS": f"{TOKEN}:{ACCOUNT}:rw"}
    async with (
        server(tmp_path / "data", env=tokens) as (base, _),
        run_workerd(workerd, tmp_path, base) as (worker, _),
        aiohttp.ClientSession() as http,
    ):
        async with http.get(worker + "/__cases") as resp:
            thrown = await resp.json()
        async with http.get(worker + "/__differential") as resp:
            expected_points = [
                _stored(r["point"]) for r in (await resp.json()).values() if r["ours"] is None
            ]
        columns = ", ".join(
            ["index1"] + [f"blob{i}" for i in range(1, 21)] + [f"double{i}" for i in range(1, 21)]
        )
        async with asyncio.timeout(30):
            while not (rows := await sql(base, f"SELECT {columns} FROM binding_cases")):
                await asyncio.sleep(0.1)
    assert thrown["blobs_21"] == "writeDataPoint(): Maximum of 20 blobs supported."
    assert thrown["doubles_bigint"] == "Cannot convert a BigInt value to a number"
    assert thrown["recipe"] is None and thrown["blobs_coerced"] is None
    stored = [
        (
            r["index1"],
            [r[f"blob{i}"] for i in range(1, 21)],
            [float(r[f"double{i}"]) for i in range(1, 21)],
        )
        for r in rows
    ]
    assert sorted(stored) == sorted(expected_points)
    assert len(stored) == sum(1 for message in thrown.values() if message is None)
