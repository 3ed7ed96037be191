"""Capacity figures for docs/operations.md ("Capacity guide"): what a point costs on disk,
and what insert tokens cost.

    python benchmarks/capacity.py [--points 1000000] [--pairs 20]

1. Bytes per point: `--points` recipe-shaped points (Pareto customers over 30 days) inserted
   through the storage class into embedded chDB in 100k-row flushes, merged with OPTIMIZE
   FINAL, then system.parts / system.columns read: compressed bytes per point, in all and by
   column. Two shapes: the Worker snippet of docs/compose.md (1 index, 3 blobs, 2 doubles) and
   a minimal one (1 index, 1 blob path, 1 whole-number double).
2. Insert cost of deduplication: the same 1,000- and 30,000-row inserts into two points tables,
   one with the single-server dedup window and a token per insert, one without either,
   alternating, `--pairs` of each; medians in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time

import orjson
from loadgen import ENDPOINTS, ROOT

sys.path.insert(0, str(ROOT))  # this checkout's package, not an installed one
from server.storage import InsertBatch, new_batch_id, schema
from server.storage.clickhouse import ClickHouseStorage

DAY = 86_400
FLUSH_ROWS = 100_000


def recipe_batch(n: int, seed: int, minimal: bool, start: int) -> InsertBatch:
    """`n` points of one account over 30 days from `start`, customers Pareto-distributed."""
    rng = random.Random(seed)
    customers = [f"customer-{int(rng.paretovariate(1.2)) % 10_000:05d}" for _ in range(n)]
    timestamps = sorted(start + rng.randrange(30 * DAY) for _ in range(n))
    if minimal:
        blobs: list[list[str | None]] = [[rng.choice(ENDPOINTS)] for _ in range(n)]
        doubles = [[float(rng.randint(1, 2_000))] for _ in range(n)]
    else:
        blobs = [
            [rng.choice(ENDPOINTS), rng.choice(["GET", "POST"]), rng.choice(["200", "404"])]
            for _ in range(n)
        ]
        doubles = [
            [round(rng.lognormvariate(3, 1), 1), float(rng.randint(100, 50_000))] for _ in range(n)
        ]
    return InsertBatch(
        ["acct"] * n, ["usage"] * n, timestamps, [1] * n, customers, blobs, doubles, 1
    )


async def bytes_per_point(points: int, minimal: bool) -> None:
    with tempfile.TemporaryDirectory() as path:
        store = await ClickHouseStorage.open(path, 3650)
        try:
            start = int(time.time()) - 31 * DAY
            for i, first in enumerate(range(0, points, FLUSH_ROWS)):
                part = recipe_batch(min(FLUSH_ROWS, points - first), i, minimal, start)
                await store.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, part.encode())
            await store.command(f"OPTIMIZE TABLE {store.database}.points FINAL")
            parts = orjson.loads(
                await store.query(
                    "SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS packed, "
                    "sum(data_uncompressed_bytes) AS raw, count() AS parts "
                    f"FROM system.parts WHERE database = '{store.database}' "
                    "AND table = 'points' AND active",
                    "JSONEachRow",
                )
            )
        finally:
            await store.close()
    rows = int(parts["rows"])
    shape = "minimal (1 index, 1 blob, 1 double)" if minimal else "Worker snippet (1, 3, 2)"
    print(
        f"{shape}: {rows:,} points in {parts['parts']} part(s): "
        f"{int(parts['packed']) / rows:.1f} bytes/point compressed, "
        f"{int(parts['raw']) / rows:.1f} uncompressed"
    )


async def dedup_cost(pairs: int) -> None:
    with tempfile.TemporaryDirectory() as path:
        store = await ClickHouseStorage.open(path, 3650)
        try:
            plain = schema.points_ddl(store.database, 3650).replace(
                f", non_replicated_deduplication_window = {schema.DEDUP_WINDOW}", ""
            )
            await store.command(plain.replace(".points (", ".points_plain ("))
            start = int(time.time()) - 31 * DAY
            for rows in (1_000, 30_000):
                data = recipe_batch(rows, 0, False, start).encode()
                times: dict[str, list[float]] = {"plain": [], "tokens": []}
                for _ in range(pairs):
                    for kind in ("plain", "tokens"):
                        started = time.perf_counter()
                        if kind == "plain":
                            await store.insert_columns("points_plain", schema.INSERT_COLUMNS, data)
                        else:
                            await store.insert_columns(
                                schema.TABLE,
                                schema.INSERT_COLUMNS,
                                data,
                                token=f"{new_batch_id()}-1",
                            )
                        times[kind].append((time.perf_counter() - started) * 1000)
                print(
                    f"{rows:>6,}-row insert: without window {statistics.median(times['plain']):.1f}"
                    f" ms, with window and token {statistics.median(times['tokens']):.1f} ms "
                    f"(medians of {pairs})"
                )
        finally:
            await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=20)
    args = parser.parse_args()
    await dedup_cost(args.pairs)
    for minimal in (False, True):
        await bytes_per_point(args.points, minimal)


if __name__ == "__main__":
    asyncio.run(main())
