"""The sampling stage between validation and the writer.

A sampler decides, per point, how many points the stored row stands for (`_sample_interval`)
or that the point is dropped (0). `PassThrough` keeps everything; `EquitableSampler` thins hot
indexes so every index keeps about the same number of rows per second, as WAE does.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from itertools import chain, compress, cycle, filterfalse, repeat
from operator import call
from typing import Protocol

#: `_sample_interval` is a UInt32 column (storage/schema.py).
MAX_INTERVAL = 2**32 - 1
_ONE = repeat(1).__next__
_ZERO = repeat(0).__next__
_NEVER = -(2**62)
_EMPTY: Counter[str] = Counter()
_PHASE = 2**32  # > MAX_INTERVAL
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


def water_fill(demands: list[int], capacity: float, cap: float) -> float:
    """Max-min fair level (water-filling): the largest L <= cap with sum(min(d, L)) <= capacity.

    Demands under the level are met in full; the rest split what is left equally.
    """
    if sum(demands) <= capacity:
        return cap
    # Per distinct demand, counted in C: a flood of new indexes is 100k demands of 1 a window.
    counts = Counter(demands)
    left = counts.total()  # indexes whose demand is not met yet
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
    Share: each index may store `allowance` rows per window: the index budget, lowered at each
    window boundary to the max-min fair share of the total budget among the indexes active in
    the window that ended (`water_fill`).
    Interval: an index under its allowance is stored exactly. Above it, k = rate / allowance,
    rounded at random to a neighbouring integer so that E[1/k] is exact, and every k-th point is
    kept from a uniformly random offset (systematic sampling): each point is kept with
    probability exactly 1/k, so `sum(_sample_interval)` and `sum(_sample_interval * double)` are
    unbiased (Horvitz-Thompson). The offset runs on across calls while k stays within `STICKY`
    of its target, so a window's count is off by less than k rather than k per call.

    Bound: in steady traffic an index stores its allowance per window (up to `STICKY` more) and
    the server `total_budget * window_s`. Bursts: an index that turns hot with no count in the
    previous window stores up to `allowance * (1 + ln(n / allowance))` rows in that window
    (n = its points there), as its estimate grows with its own count; indexes new in a window
    use the share set at its start, so the total may overshoot in that window.

    Cost: a batch whose indexes are all under their allowance costs a few C-level passes; over
    it, a Python step per distinct index, except for the single points of indexes new in the
    window once the allowance is under `FRESH_MAX_ALLOWANCE` (a flood of new indexes): those
    share one rate and are drawn together, one random integer each.

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
        self._allowance = self._cap
        # Point counts per (account, dataset) stream, then per index: this window and the last.
        self._cur: dict[tuple[str, str], Counter[str]] = {}
        self._prev: dict[tuple[str, str], Counter[str]] = {}
        self._cur_keys = self._prev_keys = 0
        # Hot indexes of this window: their interval and the points to skip before the next
        # kept one, packed as interval * _PHASE + offset so the GC never scans them.
        self._phases: dict[tuple[str, str], dict[str, int]] = {}
        self._constants: dict[int, Callable[[], int]] = {}

    @property
    def tracked_keys(self) -> int:
        """Indexes whose recent count is remembered (at most max_keys plus one batch)."""
        return self._cur_keys + self._prev_keys

    @property
    def fair_share(self) -> float:
        """Rows per second each index may store in the current window."""
        return self._allowance / self._window_s

    def sample(
        self, account_id: str, dataset: str, indexes: list[str], now: float
    ) -> list[int] | None:
        n = len(indexes)
        if n == 0:
            return None
        if now // self._window_s > self._win:
            self._roll(int(now // self._window_s))
        stream = (account_id, dataset)
        cur = self._cur.get(stream)
        if cur is None:
            cur = self._cur[stream] = Counter()
        if n == 1:  # one point per request is common: skip the batch machinery
            seen = cur.get(indexes[0], 0)
            cur[indexes[0]] = seen + 1
            self._cur_keys += not seen
            all_new = not seen
        else:
            before = len(cur)
            cur.update(indexes)  # counted in C, as is everything up to the first hot index
            self._cur_keys += len(cur) - before
            all_new = len(cur) - before == n  # n distinct indexes, each counted once
        if self._cur_keys + self._prev_keys > self._max_keys:
            cur = self._shed(stream, indexes)
        prev = self._prev.get(stream, _EMPTY)
        allowance = self._allowance
        nexts: dict[str, Callable[[], int]] = {}
        if n == 1:
            batch: dict[str, int] = {indexes[0]: 1}
            if cur[indexes[0]] + prev.get(indexes[0], 0) <= allowance:
                return None
        else:
            if (
                all_new
                and allowance <= FRESH_MAX_ALLOWANCE
                and not any(map(prev.__contains__, indexes))
            ):
                # A flood of new indexes: each point is one new to this window and the last.
                return self._fresh_intervals(1 / allowance, n)
            distinct = dict.fromkeys(indexes)
            if allowance > FRESH_MAX_ALLOWANCE:
                highest = max(map(cur.__getitem__, distinct))
                if prev:
                    highest += max(map(prev.get, distinct, repeat(0)))
                if highest <= allowance:
                    return None
            else:
                # Every index is over the allowance (its count is at least 1). Those new in this
                # window (count 1, none in the last) all have estimate 1, so the same rate: draw
                # their intervals together rather than one by one in the loop below.
                fresh = list(compress(distinct, map((1).__eq__, map(cur.__getitem__, distinct))))
                if prev:
                    fresh = list(filterfalse(prev.__contains__, fresh))
                if fresh:
                    intervals = self._fresh_intervals(1 / allowance, len(fresh))
                    constants = {k: self._constant(k) for k in set(intervals)}
                    nexts.update(zip(fresh, map(constants.__getitem__, intervals), strict=True))
            # In first-seen order, so rng draws are reproducible.
            batch = Counter(indexes) if len(distinct) > 1 else {indexes[0]: n}
        # A clock that steps back stays in the current window.
        rest = min(1.0, max(0.0, 1.0 + self._win - now / self._window_s))
        phases = self._phases.setdefault(stream, {})
        rng = self._rng
        for index in filterfalse(nexts.__contains__, batch):  # all but the fresh ones
            count = batch[index]
            estimate = prev.get(index, 0) * rest + cur[index]
            if estimate <= allowance:
                continue
            x = estimate / allowance
            k, start = divmod(phases.get(index, 0), _PHASE)  # ints only: no work for the GC
            if abs(x - k) > STICKY * x:
                k = self._interval(x)
                if k == 1:
                    continue
                start = rng.randrange(k)
            phases[index] = k * _PHASE + (start - count) % k
            if len(batch) == 1:
                out = [0] * n
                out[start::k] = [k] * len(range(start, n, k))
                return out
            if start >= count:
                nexts[index] = _ZERO
            elif count == 1:
                nexts[index] = self._constant(k)
            else:
                every_kth = cycle(chain((k,), repeat(0, k - 1)))
                nexts[index] = chain(repeat(0, start), every_kth).__next__
        if not nexts:
            return None
        # One iterator per distinct index, then a single C-level pass over the batch.
        for index in batch:
            nexts.setdefault(index, _ONE)
        return list(map(call, map(nexts.__getitem__, indexes)))

    def _constant(self, k: int) -> Callable[[], int]:
        """A shared `lambda: k` for the single point of an index (cached per window)."""
        f = self._constants.get(k)
        if f is None:
            f = self._constants[k] = repeat(k).__next__
        return f

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
        """Start window `win`: the fair share comes from the counts of the window that ended."""
        if win == self._win + 1:
            self._prev, self._prev_keys = self._cur, self._cur_keys
        else:
            self._prev, self._prev_keys = {}, 0  # a whole window without traffic
        self._cur, self._cur_keys, self._phases, self._constants = {}, 0, {}, {}
        demands = list(chain.from_iterable(c.values() for c in self._prev.values()))
        self._allowance = water_fill(demands, self._capacity, self._cap)
        self._win = win

    def _shed(self, stream: tuple[str, str], indexes: list[str]) -> Counter[str]:
        """Too many indexes: forget the previous window, then if need be all but this batch."""
        self._prev, self._prev_keys = {}, 0
        if self._cur_keys > self._max_keys:
            cur = Counter(indexes)
            self._cur, self._cur_keys, self._phases = {stream: cur}, len(cur), {}
        return self._cur[stream]


def _interval_odds(x: float) -> tuple[int, float]:
    """(low, p): the interval for rate x is low with probability p, else low + 1."""
    if x >= MAX_INTERVAL:
        return MAX_INTERVAL, 1.0
    low = int(x)
    return low, low * ((low + 1) / x - 1)
