"""The sampling stage between validation and the writer.

A sampler decides, per point, how many points the stored row stands for (`_sample_interval`)
or that the point is dropped (0). `PassThrough` keeps everything; `EquitableSampler` thins hot
indexes so every index keeps about the same number of rows per second, as WAE does, after
sharing the total budget fairly between accounts so one account cannot thin another's rows.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import repeat
from typing import Protocol

#: `_sample_interval` is a UInt32 column (storage/schema.py).
MAX_INTERVAL = 2**32 - 1
#: A hot index keeps its interval (and the phase of its systematic sample) while the interval
#: stays within 5% of its target.
STICKY = 0.05
#: At or under this allowance (rows per window), the single points of indexes new in the window
#: (estimate 1, so x = 1 / allowance >= 2) get their intervals in one batched draw
#: (`_fresh_intervals`) that keeps no phase. None is needed: k <= x + 1 <= 1.5x, and the index's
#: next point in the window at least doubles x, leaving k >= 25% off target, so the loop would
#: redraw it anyway (STICKY is 5%); the next window starts without phases.
FRESH_MAX_ALLOWANCE = 0.5
#: `random() < p` compares p with a uniform 53-bit fraction: `_fresh_intervals` draws the same
#: odds as integers.
_BITS = 53
_NEVER = -(2**62)
_EMPTY: Counter[str] = Counter()

Stream = tuple[str, str]  # (account, dataset)


class Sampler(Protocol):
    def sample(
        self, account_id: str, dataset: str, indexes: list[str], now: float
    ) -> list[int] | None:
        """Intervals for each point (0 = drop), or None when every point is kept at 1."""


class PassThrough:
    """Sampling off: every point is stored exactly."""

    def sample(
        self, account_id: str, dataset: str, indexes: list[str], now: float
    ) -> list[int] | None:
        return None


def water_fill(demands: Iterable[float], capacity: float, cap: float) -> float:
    """Max-min fair level (water-filling): the largest L <= cap with sum(min(d, L)) <= capacity.

    Demands under the level are met in full; the rest split what is left equally.
    """
    return _fill(Counter(demands), capacity, cap)


def _fill(counts: Counter[float], capacity: float, cap: float) -> float:
    """`water_fill` over demands counted as {demand: how many}: a flood of new indexes is 100k
    demands of 1 a window, so the loop runs per distinct demand."""
    if sum(d * n for d, n in counts.items()) <= capacity:
        return cap
    left = counts.total()  # demands not met yet
    for d in sorted(counts):
        if d >= cap:
            break  # these and the rest are capped: they split what is left
        share = capacity / left
        if d > share:
            return share
        capacity -= d * counts[d]
        left -= counts[d]
    return min(capacity / left, cap) if left else cap


class EquitableSampler:
    """Per-(account, dataset, index1) write-time sampling under a per-index and a total budget.

    Rate: time is cut into windows of `window_s`; an index's rate is its sliding count over the
    last window, `prev * (1 - elapsed) + cur`, this batch included.
    Share: at each window boundary, from the counts of the window that ended, the total budget
    is shared max-min fairly between accounts (`water_fill`), each account asking for what its
    indexes could store, `sum(min(count, index budget))`; then within each account over budget,
    its share between its indexes (of all its datasets), each also capped by the index budget.
    This gives every account an `allowance`: the rows per window each of its indexes may store.
    An account under its fair share keeps the index budget, whatever the others write. An
    account with no count in the window that ended gets the index budget, or its fair share as
    one more heavy account if that is less. There is no budget per account besides: max-min
    already guarantees each of n active accounts its demand or total / n, and a fixed cap
    would only leave budget unused while the others are quiet.
    Interval: an index under its allowance is stored exactly. Above it, k = rate / allowance,
    rounded at random to a neighbouring integer so that E[1/k] is exact, and every k-th point is
    kept from a uniformly random offset (systematic sampling): each point is kept with
    probability exactly 1/k, so `sum(_sample_interval)` and `sum(_sample_interval * double)` are
    unbiased (Horvitz-Thompson). The offset runs on across calls while k stays within `STICKY`
    of its target, so a window's count is off by less than k rather than k per call.

    Bound: in steady traffic an index stores its allowance per window (up to `STICKY` more) and
    the server `total_budget * window_s`. Bursts: an index that turns hot with no count in the
    previous window stores up to `allowance * (1 + ln(n / allowance))` rows in that window
    (n = its points there), as its estimate grows with its own count; indexes and accounts new
    in a window use the allowance set at its start, so the total may overshoot in that window.

    Cost: a batch whose indexes are all under their allowance is checked in C; past that, a
    Python step per distinct index, except for the single points of indexes new in the window
    once the allowance is under `FRESH_MAX_ALLOWANCE` (a flood of new indexes): those share one
    rate and are drawn together, one random integer each.

    Memory: counts of the current and previous window only, so an index idle for two windows is
    forgotten; past `max_keys` the previous window's counts, then the current one's, are dropped.
    """

    def __init__(
        self,
        index_budget: float,
        total_budget: float,
        *,
        rng: random.Random | None = None,
        window_s: float = 1.0,
        max_keys: int = 1_000_000,
    ) -> None:
        if min(index_budget, total_budget, window_s) <= 0 or max_keys < 1:
            raise ValueError("budgets and window_s must be positive, max_keys at least 1")
        self._rng = rng or random.Random()
        self._window_s = window_s
        self._cap = index_budget * window_s  # rows per window for one index
        self._capacity = total_budget * window_s  # rows per window for the server
        self._max_keys = max_keys
        self._win = _NEVER
        # Rows per window each index of an account may store, set at each window boundary;
        # `_newcomer` for accounts with no count in the window that ended.
        self._allowances: dict[str, float] = {}
        self._newcomer = min(self._cap, self._capacity)
        # Point counts per (account, dataset) stream, then per index: this window and the last.
        self._cur: dict[Stream, Counter[str]] = {}
        self._prev: dict[Stream, Counter[str]] = {}
        self._cur_keys = self._prev_keys = 0
        # Hot indexes of this window: (interval, points to skip before the next kept one).
        self._phases: dict[Stream, dict[str, tuple[int, int]]] = {}

    @property
    def tracked_keys(self) -> int:
        """Indexes whose recent count is remembered (at most max_keys plus one batch)."""
        return self._cur_keys + self._prev_keys

    @property
    def fair_share(self) -> float:
        """Rows per second each index may store in the current window, in the account that may
        store the least (a new account's share when no account wrote in the last window)."""
        return min(self._allowances.values(), default=self._newcomer) / self._window_s

    def share_of(self, account_id: str) -> float:
        """Rows per second each index of `account_id` may store in the current window."""
        return self._allowances.get(account_id, self._newcomer) / self._window_s

    def sample(
        self, account_id: str, dataset: str, indexes: list[str], now: float
    ) -> list[int] | None:
        if not indexes:
            return None
        if now // self._window_s > self._win:
            self._roll(int(now // self._window_s))
        stream = (account_id, dataset)
        cur, added = self._count(stream, indexes)
        prev = self._prev.get(stream, _EMPTY)
        allowance = self._allowances.get(account_id, self._newcomer)
        # Under FRESH_MAX_ALLOWANCE every index is over its allowance (its count is at least 1).
        # A lone point takes the loop below: its two draws cost 1.2 µs, a batched draw 5.7 µs.
        batched = allowance <= FRESH_MAX_ALLOWANCE and len(indexes) > 1
        if batched and added == len(indexes) and prev.keys().isdisjoint(indexes):
            # A flood: each point is an index new to this window and the last. A shortcut of
            # the general path (same draws): 0.35 instead of 1.16 µs/point on benchmark d.
            return self._fresh_intervals(1 / allowance, len(indexes))
        batch = Counter(indexes)  # points per distinct index, in first-seen order
        if not batched and _highest(batch, cur, prev) <= allowance:
            # No index is over: checked in C, 0.24 instead of 0.31 µs/point on benchmark a.
            return None
        # Plan: the intervals of each thinned index's points, in order.
        plans: dict[str, list[int]] = {}
        if batched:
            # Indexes new in this window (count 1, none in the last) all have estimate 1, so
            # the same rate: draw their intervals together rather than one by one below.
            fresh = [i for i in batch if cur[i] == 1 and i not in prev]
            intervals = self._fresh_intervals(1 / allowance, len(fresh))
            plans = {i: [k] for i, k in zip(fresh, intervals, strict=True)}
        # A clock that steps back stays in the current window.
        rest = min(1.0, max(0.0, 1.0 + self._win - now / self._window_s))
        phases = self._phases.setdefault(stream, {})
        for index, count in batch.items():
            if index in plans:
                continue
            estimate = prev.get(index, 0) * rest + cur[index]
            if estimate > allowance:
                plan = self._thin(phases, index, count, estimate / allowance)
                if plan is not None:
                    plans[index] = plan
        # Apply: each point takes the next interval of its index's plan, 1 when it has none.
        if not plans:
            return None
        if len(batch) == 1:
            return plans[indexes[0]]
        planned = {index: iter(intervals) for index, intervals in plans.items()}
        return [next(planned[i]) if i in planned else 1 for i in indexes]

    def _thin(
        self, phases: dict[str, tuple[int, int]], index: str, count: int, x: float
    ) -> list[int] | None:
        """Intervals of the next `count` points of an index at x times its allowance, None if
        all are kept at 1; its phase runs on while the interval stays within STICKY of x."""
        k, skip = phases.get(index, (0, 0))
        if abs(x - k) > STICKY * x:
            k = self._interval(x)
            if k == 1:
                return None
            skip = self._rng.randrange(k)
        phases[index] = (k, (skip - count) % k)
        intervals = [0] * count
        intervals[skip::k] = [k] * len(range(skip, count, k))
        return intervals

    def _count(self, stream: Stream, indexes: list[str]) -> tuple[Counter[str], int]:
        """Add the batch to the stream's counts of this window: (the counts, how many indexes
        are new to them). Past max_keys, older counts are shed."""
        cur = self._cur.get(stream)
        if cur is None:
            cur = self._cur[stream] = Counter()
        before = len(cur)
        cur.update(indexes)
        added = len(cur) - before
        self._cur_keys += added
        if self._cur_keys + self._prev_keys > self._max_keys:
            cur = self._shed(stream, indexes)
        return cur, added

    def _interval(self, x: float) -> int:
        """An integer k next to x with E[1/k] = 1/x, so expected kept rows match the allowance."""
        low, p_low = _interval_odds(x)
        if low == MAX_INTERVAL or self._rng.random() < p_low:
            return low
        return low + 1

    def _fresh_intervals(self, x: float, m: int) -> list[int]:
        """Intervals (0 = drop) of m single points of indexes with no phase, all at rate x.

        The same distribution as the loop in `sample`: k = `_interval(x)`, then the point kept
        with probability exactly 1/k. But one random integer per point instead of a float and a
        `randrange` (~0.4 µs): of `span` equally likely outcomes, the first `kept_low` keep the
        point at k = low and the next `kept_high` at k = low + 1, i.e. P(k) / k of them. A draw
        `v` with 32 spare bits stands for outcome `v // per`; the rare one past the last whole
        `span` (odds < 2**-32) is drawn again, so that every outcome stays equally likely.
        """
        low, p_low = _interval_odds(x)
        high = low + 1
        q = min(max(math.ceil(p_low * 2**_BITS), 0), 2**_BITS)  # P(k = low) = q / 2**_BITS
        span = 2**_BITS * low * high
        kept_low = q * high
        kept_high = (2**_BITS - q) * low
        bits = span.bit_length() + 32
        per = (1 << bits) // span
        cut_low, cut_high, whole = per * kept_low, per * (kept_low + kept_high), per * span
        draws = map(self._rng.getrandbits, repeat(bits, m))
        return [
            (low if v < cut_low else high if v < cut_high else 0)
            if v < whole
            else self._fresh_intervals(x, 1)[0]  # past the last whole span: draw again
            for v in draws
        ]

    def _roll(self, win: int) -> None:
        """Start window `win`: the allowances come from the counts of the window that ended."""
        if win == self._win + 1:
            self._prev, self._prev_keys = self._cur, self._cur_keys
        else:
            self._prev, self._prev_keys = {}, 0  # a whole window without traffic
        self._cur, self._cur_keys, self._phases = {}, 0, {}
        self._allowances, self._newcomer = self._share(self._prev)
        self._win = win

    def _share(self, counts: dict[Stream, Counter[str]]) -> tuple[dict[str, float], float]:
        """Allowance of each account with counts, and of an account without: max-min fair
        between accounts, then between the indexes of each account."""
        demands: defaultdict[str, Counter[float]] = defaultdict(Counter)
        for (account, _), per_index in counts.items():
            demands[account].update(per_index.values())  # {points in the window: indexes}
        cap, capacity = self._cap, self._capacity
        wants = {a: sum(min(d, cap) * n for d, n in c.items()) for a, c in demands.items()}
        level = water_fill(wants.values(), capacity, capacity)  # rows per window per account
        allowances = {
            account: cap if wants[account] <= level else _fill(c, level, cap)
            for account, c in demands.items()
        }
        # An account that starts writing: its share were it one more heavy account.
        newcomer = min(cap, water_fill([*wants.values(), capacity], capacity, capacity))
        return allowances, newcomer

    def _shed(self, stream: Stream, indexes: list[str]) -> Counter[str]:
        """Too many indexes: forget the previous window, then if need be all but this batch."""
        self._prev, self._prev_keys = {}, 0
        if self._cur_keys > self._max_keys:
            cur = Counter(indexes)
            self._cur, self._cur_keys, self._phases = {stream: cur}, len(cur), {}
        return self._cur[stream]


def _highest(batch: Counter[str], cur: Counter[str], prev: Counter[str]) -> int:
    """An upper bound of the estimates of the batch's indexes, computed in C."""
    highest = max(map(cur.__getitem__, batch))
    return highest + max(map(prev.get, batch, repeat(0))) if prev else highest


def _interval_odds(x: float) -> tuple[int, float]:
    """(low, p): the interval for rate x is low with probability p, else low + 1."""
    if x >= MAX_INTERVAL:
        return MAX_INTERVAL, 1.0
    low = int(x)
    return low, low * ((low + 1) / x - 1)
