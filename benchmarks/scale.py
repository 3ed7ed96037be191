"""Scale benchmark for read-time resolutions (ABR): the same questions over 1M, 10M, 100M points.

For each size it bulk-loads the recipe's points (benchmarks/query.py's Pareto mix of 10,000
customers, here over 90 days) into embedded chDB straight into the points table, so the
materialized views fill the 10 % and 1 % copies as they would on writes; waits for merges; then,
through `run_query` in this process (translation, the resolution choice, limits, chDB; no HTTP),
times each query at full resolution and with the adaptive choice, and checks the adaptive
answers against the truth (the points are stored unsampled, so full resolution is exact):

- the recipe's four queries (DESIGN.md) and "all customers over the whole range";
- rows: EXPLAIN ESTIMATE's rows at full resolution and on the chosen copy; `copy alone`: the
  chosen copy asked for by name (what ABR costs on top is the refused attempts' planning);
- err: the largest relative error among the top 10 customers' counts (for the one-customer
  queries, that customer's total), and in95: how many of those truths lie inside the 95 %
  interval `confidenceCount()` reports at the same resolution.

It also reports the storage each copy takes and what building the copies from existing points
costs (the migration an existing install runs once at start).

    python benchmarks/scale.py [--points 1000000 10000000 100000000] [--runs 7]
        [--full-runs 3] [--budget ROWS] [--dir DIR (kept; reused when it holds that size)]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from query import ACCOUNT, DATASET, MID_CUSTOMER, generate_sql, recipe_queries

from server.config import load_settings
from server.sql import translate
from server.sql.run import QueryResult, run_query
from server.storage import schema
from server.storage.clickhouse import ClickHouseStorage
from server.storage.schema import COPIES, FULL, Resolution

DAYS = 90
TOP = 10
MERGE_WAIT_S = 600


@dataclass(frozen=True)
class Question:
    """A timed query and how to check it: per customer (top 10) or one customer's total."""

    name: str
    sql: str
    #: The same rows as `sql` with confidenceCount() per customer, or for the one customer.
    interval_sql: str
    one_customer: bool


def questions(start: str, end: str, first: str, last: str) -> list[Question]:
    recipe = recipe_queries(start, end)
    per_customer = (
        f"SELECT index1 AS customer_id, confidenceCount() AS c FROM {DATASET} GROUP BY customer_id"
    )
    month = (
        f"SELECT '{MID_CUSTOMER}' AS customer_id, confidenceCount() AS c FROM {DATASET} "
        f"WHERE index1 = '{MID_CUSTOMER}' AND timestamp >= toDateTime('{start}') "
        f"AND timestamp < toDateTime('{end}')"
    )
    whole = f"timestamp >= toDateTime('{first}') AND timestamp < toDateTime('{last}')"
    out = [
        Question(name, sql, month if "one customer" in name else per_customer, "one" in name)
        for name, sql in recipe.items()
    ]
    out.append(
        Question(
            "5 all customers, 90 days",
            f"SELECT index1 AS customer_id, sum(_sample_interval) AS count FROM {DATASET} "
            f"WHERE {whole} GROUP BY customer_id ORDER BY count DESC",
            f"SELECT index1 AS customer_id, confidenceCount() AS c FROM {DATASET} "
            f"WHERE {whole} GROUP BY customer_id",
            False,
        )
    )
    return out


def per_customer(body: bytes) -> dict[str, float]:
    """Counts by customer_id in a JSON answer (summed over endpoints and days)."""
    out: dict[str, float] = {}
    for row in orjson.loads(body)["data"]:
        out[row["customer_id"]] = out.get(row["customer_id"], 0.0) + float(row["count"])
    return out


def intervals(body: bytes) -> dict[str, tuple[float, float]]:
    return {
        row["customer_id"]: (float(row["c"]["lower"]), float(row["c"]["upper"]))
        for row in orjson.loads(body)["data"]
    }


async def p50_ms(runs: int, call: Callable[[], Awaitable[object]]) -> float:
    await call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def load(storage: ClickHouseStorage, points: int, now: int) -> float:
    started = time.perf_counter()
    await storage.command(generate_sql(points, now, DAYS))
    return time.perf_counter() - started


async def settle(storage: ClickHouseStorage) -> None:
    """Wait (bounded) for background merges, so that they do not run under the timings."""
    deadline = time.monotonic() + MERGE_WAIT_S
    while time.monotonic() < deadline:
        body = await storage.query("SELECT count() FROM system.merges", "TabSeparated")
        if body.strip() == b"0":
            return
        await asyncio.sleep(2)


async def table_sizes(storage: ClickHouseStorage) -> dict[str, tuple[int, int, int]]:
    """Rows, bytes on disk and active parts of the points table and each copy."""
    body = await storage.query(
        "SELECT table, sum(rows), sum(bytes_on_disk), count() FROM system.parts "
        f"WHERE database = '{storage.database}' AND active GROUP BY table",
        "TabSeparated",
    )
    out = {}
    for line in body.decode().splitlines():
        table, rows, size, parts = line.split("\t")
        out[table] = (int(rows), int(size), int(parts))
    return out


async def rebuild_copies_s(storage: ClickHouseStorage) -> float:
    """Drop the copies and time building them from the points, as an upgrade's first start."""
    db = storage.database
    for copy in COPIES:
        await storage.command(f"DROP VIEW IF EXISTS {db}.{copy.view}")
        await storage.command(f"DROP TABLE IF EXISTS {db}.{copy.table}")
    started = time.perf_counter()
    await schema.build_copies(storage, schema.Layout(db), 92, {schema.TABLE})
    return time.perf_counter() - started


def loadavg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


async def measure(size: int, args: argparse.Namespace, base: Path) -> list[str]:
    now = int(time.time())
    directory = base / f"points-{size}"
    fresh = not directory.exists()
    storage = await ClickHouseStorage.open(str(directory), retention_days=92)
    lines = [f"\n## {size:,} points (load average at start {loadavg()})"]
    try:
        if fresh:
            seconds = await load(storage, size, now)
            lines.append(f"bulk load through the views: {seconds:.1f} s ({size / seconds:,.0f}/s)")
        await settle(storage)
        sizes = await table_sizes(storage)
        full_bytes = sizes[schema.TABLE][1]
        for table, (rows, nbytes, parts) in sorted(sizes.items()):
            if table.startswith(schema.TABLE):
                share = f" ({nbytes / full_bytes:.1%} of the points)" if table != "points" else ""
                lines.append(
                    f"{table}: {rows:,} rows, {nbytes / 2**20:,.1f} MiB, {parts} parts{share}"
                )
        lines.extend(await query_table(storage, args, now))
        if args.rebuild:
            seconds = await rebuild_copies_s(storage)
            lines.append(f"building both copies from the points (upgrade): {seconds:.1f} s")
        lines.append(f"load average at end {loadavg()}")
    finally:
        await storage.close()
    return lines


async def query_table(storage: ClickHouseStorage, args: argparse.Namespace, now: int) -> list[str]:
    settings = load_settings(
        {},
        storage=storage.location,
        sql_timeout_s=600.0,
        sql_max_result_rows=10_000_000,
        **({"sql_read_budget_rows": args.budget} if args.budget else {}),
    )
    today = datetime.fromtimestamp(now, UTC)
    this_month = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    fmt = "%Y-%m-%d %H:%M:%S"
    first = datetime.fromtimestamp(now - DAYS * 86400, UTC).strftime(fmt)
    last = datetime.fromtimestamp(now + 1, UTC).strftime(fmt)
    asked = questions(last_month.strftime(fmt), this_month.strftime(fmt), first, last)

    async def run(sql: str, demand: Resolution | None) -> QueryResult:
        return await run_query(storage, settings, sql, account_id=ACCOUNT, demand=demand)

    truth = per_customer((await run(asked[0].sql, FULL)).body)
    top = sorted(truth, key=truth.__getitem__, reverse=True)[:TOP]
    lines = [
        f"read budget {settings.sql_read_budget_rows:,} rows; p50 of {args.runs} runs "
        f"({args.full_runs} at full resolution); rows: EXPLAIN ESTIMATE's",
        "| query | full ms | rows (full) | ABR ms | resolution | rows (ABR) | "
        "copy alone ms | err | in95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for question in asked:
        full_ms = await p50_ms(args.full_runs, lambda q=question: run(q.sql, FULL))
        abr_ms = await p50_ms(args.runs, lambda q=question: run(q.sql, None))
        answer = await run(question.sql, None)
        chosen = answer.resolution
        # The chosen copy asked for by name: the difference to ABR ms is what choosing cost.
        copy_ms = await p50_ms(args.runs, lambda q=question, at=chosen: run(q.sql, at))
        bounds = intervals((await run(question.interval_sql, chosen)).body)
        if question.one_customer:
            exact = per_customer((await run(question.sql, FULL)).body)
            checked = {MID_CUSTOMER: sum(exact.values())}
            got = {MID_CUSTOMER: sum(per_customer(answer.body).values())}
        else:
            checked = {c: truth[c] for c in top}
            got = per_customer(answer.body)
        errors = [abs(got.get(c, 0.0) - n) / n for c, n in checked.items()]
        inside = sum(bounds[c][0] <= n <= bounds[c][1] for c, n in checked.items() if c in bounds)
        full_rows = await estimated_rows(storage, question.sql, FULL)
        rows = await estimated_rows(storage, question.sql, chosen)
        lines.append(
            f"| {question.name} | {full_ms:,.0f} | {full_rows:,} | {abr_ms:,.0f} | "
            f"{chosen.label} | {rows:,} | {copy_ms:,.0f} | {max(errors):.2%} | "
            f"{inside}/{len(checked)} |"
        )
    return lines


async def estimated_rows(storage: ClickHouseStorage, sql: str, at: Resolution) -> int:
    """The rows ClickHouse expects the query to read at `at`, from its primary index."""
    source = translate(sql, account_id=ACCOUNT, database=storage.database, source=at.table)
    body = await storage.query(f"EXPLAIN ESTIMATE {source.sql}", "TabSeparated")
    # Columns: database, table, parts, rows, marks.
    return sum(int(line.split("\t")[3]) for line in body.decode().splitlines())


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import chdb

    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, Python {platform.python_version()}, "
        f"chDB {chdb.__version__}, {datetime.now(UTC):%Y-%m-%d}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--full-runs", type=int, default=3)
    parser.add_argument("--budget", type=int, default=None, help="default: the setting's")
    parser.add_argument("--dir", default=None, help="data directories (kept, reused)")
    parser.add_argument("--rebuild", action="store_true", help="time building the copies")
    args = parser.parse_args()
    print(machine())
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="usagehouse-scale-"))
    try:
        for size in args.points:
            for line in await measure(size, args, base):
                print(line, flush=True)
    finally:
        if args.dir is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
