"""Ingest benchmark: HTTP -> committed rows, against the raw chDB insert ceiling.

Runs a real `python -m server serve` subprocess on loopback (embedded storage in a temp dir),
drives it with aiohttp clients, and in the same run inserts the same rows straight into chDB
through the best columnar path (JSONCompactColumns, 100k-row inserts) to print the ratio.

    python benchmarks/ingest.py [--points 300000] [--concurrency 8] [--sampling equitable]

Sampling is off by default so every point is stored and the ratio compares like with like;
`--sampling equitable` measures the same load with the sampler on (default budgets).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time

import aiohttp
import orjson
from loadgen import make_points, pct, start_server

URL = "/v1/accounts/bench/datasets/usage/points"


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


def raw_chdb_rate(points: list[dict[str, object]], data_dir: str) -> float:
    """Rows/s inserting the same rows straight into chDB: the engine's ceiling here."""
    from chdb import session

    from server.storage import InsertBatch, schema

    s = session.Session(data_dir)
    try:
        for ddl in schema.all_ddl("usagehouse", 92):
            s.query(ddl)
        now = int(time.time())
        chunks = []
        for start in range(0, len(points), 100_000):
            part = points[start : start + 100_000]
            chunks.append(
                InsertBatch(
                    ["bench"] * len(part),
                    ["usage"] * len(part),
                    [now] * len(part),
                    [1] * len(part),
                    [p["indexes"][0] for p in part],  # type: ignore[index]
                    [p["blobs"] for p in part],
                    [p["doubles"] for p in part],
                    1,  # type: ignore[misc]
                ).encode()
            )
        sql = f"INSERT INTO usagehouse.points ({', '.join(schema.INSERT_COLUMNS)})"
        started = time.perf_counter()
        for chunk in chunks:
            with s.send_insert(sql, "JSONCompactColumns") as ins:
                ins.append(chunk)
                ins.finish()
        return len(points) / (time.perf_counter() - started)
    finally:
        s.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=300_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--single", type=int, default=10_000, help="single-point requests")
    parser.add_argument("--sampling", choices=("off", "equitable"), default="off")
    args = parser.parse_args()

    points = make_points(args.points)
    bodies = [orjson.dumps(points[i : i + args.batch]) for i in range(0, len(points), args.batch)]
    singles = [orjson.dumps(p) for p in points[: args.single]]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"sampling: {args.sampling}")

    with tempfile.TemporaryDirectory() as tmp:
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
        raw = raw_chdb_rate(points, os.path.join(tmp, "raw"))
        print(f"raw chDB insert, same rows, 100k-row JSONCompactColumns: {raw:,.0f} rows/s")
        print(f"end-to-end / raw engine: {batch_rate / raw:.0%}")


if __name__ == "__main__":
    asyncio.run(main())
