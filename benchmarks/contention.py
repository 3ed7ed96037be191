"""Contention benchmark: does account B's querying slow account A's writes?

Starts a real `python -m server serve` on a free loopback port (embedded storage in a temp dir,
sampling off, every other setting at its default; tokens for accounts A and B), loads
`--load-points` points (default 2M) for B over HTTP (100k-point batches, 4 at a time), then runs
phases of `--seconds` each (default 30) in which A writes 1,000-point batches over
`--connections` keep-alive connections (default 8):

- alone: nobody else;
- groupby: B loops `GROUP BY index1, blob1` over its rows on `--b-connections` connections;
- quantile: the same with a weighted quantile per group;
- timelimit: B runs 3-way cross joins that run into USAGEHOUSE_SQL_TIMEOUT_S, 4 at a time.

A's writes are driven by `wrk` (a prepared body, one Lua script; `apt-get install -y wrk`), or
by aiohttp clients with `--client aiohttp` or when wrk is missing. Beside them a probe sends A's
1-point write, a `SELECT 1` as A and `GET /ready` in turn, every 0.5 s. For each phase it prints
A's points/s, ack p50/p99/max, the probe's worst waits, B's queries completed by status, and
the ratios to the alone phase; then its targets (groupby and quantile: A keeps at
least 50 % of its alone throughput with ack p99 <= 1.5 s; timelimit: no acknowledgement waits
longer than 2 s).

    python benchmarks/contention.py [--seconds 30] [--load-points 2000000] [--client wrk]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import orjson
from loadgen import make_points, pct, run_wrk, start_server

TOKENS = {"A": "bench-token-a", "B": "bench-token-b"}
ACCOUNTS = {"A": "acct_a", "B": "acct_b"}
BATCH_POINTS = 1_000  # A's write batches
LOAD_BATCH = 100_000  # USAGEHOUSE_MAX_POINTS_PER_REQUEST's default
LOAD_CONCURRENCY = 4
PROBE_EVERY_S = 0.5

B_QUERIES = {
    "groupby": "SELECT index1, blob1, sum(_sample_interval) AS n, "
    "sum(_sample_interval * double1) AS total FROM load GROUP BY index1, blob1 "
    "ORDER BY n DESC LIMIT 100",
    "quantile": "SELECT index1, blob1, quantileWeighted(0.99, double2, _sample_interval) AS p99 "
    "FROM load GROUP BY index1, blob1 ORDER BY p99 DESC LIMIT 100",
    "timelimit": "SELECT count() AS n FROM load AS x CROSS JOIN load AS y CROSS JOIN load AS z",
}
B_CONNECTIONS_TIMELIMIT = 4


def auth(account: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[account]}", "Content-Type": "application/json"}


def write_url(base: str, account: str, dataset: str) -> str:
    return f"{base}/v1/accounts/{ACCOUNTS[account]}/datasets/{dataset}/points"


def sql_url(base: str, account: str) -> str:
    return f"{base}/client/v4/accounts/{ACCOUNTS[account]}/analytics_engine/sql"


async def load_b(base: str, points: int) -> float:
    """Write `points` rows for B in 100k-point batches, 4 requests at a time; returns points/s."""
    bodies = [orjson.dumps(make_points(LOAD_BATCH, seed, 10_000)) for seed in range(4)]
    batches = list(range(points // LOAD_BATCH))
    url = write_url(base, "B", "load")
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def worker() -> None:
            while batches:
                i = batches.pop()
                for _ in range(100):
                    async with http.post(url, data=bodies[i % 4], headers=auth("B")) as r:
                        await r.read()
                        if r.status == 200:
                            break
                        if r.status != 503:
                            raise RuntimeError(f"loading B: {r.status} {await r.text()}")
                    await asyncio.sleep(float(r.headers.get("Retry-After", "1")))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(LOAD_CONCURRENCY)))
        return points / (time.perf_counter() - started)


@dataclass
class Writes:
    """A's batch writes in one phase."""

    seconds: float
    points_per_s: float
    p50_s: float
    p99_s: float
    max_s: float
    statuses: dict[str, int]

    @property
    def answered(self) -> int:
        return sum(n for status, n in self.statuses.items() if status.isdigit())

    def longest_wait_s(self) -> float:
        """wrk drops the requests still unanswered when its time is up, so a phase in which
        no request was answered means every connection waited at least the whole phase."""
        return self.max_s if self.answered else self.seconds


async def writes_wrk(base: str, body_path: str, seconds: float, connections: int) -> Writes:
    r = await run_wrk(write_url(base, "A", "writes"), body_path, TOKENS["A"], seconds, connections)
    return Writes(
        r.seconds,
        r.statuses.get("200", 0) * BATCH_POINTS / r.seconds,
        r.p50_s,
        r.p99_s,
        r.max_s,
        r.statuses,
    )


async def writes_aiohttp(base: str, body: bytes, seconds: float, connections: int) -> Writes:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    url = write_url(base, "A", "writes")
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        end = started + seconds

        async def worker() -> None:
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                async with http.post(url, data=body, headers=auth("A")) as r:
                    await r.read()
                    statuses[str(r.status)] += 1
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(connections)))
        duration = time.perf_counter() - started
    return Writes(
        duration,
        statuses["200"] * BATCH_POINTS / duration,
        pct(latencies, 0.5),
        pct(latencies, 0.99),
        max(latencies),
        dict(statuses),
    )


@dataclass
class Probe:
    """A's 1-point writes, A's `SELECT 1` and `/ready`, one after another, every 0.5 s."""

    waits: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[str]] = field(default_factory=dict)

    async def run(self, http: aiohttp.ClientSession, base: str, end: float) -> None:
        point = orjson.dumps({"indexes": ["probe"], "blobs": ["probe"]})
        calls = {
            "1-point write": ("POST", write_url(base, "A", "probe"), point, auth("A")),
            "SELECT 1": ("POST", sql_url(base, "A"), b"SELECT 1 AS one", auth("A")),
            "/ready": ("GET", base + "/ready", None, {}),
        }
        while time.perf_counter() < end:
            tick = time.perf_counter()
            for name, (method, url, data, headers) in calls.items():
                t0 = time.perf_counter()
                try:
                    async with http.request(method, url, data=data, headers=headers) as r:
                        await r.read()
                        status = str(r.status)
                except (aiohttp.ClientError, TimeoutError) as e:
                    status = type(e).__name__
                self.waits.setdefault(name, []).append(time.perf_counter() - t0)
                self.statuses.setdefault(name, Counter())[status] += 1
            await asyncio.sleep(max(0.0, tick + PROBE_EVERY_S - time.perf_counter()))


@dataclass
class Queries:
    """B's queries in one phase."""

    statuses: Counter[str] = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)

    async def loop(self, http: aiohttp.ClientSession, base: str, sql: str, end: float) -> None:
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            try:
                async with http.post(sql_url(base, "B"), data=sql, headers=auth("B")) as r:
                    await r.read()
                    status = str(r.status)
                    retry_after = float(r.headers.get("Retry-After", "0"))
            except (aiohttp.ClientError, TimeoutError) as e:
                status, retry_after = type(e).__name__, 0.0
            self.durations.append(time.perf_counter() - t0)
            self.statuses[status] += 1
            if retry_after:  # a polite client; a 429 comes at once, so do not spin on it
                await asyncio.sleep(min(retry_after, 5))


@dataclass
class Phase:
    name: str
    writes: Writes
    probe: Probe
    queries: Queries
    tail_s: float  # how long B's last queries ran on after A's writes stopped


async def phase(args: argparse.Namespace, base: str, body_path: str, name: str) -> Phase:
    """A writes for `args.seconds` while B runs phase `name`'s queries (none when alone)."""
    queries = Queries()
    probe = Probe()
    timeout = aiohttp.ClientTimeout(total=120)
    b_conns = B_CONNECTIONS_TIMELIMIT if name == "timelimit" else args.b_connections
    async with (
        aiohttp.ClientSession(timeout=timeout) as probe_http,
        aiohttp.ClientSession(
            timeout=timeout, connector=aiohttp.TCPConnector(limit=b_conns)
        ) as b_http,
    ):
        lead_in = 1.0 if name in B_QUERIES else 0.0
        end = time.perf_counter() + lead_in + args.seconds
        b_tasks = [
            asyncio.create_task(queries.loop(b_http, base, B_QUERIES[name], end))
            for _ in range(b_conns if name in B_QUERIES else 0)
        ]
        await asyncio.sleep(lead_in)  # B's queries are under way before A is measured
        probe_task = asyncio.create_task(probe.run(probe_http, base, end))
        if args.client == "wrk":
            writes = await writes_wrk(base, body_path, args.seconds, args.connections)
        else:
            body = Path(body_path).read_bytes()
            writes = await writes_aiohttp(base, body, args.seconds, args.connections)
        a_done = time.perf_counter()
        await probe_task
        await asyncio.gather(*b_tasks)  # B's last queries finish (bounded by the time limit)
        tail = time.perf_counter() - a_done
    return Phase(name, writes, probe, queries, tail)


def report(result: Phase, alone: Writes | None) -> None:
    w, probe, queries = result.writes, result.probe, result.queries
    print(f"\n== {result.name} ==")
    if not w.answered:
        print(f"A writes: no batch acknowledged in {w.seconds:.1f} s  statuses {w.statuses}")
    else:
        print(
            f"A writes: {w.points_per_s:,.0f} points/s  ack p50 {w.p50_s * 1000:.0f} ms  "
            f"p99 {w.p99_s * 1000:.0f} ms  max {w.max_s * 1000:.0f} ms  statuses {w.statuses}"
        )
    if alone is not None and w.answered:
        print(
            f"   vs alone: throughput {w.points_per_s / alone.points_per_s:.0%}, "
            f"p99 {w.p99_s / alone.p99_s:.1f}x, max {w.max_s / alone.max_s:.1f}x"
        )
    for name, waits in probe.waits.items():
        print(
            f"A probe {name}: n={len(waits)}  p50 {pct(waits, 0.5) * 1000:.0f} ms  "
            f"max {max(waits) * 1000:.0f} ms  statuses {dict(probe.statuses[name])}"
        )
    if queries.durations:
        print(
            f"B queries: {len(queries.durations)} completed  statuses {dict(queries.statuses)}  "
            f"duration p50 {pct(queries.durations, 0.5):.2f} s  "
            f"max {max(queries.durations):.2f} s  (last ones finished "
            f"{result.tail_s:.1f} s after A's writes)"
        )


def verdicts(results: dict[str, Phase]) -> None:
    alone = results["alone"].writes
    print("\n== targets ==")
    for name in ("groupby", "quantile"):
        w = results[name].writes
        share = w.points_per_s / alone.points_per_s
        ok = share >= 0.5 and w.p99_s <= 1.5
        print(
            f"{name}: A keeps {share:.0%} (>= 50 %), ack p99 {w.p99_s:.2f} s (<= 1.5 s): "
            f"{'PASS' if ok else 'FAIL'}"
        )
    w, probe = results["timelimit"].writes, results["timelimit"].probe
    worst = max([w.longest_wait_s(), *probe.waits.get("1-point write", [])])
    print(
        f"timelimit: longest acknowledgement {worst:.2f} s (<= 2 s): "
        f"{'PASS' if worst <= 2 else 'FAIL'}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--load-points", type=int, default=2_000_000, help="B's rows")
    parser.add_argument("--connections", type=int, default=8, help="A's write connections")
    parser.add_argument("--b-connections", type=int, default=3, help="B's GROUP BY loops")
    parser.add_argument(
        "--client", choices=("wrk", "aiohttp"), default="wrk" if shutil.which("wrk") else "aiohttp"
    )
    parser.add_argument(
        "--phases", default="alone,groupby,quantile,timelimit", help="comma-separated subset"
    )
    args = parser.parse_args()
    names = args.phases.split(",")
    if "alone" not in names:
        names.insert(0, "alone")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        f"A's writes: {BATCH_POINTS}-point batches, {args.connections} connections, {args.client}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        body_path = os.path.join(tmp, "a-batch.json")
        Path(body_path).write_bytes(orjson.dumps(make_points(BATCH_POINTS, 99, 1_000)))
        tokens = ",".join(f"{TOKENS[a]}:{ACCOUNTS[a]}:rw" for a in TOKENS)
        base, proc = await start_server(os.path.join(tmp, "data"), sampling="off", tokens=tokens)
        try:
            rate = await load_b(base, args.load_points)
            print(f"loaded B: {args.load_points:,} points at {rate:,.0f} points/s")
            await asyncio.sleep(3)  # let the load's last merges settle
            results: dict[str, Phase] = {}
            for name in names:
                results[name] = await phase(args, base, body_path, name)
                report(results[name], results["alone"].writes if name != "alone" else None)
            if {"groupby", "quantile", "timelimit"} <= set(results):
                verdicts(results)
        finally:
            proc.terminate()
            await proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
