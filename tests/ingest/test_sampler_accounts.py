"""Equitable sampling between accounts: the total budget is shared max-min fairly between
accounts first, then between each account's indexes, so one account's traffic cannot thin
another account's rows. Seeded RNGs and a fake clock, driving `EquitableSampler` directly."""

from __future__ import annotations

import math
import operator
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping

import pytest

from server.ingest.sampler import EquitableSampler, water_fill
from tests.ingest.test_sampler import T0, mixed

FLOOD = 50_000  # distinct new indexes per request of the flooding account


def flood_request(request: int) -> list[str]:
    return [f"b-{request}-{i}" for i in range(FLOOD)]


@pytest.mark.slow  # 1.2 million flood points
def test_an_account_flooding_new_indexes_cannot_thin_another_accounts_rows() -> None:
    """B sends 50k new indexes per request, 4 requests a second; from the second second on, A
    writes 20 indexes at 40 points/s each (800 rows/s, far under half of 20,000). Every row of
    A is kept; B stores what A leaves of the total budget, and its estimate is unbiased."""
    sampler = EquitableSampler(100, 20_000, rng=random.Random(0))
    a_points = a_rows = 0
    b_rows: Counter[int] = Counter()
    b_estimate: Counter[int] = Counter()
    b_variance: Counter[int] = Counter()
    for request in range(6 * 4):
        now = T0 + request * 0.25
        second = request // 4
        out = sampler.sample("B", "usage", flood_request(request), now)
        kept = [1] * FLOOD if out is None else [k for k in out if k]
        b_rows[second] += len(kept)
        b_estimate[second] += sum(kept)
        b_variance[second] += sum(k * (k - 1) for k in kept)
        if second >= 1:
            a_batch = [f"a{i}" for i in range(20) for _ in range(10)]
            assert sampler.sample("A", "usage", a_batch, now) is None  # every row, at 1
            a_points += len(a_batch)
            a_rows += len(a_batch)
        if second == 1:
            # A was new in this window: the share of one more heavy account, up to 100.
            assert sampler.share_of("A") == 100
            assert sampler.share_of("B") == pytest.approx(20_000 / (4 * FLOOD))
        if second >= 2:
            # Last window: A wanted 800 rows, B 200,000 (one per index); A is under the fair
            # share, B gets the other 19,200 rows, 0.096 per index.
            assert sampler.share_of("A") == 100
            assert sampler.share_of("B") == pytest.approx(19_200 / (4 * FLOOD))
            assert sampler.fair_share == pytest.approx(0.096)

    assert a_rows == a_points == 5 * 4 * 200
    # B's first window is the documented burst: a new account's indexes get the index budget.
    assert b_rows[0] == b_estimate[0] == 4 * FLOOD
    for second in range(1, 6):
        # Each of B's points is kept with probability 1/k, E[1/k] = its share (0.1, then 0.096).
        p = (20_000 if second == 1 else 19_200) / (4 * FLOOD)
        expected, sd = 4 * FLOOD * p, math.sqrt(4 * FLOOD * p * (1 - p))
        assert abs(b_rows[second] - expected) <= 4 * sd, second
        if second >= 2:  # in second 1, A's 800 rows are a new account's (documented) excess
            assert b_rows[second] + 800 <= 20_000 + 4 * sd, second
        assert abs(b_estimate[second] - 4 * FLOOD) <= 4 * math.sqrt(b_variance[second]), second


@pytest.mark.slow  # 200 seeded runs
def test_estimates_of_a_thinned_account_are_unbiased_over_200_seeds() -> None:
    """A small copy of the attack where B also has a hot index and a few warm ones, so new,
    hot and warm indexes are thinned in one batch (the batched draw and the per-index loop):
    B's estimates average to the truth over 200 seeds, and A is exact under every seed."""
    values = random.Random(5)
    requests = []
    for r in range(12):  # 4 a second for 3 seconds
        b = [f"b-{r}-{i}" for i in range(500)] + ["b-hot"] * 20
        b += [f"b-warm{j}" for j in range(4) for _ in range(5)]
        random.Random(r).shuffle(b)
        doubles = [values.uniform(0.5, 1.5) * (1 + r) for _ in b]
        a = [f"a{i}" for i in range(4) for _ in range(2)]
        requests.append((T0 + r * 0.25, b, doubles, a))
    truth = {
        "count": sum(len(b) for _, b, _, _ in requests),
        "sum": sum(sum(ds) for _, _, ds, _ in requests),
        "new": 12 * 500,
        "hot": 12 * 20,
    }

    estimates: dict[str, list[float]] = defaultdict(list)
    for seed in range(200):
        sampler = EquitableSampler(10, 200, rng=random.Random(seed))
        est: dict[str, float] = dict.fromkeys(truth, 0.0)
        for now, b, doubles, a in requests:
            out = sampler.sample("B", "usage", b, now)
            ks = [1] * len(b) if out is None else out
            est["count"] += sum(ks)
            est["sum"] += sum(map(operator.mul, ks, doubles))
            est["new"] += sum(k for i, k in zip(b, ks, strict=True) if i[2] not in "hw")
            est["hot"] += sum(k for i, k in zip(b, ks, strict=True) if i == "b-hot")
            assert sampler.sample("A", "usage", a, now) is None
        # Last window: A wanted 32 rows, B 2,000 + 10 + 4 * 10 (indexes capped at 10): B's
        # 2,005 indexes share the other 168 rows.
        assert sampler.share_of("B") == pytest.approx(168 / 2005)
        for name, value in est.items():
            estimates[name].append(value)

    for name, values_ in estimates.items():
        mean, se = statistics.fmean(values_), statistics.stdev(values_) / math.sqrt(200)
        assert abs(mean - truth[name]) <= 4 * se, name
        # Each of B's indexes may keep 0.084 rows a second: the hot one's 80 points a second
        # are kept about one in 950, too few to bound its error tightly.
        assert se <= (0.15 if name == "hot" else 0.01) * truth[name], name


def per_account(
    sampler: EquitableSampler, rates: Mapping[str, Mapping[str, float]], seconds: int
) -> dict[str, dict[str, Counter[str]]]:
    """Each account writes its indexes at steady rates, one batch per account every 10 ms.
    Returns per account: points, rows and estimate per index, and rows per second."""
    tallies: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    streams = {a: dict(mixed(r, seconds, 0.01, random.Random(a))) for a, r in rates.items()}
    for step in range(seconds * 100):
        now = T0 + step * 0.01
        for account, batches in streams.items():
            batch = batches.get(now)
            if not batch:
                continue
            out = sampler.sample(account, "usage", batch, now)
            t = tallies[account]
            for index, k in zip(batch, [1] * len(batch) if out is None else out, strict=True):
                t["points"][index] += 1
                if k:
                    t["rows"][index] += 1
                    t["estimate"][index] += k
                    t["inexact"][index] += k > 1
                    t["per second"][str(int(now - T0))] += 1
    return tallies


def test_two_heavy_accounts_with_different_demands_share_max_min() -> None:
    """Budgets 100 rows/s per index, 600 in total. L wants 100 rows/s (2 indexes at 50), M 280
    (2 indexes at 1,000/s capped at 100, 4 at 20), H 2,000 (20 indexes at 1,000/s). Between
    accounts: L keeps its 100, M and H split the other 500, 250 each. Within M: its 4 light
    indexes keep their 80, its 2 hot ones split 170, 85 each; H's 20 indexes get 12.5 each."""
    rates = {
        "L": {"l0": 50, "l1": 50},
        "M": {"m0": 1000, "m1": 1000} | {f"m{i}": 20 for i in range(2, 6)},
        "H": {f"h{i}": 1000 for i in range(20)},
    }
    assert water_fill([100, 280, 2000], 600, 600) == 250
    sampler = EquitableSampler(100, 600, rng=random.Random(4))
    tallies = per_account(sampler, rates, seconds=10)

    assert sampler.share_of("L") == 100
    assert sampler.share_of("M") == pytest.approx(85)
    assert sampler.share_of("H") == pytest.approx(12.5)
    light = [("L", "l0"), ("L", "l1")] + [("M", f"m{i}") for i in range(2, 6)]
    for account, index in light:
        t = tallies[account]
        assert t["rows"][index] == t["estimate"][index] == t["points"][index], index
        assert t["inexact"][index] == 0
    for account, expected in (("L", 100), ("M", 250), ("H", 250)):
        per_second = [tallies[account]["per second"][str(s)] for s in range(2, 10)]
        assert statistics.fmean(per_second) == pytest.approx(expected, rel=0.05), account
    for second in range(2, 10):
        total = sum(tallies[a]["per second"][str(second)] for a in rates)
        assert total <= 600 * 1.05, second
    for account, index in [("M", "m0"), ("M", "m1"), ("H", "h0"), ("H", "h19")]:
        assert tallies[account]["estimate"][index] == pytest.approx(10_000, rel=0.05), index
    h_estimate = sum(tallies["H"]["estimate"].values())
    assert h_estimate == pytest.approx(200_000, rel=0.01)


def test_datasets_of_one_account_draw_on_one_share() -> None:
    """The account, not the (account, dataset) stream, is the unit between accounts: an account
    splitting its flood over two datasets gets no more than one flooding with one."""
    sampler = EquitableSampler(100, 1_000, rng=random.Random(1))
    for dataset in ("one", "two"):
        sampler.sample("B", dataset, [f"{dataset}-{i}" for i in range(5_000)], T0)
    sampler.sample("C", "usage", [f"c-{i}" for i in range(10_000)], T0)
    sampler.sample("A", "usage", ["a"] * 50, T0)
    assert sampler.sample("B", "one", ["x"], T0 + 1) is not None  # the roll to the next window
    # Last window: A wanted 50, B and C 10,000 each: they split 950 equally, 0.0475 per index.
    assert sampler.share_of("B") == sampler.share_of("C") == pytest.approx(0.0475)
    assert sampler.share_of("A") == 100


def test_a_new_account_gets_the_share_of_one_more_heavy_account() -> None:
    sampler = EquitableSampler(100, 150, rng=random.Random(2))
    for account in ("B", "C"):
        sampler.sample(account, "usage", [f"{account}-{i}" for i in range(1_000)], T0)
    sampler.sample("B", "usage", ["x"], T0 + 1)
    assert sampler.share_of("B") == sampler.share_of("C") == pytest.approx(0.075)
    assert sampler.share_of("new") == 50  # 150 rows among B, C and itself
    assert EquitableSampler(100, 20_000).share_of("new") == 100  # an idle server: the index budget
    assert EquitableSampler(100, 40).share_of("new") == 40  # but never more than the total


def test_shedding_keys_under_a_flood_never_thins_another_account() -> None:
    """Past max_keys the counts are shed, the flooding account's too: A stays exact."""
    sampler = EquitableSampler(100, 20_000, rng=random.Random(3), max_keys=60_000)
    for request in range(12):
        now = T0 + request * 0.25
        sampler.sample("B", "usage", flood_request(request), now)
        assert sampler.tracked_keys <= 60_000 + FLOOD
        a_batch = [f"a{i}" for i in range(20) for _ in range(10)]
        assert sampler.sample("A", "usage", a_batch, now) is None


def test_same_seed_gives_the_same_intervals_across_accounts() -> None:
    rates = {"A": {"a": 3000, "b": 5}, "B": {f"x{i}": 400 for i in range(5)}}
    runs = []
    for _ in range(2):
        sampler = EquitableSampler(100, 500, rng=random.Random(0))
        batches = [
            (a, now, b) for a, r in rates.items() for now, b in mixed(r, 4, 0.05, random.Random(1))
        ]
        batches.sort(key=lambda item: item[1])
        runs.append([sampler.sample(a, "usage", b, now) for a, now, b in batches])
    assert runs[0] == runs[1]
    assert any(out is not None for out in runs[0])
