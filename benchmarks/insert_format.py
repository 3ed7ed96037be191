"""What the insert format costs: the JSONCompactColumns text the writer sends (storage.Rows,
storage.join) against an Arrow stream of the same columns, on both sides of an insert.

- Python: the CPU (this thread) to encode each request of 1,000 validated points as it
  arrives, and to join 30 such requests into one flush's insert body.
- Engine: the CPU of the whole process (all threads) for one insert of 30,000 rows with a
  deduplication token, merges stopped, the copies' views in place. Every insert has rows of
  its own (a repeated block would be deduplicated); the count of rows and parts is checked.

The Arrow encoding is what the write path would do (issue 15, branch wt-arrow): a record batch
per request (pa.array for strings, lists and doubles; ints through a C array; constants by
pa.repeat), one stream per flush with a batch per request, `_batch` added at the join.

Measured (2 cores, load average 1.6-2.8), per point: JSON encode 0.22-0.27 + join 0.12-0.15 +
engine 3.24-4.13 us; Arrow 0.32-0.53 + 0.09-0.14 + 2.46-3.35 us: the engine saves 0.78-0.89 us
a row, the encoding costs 0.1-0.25 more, 0.5-0.8 us a point less in all. End to end it did not
show (benchmarks/ingest.py --client wrk, 12 rounds each, alternating with main): server CPU
9.65 us/point median on both, the event loop's 3.0 -> 3.5 us (with the real decoded points the
encoding costs 0.3 us a point more, not 0.1), the engine's threads 0.45 us less. So the writer
keeps JSON. Also tried: one record batch per insert (same engine CPU, dearer join), blobN and
doubleN as columns of their own instead of the ephemeral arrays (not cheaper for the engine),
arrays built from buffers (twice pyarrow's CPU), clickhouse-connect's Native `insert` (3.68
us/point with serialization against JSON's 3.47). pyarrow's conversion of Python objects also
imports pandas on first use (0.25 s, 40 MiB).

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
from array import array
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.storage import Rows, join
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


ROW_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("dataset", pa.string()),
        ("timestamp", pa.uint32()),
        ("_sample_interval", pa.uint32()),
        ("index1", pa.string()),
        ("_blobs", pa.list_(pa.string())),
        ("_doubles", pa.list_(pa.float64())),
    ]
)
INSERT_SCHEMA = ROW_SCHEMA.append(pa.field("_batch", pa.uint64()))
assert tuple(INSERT_SCHEMA.names) == INSERT_COLUMNS and array("I").itemsize == 4


def uint32(values: list[int]) -> pa.Array:
    data = array("I", values)
    return pa.Array.from_buffers(pa.uint32(), len(data), [None, pa.py_buffer(data)])


def arrow_encode(account: str, dataset: str, r: Request) -> pa.RecordBatch:
    """A request's rows as an Arrow record batch of the insert columns but `_batch`."""
    n = len(r[0])
    timestamps, intervals, indexes, blobs, doubles = r
    columns = [
        pa.repeat(pa.scalar(account, pa.string()), n),
        pa.repeat(pa.scalar(dataset, pa.string()), n),
        uint32(timestamps),
        uint32(intervals),
        pa.array(indexes, pa.string()),
        pa.array(blobs, ROW_SCHEMA.field("_blobs").type),
        pa.array(doubles, ROW_SCHEMA.field("_doubles").type),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=ROW_SCHEMA)


def arrow_join(pieces: list[pa.RecordBatch], batch: int) -> bytes:
    """One ArrowStream insert: a record batch per request, each with its slice of `_batch`."""
    batches = pa.repeat(pa.scalar(batch, pa.uint64()), sum(p.num_rows for p in pieces))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, INSERT_SCHEMA) as stream:
        at = 0
        for piece in pieces:
            columns = [*piece.columns, batches.slice(at, piece.num_rows)]
            stream.write_batch(pa.RecordBatch.from_arrays(columns, schema=INSERT_SCHEMA))
            at += piece.num_rows
    data: bytes = sink.getvalue().to_pybytes()
    return data


VARIANTS = ("json", "arrow")


def build(variant: str, reqs: list[Request], batch: int) -> tuple[bytes, float, float]:
    """The insert body, and the Python CPU per point to encode the requests and to join them."""
    n = sum(len(r[0]) for r in reqs)
    started = time.thread_time()
    if variant == "json":
        rows = [Rows.encode("bench", "usage", *r) for r in reqs]
        encoded = time.thread_time()
        data = join(rows, batch)
    else:
        pieces = [arrow_encode("bench", "usage", r) for r in reqs]
        encoded = time.thread_time()
        data = arrow_join(pieces, batch)
    joined = time.thread_time()
    return data, (encoded - started) / n, (joined - encoded) / n


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    formats = {"json": "JSONCompactColumns", "arrow": "ArrowStream"}
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
                    await insert(storage, data, formats[variant], f"format-{seed}")
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


async def insert(storage: ClickHouseStorage, data: bytes, fmt: str, token: str) -> None:
    """`insert_columns` with the format as a parameter (the storage class sends JSON)."""
    settings = {**storage._insert_settings, "insert_deduplication_token": token}
    target = f"{storage.database}.{TABLE}"
    await storage._run(
        "write",
        lambda client: client.raw_insert(
            target, list(INSERT_COLUMNS), insert_block=data, settings=settings, fmt=fmt
        ),
    )


if __name__ == "__main__":
    asyncio.run(main())
