"""CPU cost of write-time sampling, per point, and its share of the pure ingest pipeline.

Run `python benchmarks/sampling.py`. Uses a fake clock and CPU time (time.process_time), so the
numbers do not depend on wall-clock pacing; the HTTP end-to-end benchmark lives elsewhere.
"""

from __future__ import annotations

import math
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.ingest import points as pts
from server.ingest.sampler import EquitableSampler, PassThrough, Sampler

BATCH = 1000
POINTS = 2_000_000
PIPELINE_POINTS = 200_000
REPEAT = 3  # pipeline runs, best of: the machine may be shared
START = 1_700_000_000.0
INDEX_BUDGET, TOTAL_BUDGET = 100.0, 20_000.0  # the Settings defaults


def distinct_light(rng: random.Random, n: int) -> tuple[list[str], float]:
    """Every point from a pool of 500k indexes: nothing is hot; 10k points/s."""
    return [f"customer-{rng.randrange(500_000)}" for _ in range(n)], 10_000.0


def one_hot(rng: random.Random, n: int) -> tuple[list[str], float]:
    """A single index writing 100k points/s: every batch is thinned."""
    return ["customer-hot"] * n, 100_000.0


def pareto(rng: random.Random, n: int) -> tuple[list[str], float]:
    """A skewed mix (1 x 200k, 9 x 5k, 500 x 20) scaled to n points, shuffled; 100k points/s."""
    scale = n / 255_000
    out = ["customer-big"] * int(200_000 * scale)
    out += [f"customer-mid-{i}" for i in range(9) for _ in range(int(5_000 * scale))]
    out += [f"customer-small-{i}" for i in range(500) for _ in range(int(20 * scale))]
    out += ["customer-big"] * (n - len(out))
    rng.shuffle(out)
    return out, 100_000.0


def flood(rng: random.Random, n: int) -> tuple[list[str], float]:
    """Worst case: every point a new index, 100k/s, so the total budget thins every one."""
    return [f"uuid-{i}" for i in range(n)], 100_000.0


def many_accounts(rng: random.Random, n: int) -> tuple[list[str], float]:
    """Each batch is one request of one of ACCOUNTS accounts in turn, so each writes once a
    second: half its points to one hot index, half over 50 light ones; 100k points/s. Every
    account wants more than its fair share (200 rows/s), so all are thinned."""
    out = []
    for _ in range(n // BATCH):
        batch = ["customer-hot"] * (BATCH // 2)
        batch += [f"customer-{rng.randrange(50)}" for _ in range(BATCH - len(batch))]
        rng.shuffle(batch)
        out += batch
    return out, 100_000.0


WORKLOADS: dict[str, Callable[[random.Random, int], tuple[list[str], float]]] = {
    "a) distinct light indexes": distinct_light,
    "b) one hot index": one_hot,
    "c) Pareto mix": pareto,
    "d) flood of new indexes": flood,
    "e) 100 accounts, each thinned": many_accounts,
}
#: Batches go to these many accounts in turn (one account unless named here).
ACCOUNTS = {"e) 100 accounts, each thinned": 100}


def batches(indexes: list[str]) -> list[list[str]]:
    return [indexes[i : i + BATCH] for i in range(0, len(indexes), BATCH)]


def sampler_cost(indexes: list[str], rate: float, accounts: int) -> tuple[float, float]:
    """(µs per point, stored fraction) of EquitableSampler.sample alone."""
    sampler = equitable()
    stored = 0
    names = [f"acct-{a}" for a in range(accounts)]
    start = time.process_time()
    for number, batch in enumerate(batches(indexes)):
        account = names[number % accounts]
        out = sampler.sample(account, "usage", batch, START + number * BATCH / rate)
        stored += len(batch) if out is None else len(out) - out.count(0)
    return (time.process_time() - start) / len(indexes) * 1e6, stored / len(indexes)


def pipeline_cost(items: list[list[object]], rate: float, accounts: int, sampler: Sampler) -> float:
    """µs per point of points.validate + sampler + the Ingestor's keep-filter."""
    names = [f"acct-{a}" for a in range(accounts)]
    start = time.process_time()
    for number, batch in enumerate(items):
        now = START + number * BATCH / rate
        p = pts.validate(batch, int(now), 92)
        out = sampler.sample(names[number % accounts], "usage", p.indexes, now)
        if out is not None:
            keep = [i for i, k in enumerate(out) if k]
            _ = ([p.timestamps[i] for i in keep], [p.blobs[i] for i in keep])
            _ = ([p.doubles[i] for i in keep], [p.indexes[i] for i in keep])
    return (time.process_time() - start) / sum(map(len, items)) * 1e6


def on_and_off(indexes: list[str], rate: float, accounts: int) -> tuple[float, float]:
    """Pipeline µs per point with sampling off and on: best of REPEAT, interleaved."""
    items: list[list[object]] = [
        [{"indexes": [i], "blobs": ["GET", "/v1/chat"], "doubles": [1.0, 812.0]} for i in batch]
        for batch in batches(indexes)
    ]
    off = on = math.inf
    for _ in range(REPEAT):
        off = min(off, pipeline_cost(items, rate, accounts, PassThrough()))
        on = min(on, pipeline_cost(items, rate, accounts, equitable()))
    return off, on


def equitable() -> Sampler:
    return EquitableSampler(INDEX_BUDGET, TOTAL_BUDGET, rng=random.Random(0))


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    names = [line.split(":", 1)[1].strip() for line in text.splitlines() if "model name" in line]
    return f"{names[0]} x{len(names)}" if names else platform.machine()


def main() -> None:
    print(f"Python {platform.python_version()} on {cpu_model()}")
    print(f"budgets: {INDEX_BUDGET:g} rows/s per index, {TOTAL_BUDGET:g} rows/s in total")
    print(f"batches of {BATCH}; sampler alone over {POINTS:,} points, pipeline (validate +")
    print(f"sample + keep-filter) over {PIPELINE_POINTS:,}, best of {REPEAT}; CPU time\n")
    header = ("workload", "sampler µs/pt", "stored", "off µs/pt", "on µs/pt", "overhead")
    print("{:<32}{:>15}{:>9}{:>11}{:>10}{:>10}".format(*header))
    for name, make in WORKLOADS.items():
        indexes, rate = make(random.Random(1), POINTS)
        accounts = ACCOUNTS.get(name, 1)
        per_point, stored = sampler_cost(indexes, rate, accounts)
        few = indexes[:PIPELINE_POINTS]
        off, on = on_and_off(few, rate, accounts)
        print(
            f"{name:<32}{per_point:>15.3f}{stored:>9.1%}{off:>11.3f}{on:>10.3f}"
            f"{(on - off) / off:>10.1%}"
        )


if __name__ == "__main__":
    main()
