"""What the 10 % and 1 % copies cost a write: one insert through the writer's path
(`insert_columns`, JSONCompactColumns, a deduplication token) with no copies, with the copies'
views run one after the other (what the storage class sends), and run at once
(`parallel_view_processing`).

Rounds interleave the three (the views are dropped and created again between them), so load
from other processes falls on all alike; each figure is a median of the insert's wall time and
of the CPU this process spent on it (all threads; merges are stopped, so it is the insert's own).
Every insert has rows of its own: the table deduplicates a repeated block, which would then
cost next to nothing. The stored row count is checked at the end.

Measured (2 cores, load average 7): 30,000 rows took 74 / 62 ms (wall / CPU) with no copies,
122 / 93 ms with the views in turn and 182 / 101 ms with them at once: on 2 cores
`parallel_view_processing` costs more than it saves, at 1,000 and 200,000 rows too.

    python benchmarks/copy_cost.py [--rounds 20]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.storage import InsertBatch
from server.storage.clickhouse import ClickHouseStorage
from server.storage.schema import COPIES, INSERT_COLUMNS, TABLE, Layout, copy_view_ddl

SIZES = (1_000, 30_000, 200_000)
MODES = ("no copies", "views in turn", "views at once")


def body(n: int, seed: int) -> bytes:
    """`n` recipe-like points over the last hour (Pareto customers, 20 endpoints)."""
    rng = random.Random(seed)
    now = int(time.time())
    return InsertBatch(
        ["bench"] * n,
        ["usage"] * n,
        [now - 60 - rng.randrange(3600) for _ in range(n)],
        [1] * n,
        [f"customer-{int(rng.paretovariate(1.16))}" for _ in range(n)],
        [[f"/api/v1/endpoint{rng.randrange(20)}"] for _ in range(n)],
        [[float(rng.randrange(50_000))] for _ in range(n)],
        batch=seed,
    ).encode()


async def set_mode(storage: ClickHouseStorage, mode: str, views: bool) -> bool:
    want = mode != "no copies"
    if want != views:
        for copy in COPIES:
            drop = f"DROP VIEW {storage.database}.{copy.view}"
            await storage.command(copy_view_ddl(Layout(storage.database), copy) if want else drop)
    # The storage's own insert settings, with one more: a benchmark may reach in.
    storage._insert_settings["parallel_view_processing"] = int(mode == "views at once")
    return want


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    times: dict[tuple[str, int], list[float]] = {(m, n): [] for m in MODES for n in SIZES}
    cpu: dict[tuple[str, int], list[float]] = {(m, n): [] for m in MODES for n in SIZES}
    inserted = 0
    with tempfile.TemporaryDirectory(prefix="usagehouse-copies-") as directory:
        storage = await ClickHouseStorage.open(directory, retention_days=92)
        for table in (TABLE, *(copy.table for copy in COPIES)):
            await storage.command(f"SYSTEM STOP MERGES {storage.database}.{table}")
        views = True
        try:
            for round_ in range(args.rounds):
                order = MODES if round_ % 2 == 0 else MODES[::-1]
                for mode in order:
                    views = await set_mode(storage, mode, views)
                    for n in SIZES:
                        if n > 30_000 and round_ >= args.rounds // 4:
                            continue  # large inserts vary less: fewer rounds
                        inserted += n
                        data = body(n, inserted)
                        started, cpu_started = time.perf_counter(), time.process_time()
                        await storage.insert_columns(
                            TABLE, INSERT_COLUMNS, data, token=f"copy-cost-{inserted}"
                        )
                        times[(mode, n)].append(time.perf_counter() - started)
                        cpu[(mode, n)].append(time.process_time() - cpu_started)
            stored = await storage.query(
                f"SELECT count() FROM {storage.database}.{TABLE}", "TabSeparated"
            )
            assert int(stored) == inserted, (stored, inserted)
        finally:
            await storage.close()
    print(f"load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())}; wall / CPU")
    print("| rows per insert | " + " | ".join(MODES) + " |")
    print("|---" * (len(MODES) + 1) + "|")
    for n in SIZES:
        cells = [
            f"{statistics.median(times[(m, n)]) * 1000:.1f} / "
            f"{statistics.median(cpu[(m, n)]) * 1000:.1f} ms"
            for m in MODES
        ]
        print(f"| {n:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    asyncio.run(main())
