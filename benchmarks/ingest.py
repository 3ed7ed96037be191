"""Ingest benchmark: HTTP -> committed rows, against the raw chDB insert ceiling.

Runs a real `python -m server serve` subprocess on loopback (embedded storage in a temp dir),
and in the same run inserts the same rows straight into chDB through the engine's best path
(100k-row Arrow tables through `Python()`, into the table's own columns) to print the ratio.

- `--client wrk` (as users would meet it): rounds of `wrk -t2 -c32` (keep-alive connections,
  one prepared 1,000-point JSON body, a token), each followed at once by a raw round, so both
  meet the same machine; prints points/s, ack p50/p99, the CPU each side spent per point
  (the server process, all threads, and its event loop's thread alone; this process for the
  raw rounds), the raw rate and the ratio per round, then checks that the server stored every
  acknowledged point and no more than were sent (each flush has its own deduplication token,
  so the repeated body is stored each time). Needs `apt-get install -y wrk`.
- `--client aiohttp` (default): closed loop over distinct bodies, an open loop at half that
  rate, and single-point requests.

    python benchmarks/ingest.py --client wrk [--seconds 20] [--rounds 3] [--connections 32]
    python benchmarks/ingest.py [--points 300000] [--concurrency 8] [--sampling equitable]

Sampling is off by default so every point is stored and the ratio compares like with like;
`--sampling equitable` measures the same load with the sampler on (default budgets).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from loadgen import make_points, pct, run_wrk, start_server

URL = "/v1/accounts/bench/datasets/usage/points"
SQL_URL = "/client/v4/accounts/bench/analytics_engine/sql"
TOKEN = "bench-token"


async def closed_loop(
    base: str, bodies: list[bytes], concurrency: int
) -> tuple[float, list[float], int]:
    """Each worker posts its next body as soon as the previous is acknowledged; returns the
    time taken, each request's latency and the points stored (fewer than sent when sampling)."""
    latencies: list[float] = []
    stored = 0
    queue = list(reversed(bodies))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal stored
            while queue:
                body = queue.pop()
                started = time.perf_counter()
                async with http.post(
                    base + URL, data=body, headers={"Content-Type": "application/json"}
                ) as r:
                    answer = orjson.loads(await r.read())
                    assert r.status == 200, r.status
                latencies.append(time.perf_counter() - started)
                stored += answer["stored"]

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, stored


async def open_loop(base: str, bodies: list[bytes], rate_rps: float) -> list[float]:
    """Requests sent on a fixed schedule (not waiting for answers): latency at a given load."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def one(body: bytes) -> None:
            started = time.perf_counter()
            async with http.post(
                base + URL, data=body, headers={"Content-Type": "application/json"}
            ) as r:
                await r.read()
                assert r.status == 200, r.status
            latencies.append(time.perf_counter() - started)

        tasks = []
        t0 = time.perf_counter()
        for i, body in enumerate(bodies):
            delay = t0 + i / rate_rps - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
    return latencies


RAW_BLOCK_ROWS = 100_000


def arrow_blocks(points: list[dict[str, Any]], rows: int, now: int) -> list[Any]:
    """`rows` rows of `points` (repeated as needed) as the points table's own columns, in
    Arrow tables of RAW_BLOCK_ROWS: what a client that did all the work would hand chDB. Each
    block has its own `_batch`, as each flush has, so no two blocks are identical (the table
    deduplicates repeated blocks)."""
    import pyarrow as pa

    from server.storage import schema

    def column(field: str, i: int, empty: object) -> list[object]:
        return [p[field][i] if i < len(p[field]) else empty for p in points]

    one = {
        "index1": pa.array([p["indexes"][0] for p in points], pa.string()),
        **{
            c: pa.array(column("blobs", i, ""), pa.string())
            for i, c in enumerate(schema.BLOB_COLUMNS)
        },
        **{
            c: pa.array(column("doubles", i, 0.0), pa.float64())
            for i, c in enumerate(schema.DOUBLE_COLUMNS)
        },
    }
    blocks = []
    for start in range(0, rows, RAW_BLOCK_ROWS):
        n = min(RAW_BLOCK_ROWS, rows - start)
        picks = pa.array([(start + i) % len(points) for i in range(n)], pa.int64())
        blocks.append(
            pa.table(
                {
                    "account_id": pa.array(["bench"] * n, pa.string()),
                    "dataset": pa.array(["usage"] * n, pa.string()),
                    "timestamp": pa.array([now] * n, pa.uint32()),
                    "_sample_interval": pa.array([1] * n, pa.uint32()),
                    **{name: values.take(picks) for name, values in one.items()},
                    "_batch": pa.array([1 + start // RAW_BLOCK_ROWS] * n, pa.uint64()),
                }
            )
        )
    assert blocks[0].column_names[5:-1] == [*schema.BLOB_COLUMNS, *schema.DOUBLE_COLUMNS]
    return blocks


def cpu_seconds(pid: int | None = None, main_thread: bool = False) -> float:
    """User + system CPU time of a process, all its threads (this one by default), or of its
    main thread only (the server's event loop: HTTP, decoding, validation, encoding)."""
    where = f"/proc/{pid or 'self'}" + (f"/task/{pid}" if main_thread and pid else "")
    fields = Path(f"{where}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_chdb_rate(blocks: list[Any], data_dir: str) -> tuple[float, float]:
    """Rows/s inserting `blocks` straight into a fresh points table (the same DDL, with the
    views that fill the coarser copies) in chDB, through its best insert path (Arrow, one
    INSERT per block): the engine's ceiling here; and the CPU microseconds per row it took
    (this process: the insert's engine threads)."""
    from chdb import session

    from server.storage import schema

    shutil.rmtree(data_dir, ignore_errors=True)
    s = session.Session(data_dir)
    try:
        for ddl in schema.all_ddl("usagehouse", 92):
            s.query(ddl)
        names = ", ".join(blocks[0].column_names)
        started, cpu = time.perf_counter(), cpu_seconds()
        for block in blocks:  # noqa: B007 (chDB's Python() reads the local by name)
            s.query(f"INSERT INTO usagehouse.points ({names}) SELECT * FROM Python(block)")
        rows = sum(len(b) for b in blocks)
        rate = rows / (time.perf_counter() - started)
        cpu_us = (cpu_seconds() - cpu) / rows * 1e6
        stored = int(s.query("SELECT count() FROM usagehouse.points", "TSV").bytes())
        assert stored == rows, (stored, rows)
        return rate, cpu_us
    finally:
        s.close()
        shutil.rmtree(data_dir, ignore_errors=True)


async def stored_points(base: str) -> int:
    """How many points the server holds, asked through its SQL API at full resolution."""
    async with aiohttp.ClientSession() as http, http.post(
        base + SQL_URL, data="SELECT count() AS n FROM usage FORMAT TabSeparated",
        headers={"Authorization": f"Bearer {TOKEN}"}, params={"resolution": "full"},
    ) as r:  # fmt: skip
        assert r.status == 200, await r.text()
        return int(await r.text())


async def wrk_mode(args: argparse.Namespace, tmp: str) -> None:
    """Rounds of `wrk -t2 -cN` posting one prepared 1,000-point body for `--seconds`, each
    followed at once by the raw ceiling on the same rows, so both meet the same machine."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (or use --client aiohttp)")
    points = make_points(args.batch, 99, 1_000)
    body_path = os.path.join(tmp, "batch.json")
    Path(body_path).write_bytes(orjson.dumps(points))
    blocks = arrow_blocks(points, args.raw_rows, int(time.time()))
    base, proc = await start_server(
        os.path.join(tmp, "server"), sampling=args.sampling, tokens=f"{TOKEN}:bench:rw"
    )
    url = base + URL
    print(
        f"wrk -t2 -c{args.connections}, {args.batch}-point JSON batches (one prepared body), "
        f"{args.seconds:g} s per round; raw: {args.raw_rows:,} of the same rows in "
        f"{RAW_BLOCK_ROWS:,}-row Arrow blocks into a fresh table of the same DDL"
    )
    acknowledged = 0
    ratios, rates, raws = [], [], []
    try:
        warm = await run_wrk(url, body_path, TOKEN, 3, args.connections)
        acknowledged += warm.statuses.get("200", 0) * args.batch
        for round_ in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            cpu, loop_cpu = cpu_seconds(proc.pid), cpu_seconds(proc.pid, main_thread=True)
            r = await run_wrk(url, body_path, TOKEN, args.seconds, args.connections)
            ok = r.statuses.get("200", 0)
            cpu_us = (cpu_seconds(proc.pid) - cpu) / max(ok * args.batch, 1) * 1e6
            loop_us = (cpu_seconds(proc.pid, True) - loop_cpu) / max(ok * args.batch, 1) * 1e6
            acknowledged += ok * args.batch
            rate = ok * args.batch / r.seconds
            raw, raw_cpu_us = raw_chdb_rate(blocks, os.path.join(tmp, "raw"))
            rates.append(rate)
            raws.append(raw)
            ratios.append(rate / raw)
            print(
                f"round {round_}: {rate:,.0f} points/s  ack p50 {r.p50_s * 1000:.0f} ms  "
                f"p99 {r.p99_s * 1000:.0f} ms  max {r.max_s * 1000:.0f} ms  statuses "
                f"{r.statuses}, server CPU {cpu_us:.1f} us/point (event loop {loop_us:.1f}) | "
                f"raw chDB {raw:,.0f} rows/s, "
                f"{raw_cpu_us:.1f} us/row | ratio {rate / raw:.2f} | load average {load:.1f}"
            )
        stored = await stored_points(base)
    finally:
        proc.terminate()
        await proc.wait()
    # wrk drops the answers still in flight when its time is up (at most one request per
    # connection): those may be stored too.
    in_flight = (args.rounds + 1) * args.connections * args.batch
    assert acknowledged <= stored <= acknowledged + in_flight, (stored, acknowledged)
    print(
        f"stored {stored:,} points, acknowledged {acknowledged:,}: every ack was stored, and "
        f"at most the {in_flight:,} points in flight when wrk stopped besides"
    )
    print(
        f"median: {statistics.median(rates):,.0f} points/s, raw {statistics.median(raws):,.0f} "
        f"rows/s, ratio {statistics.median(ratios):.2f} (targets: >= 150,000 points/s, >= 0.20)"
    )


async def aiohttp_mode(args: argparse.Namespace, tmp: str) -> None:
    points = make_points(args.points)
    bodies = [orjson.dumps(points[i : i + args.batch]) for i in range(0, len(points), args.batch)]
    singles = [orjson.dumps(p) for p in points[: args.single]]
    base, proc = await start_server(os.path.join(tmp, "server"), sampling=args.sampling)
    try:
        await closed_loop(base, bodies[:20], args.concurrency)  # warm-up
        elapsed, lat, stored = await closed_loop(base, bodies, args.concurrency)
        batch_rate = args.points / elapsed
        print(
            f"HTTP, {args.batch}-point batches, {args.concurrency} clients: "
            f"{batch_rate:,.0f} points/s  ack p50 {pct(lat, 0.5) * 1000:.1f} ms  "
            f"p99 {pct(lat, 0.99) * 1000:.1f} ms  stored {stored / args.points:.1%}"
        )
        half = batch_rate / 2 / args.batch
        lat = await open_loop(base, bodies[: max(50, int(half * 10))], half)
        print(
            f"HTTP at half that load ({half * args.batch:,.0f} points/s offered): "
            f"ack p50 {pct(lat, 0.5) * 1000:.1f} ms  p99 {pct(lat, 0.99) * 1000:.1f} ms"
        )
        elapsed, lat, _ = await closed_loop(base, singles, 64)
        print(
            f"HTTP, single-point requests, 64 clients: {len(singles) / elapsed:,.0f} points/s"
            f"  ack p50 {pct(lat, 0.5) * 1000:.1f} ms  p99 {pct(lat, 0.99) * 1000:.1f} ms"
        )
    finally:
        proc.terminate()
        await proc.wait()
    raw, _ = raw_chdb_rate(arrow_blocks(points, len(points), int(time.time())), tmp + "/raw")
    print(f"raw chDB insert, same rows, {RAW_BLOCK_ROWS:,}-row Arrow blocks: {raw:,.0f} rows/s")
    print(f"end-to-end / raw engine: {batch_rate / raw:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", choices=("aiohttp", "wrk"), default="aiohttp")
    parser.add_argument("--batch", type=int, default=1000, help="points per request")
    parser.add_argument("--sampling", choices=("off", "equitable"), default="off")
    aio = parser.add_argument_group("--client aiohttp")
    aio.add_argument("--points", type=int, default=300_000)
    aio.add_argument("--concurrency", type=int, default=8)
    aio.add_argument("--single", type=int, default=10_000, help="single-point requests")
    wrk = parser.add_argument_group("--client wrk")
    wrk.add_argument("--connections", type=int, default=32)
    wrk.add_argument("--seconds", type=float, default=20, help="length of each wrk round")
    wrk.add_argument("--rounds", type=int, default=3)
    wrk.add_argument("--raw-rows", type=int, default=1_000_000, help="rows of each raw round")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f} at start; sampling: {args.sampling}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if args.client == "wrk":
            await wrk_mode(args, tmp)
        else:
            await aiohttp_mode(args, tmp)


if __name__ == "__main__":
    asyncio.run(main())
