"""What the insert format costs: JSONCompactColumns text (what the writer sent until issue 15)
against the Arrow stream it sends now (storage.Rows, storage.join), on both sides of an insert.

- Python: the CPU (this thread) to encode each request of 1,000 validated points as it
  arrives, and to join 30 such requests into one flush's insert body.
- Engine: the CPU of the whole process (all threads) for one insert of 30,000 rows through
  `insert_columns` with a deduplication token, merges stopped, the copies' views in place.
  Every insert has rows of its own (a repeated block would be deduplicated).

Measured (2 cores, load average 1.7-2.8, 12-24 rounds, three runs), per point: JSON encode
0.24-0.27 + join 0.12-0.15 + engine 3.24-4.13 us; Arrow 0.39-0.53 + 0.09-0.11 + 2.46-3.35 us.
The engine saves 0.78-0.89 us a row, the Python side spends 0.05-0.25 more: 0.6-0.8 us a point
less in all. Tried and not kept: one record batch per insert instead of one per request (the
engine's CPU the same, joining dearer), blobN/doubleN sent as columns of their own instead of
the ephemeral arrays (no cheaper for the engine: the defaults cost little; the encoding dearer),
building the arrays from buffers to skip pyarrow's conversion (twice its CPU).

    python benchmarks/insert_format.py [--rounds 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.storage import InsertFormat, Rows, join
from server.storage.clickhouse import ClickHouseStorage
from server.storage.schema import COPIES, INSERT_COLUMNS, TABLE

REQUEST = 1_000
REQUESTS = 30
ENDPOINTS = [f"/api/v1/endpoint{i}" for i in range(20)]

Request = tuple[list[int], list[int], list[str], list[list[str | None]], list[list[float]]]


def request(seed: int) -> Request:
    """One validated request's columns, recipe-shaped (benchmarks/loadgen.make_points)."""
    rng = random.Random(seed)
    now = int(time.time())
    n = REQUEST
    return (
        [now - rng.randrange(3600) for _ in range(n)],
        [1] * n,
        [f"customer-{int(rng.paretovariate(1.2)) % 10_000}" for _ in range(n)],
        [[rng.choice(ENDPOINTS), rng.choice(["GET", "POST"]), "200"] for _ in range(n)],
        [[rng.random() * 100, float(rng.randint(100, 50_000))] for _ in range(n)],
    )


def json_column(values: str | list[str], n: int) -> bytes:
    if isinstance(values, list):
        return orjson.dumps(values)
    return b"[" + b",".join([orjson.dumps(values)] * n) + b"]"


def json_encode(account: str, dataset: str, r: Request) -> list[bytes]:
    """One JSON array per column but `_batch` (the writer's encoding until issue 15)."""
    n = len(r[0])
    return [json_column(account, n), json_column(dataset, n), *map(orjson.dumps, r)]


def json_join(pieces: list[list[bytes]], batch: int, n: int) -> bytes:
    """One JSONCompactColumns insert: each column's arrays joined without their brackets."""
    out: list[bytes | memoryview] = [b"["]
    for column in range(len(pieces[0])):
        out.append(b"[")
        for i, piece in enumerate(pieces):
            if i:
                out.append(b",")
            out.append(memoryview(piece[column])[1:-1])
        out.append(b"],")
    out.append(b"[" + b",".join([b"%d" % batch] * n) + b"]]")
    return b"".join(out)


VARIANTS = ("json", "arrow")


def build(variant: str, reqs: list[Request], batch: int) -> tuple[bytes, float, float]:
    """The insert body, and the Python CPU per point to encode the requests and to join them."""
    n = sum(len(r[0]) for r in reqs)
    started = time.thread_time()
    if variant == "json":
        pieces = [json_encode("bench", "usage", r) for r in reqs]
        encoded = time.thread_time()
        data = json_join(pieces, batch, n)
    else:
        rows = [Rows.encode("bench", "usage", *r) for r in reqs]
        encoded = time.thread_time()
        data = join(rows, batch)
    joined = time.thread_time()
    return data, (encoded - started) / n, (joined - encoded) / n


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    formats: dict[str, InsertFormat] = {"json": "JSONCompactColumns", "arrow": "ArrowStream"}
    encode: dict[str, list[float]] = {v: [] for v in VARIANTS}
    joins: dict[str, list[float]] = {v: [] for v in VARIANTS}
    engine: dict[str, list[float]] = {v: [] for v in VARIANTS}
    seed = 0
    with tempfile.TemporaryDirectory(prefix="usagehouse-format-") as directory:
        storage = await ClickHouseStorage.open(directory, retention_days=92)
        for table in (TABLE, *(copy.table for copy in COPIES)):
            await storage.command(f"SYSTEM STOP MERGES {storage.database}.{table}")
        try:
            for round_ in range(args.rounds):
                for variant in VARIANTS if round_ % 2 == 0 else VARIANTS[::-1]:
                    reqs = [request(seed + i) for i in range(REQUESTS)]
                    seed += REQUESTS
                    data, encoded, joined = build(variant, reqs, seed)
                    encode[variant].append(encoded)
                    joins[variant].append(joined)
                    cpu_started = time.process_time()
                    await storage.insert_columns(
                        TABLE, INSERT_COLUMNS, data, token=f"format-{seed}", fmt=formats[variant]
                    )
                    engine[variant].append(time.process_time() - cpu_started)
            found = await storage.query(
                f"SELECT count(), uniqExact(_part) FROM {storage.database}.{TABLE}", "TabSeparated"
            )
            inserts = args.rounds * len(VARIANTS)
            assert found.split() == [b"%d" % (inserts * REQUESTS * REQUEST), b"%d" % inserts]
        finally:
            await storage.close()
    n = REQUEST * REQUESTS
    print(f"load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())}; {n:,} rows an insert")
    print("| format | encode us/point | join us/point | engine CPU us/row | sum |")
    print("|---|---|---|---|---|")
    for v in VARIANTS:
        e, j = statistics.median(encode[v]) * 1e6, statistics.median(joins[v]) * 1e6
        c = statistics.median(engine[v]) * 1e6 / n
        print(f"| {v} | {e:.2f} | {j:.2f} | {c:.2f} | {e + j + c:.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
