"""Exact pre-sampling usage counters, computed at ingest for every meter of the pricing file.

Sampling thins the stored rows, so invoices are computed from these counters instead: per
(meter, customer, dimension value, 15-minute bucket) the number of points and the sum of the
meter's double, before any point is dropped. 15-minute buckets line up with month boundaries
in every time zone, including +05:30 and +05:45.

Late data: a month's invoice is final once the month has been over for the grace period.
Points that arrive later with a timestamp in a final month are counted in the first bucket of
the earliest open month ("billed in the next cycle"), so a final invoice never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .pricing import Meter, Pricing

BUCKET_S = 900


@dataclass(slots=True)
class CounterRows:
    """Counter rows, one list per field. `ingested` is the 15-minute bucket of the points'
    timestamps (it decides the month partition the rows commit with, see storage/schema.py);
    `buckets` the bucket they are billed in, later than `ingested` for late data."""

    meters: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    ingested: list[int] = field(default_factory=list)
    buckets: list[int] = field(default_factory=list)
    points: list[int] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.meters)


def _slot(column: str | None, prefix: str) -> int | None:
    return int(column.removeprefix(prefix)) - 1 if column else None


class Counters:
    """Turns a validated request into counter rows for the meters of its dataset."""

    def __init__(self, pricing: Pricing, grace_hours: float) -> None:
        self._zone = ZoneInfo(pricing.timezone)
        self._grace = timedelta(hours=grace_hours)
        self._by_dataset: dict[str, list[Meter]] = {}
        for meter in pricing.meters:
            self._by_dataset.setdefault(meter.dataset, []).append(meter)

    def open_from(self, now: float) -> int:
        """Epoch seconds where the earliest month that is not yet final starts."""
        local = datetime.fromtimestamp(now, UTC).astimezone(self._zone)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        # Step back while the month that ended at `month_start` is within its grace period.
        while local - month_start < self._grace:
            month_start = (month_start - timedelta(days=1)).replace(day=1)
        return int(month_start.timestamp())

    def rows(
        self,
        dataset: str,
        timestamps: list[int],
        indexes: list[str],
        blobs: list[list[str | None]],
        doubles: list[list[float]],
        now: float,
        weights: list[int] | None = None,
    ) -> CounterRows | None:
        """Aggregated counter rows for one request, or None when no meter reads `dataset`.
        `weights`: how many points each row stands for (an import's `_sample_interval`s)."""
        meters = self._by_dataset.get(dataset)
        if not meters:
            return None
        floor = self.open_from(now)
        out = CounterRows()
        each = weights if weights is not None else [1] * len(timestamps)
        for meter in meters:
            d = _slot(meter.dimension, "blob")
            j = _slot(meter.double_column, "double")
            totals: dict[tuple[str, str, int], list[float]] = {}
            rows = zip(timestamps, indexes, blobs, doubles, each, strict=True)
            for ts, index, b, dd, w in rows:
                dim = (b[d] or "") if d is not None and d < len(b) else ""
                bucket = ts - ts % BUCKET_S
                y = w * float(dd[j]) if j is not None and j < len(dd) else 0.0
                slot = totals.get((index, dim, bucket))
                if slot is None:
                    totals[(index, dim, bucket)] = [w, y]
                else:
                    slot[0] += w
                    slot[1] += y
            for (index, dim, bucket), (n, y) in totals.items():
                out.meters.append(meter.name)
                out.customers.append(index)
                out.dimensions.append(dim)
                out.ingested.append(bucket)
                out.buckets.append(max(bucket, floor))
                out.points.append(int(n))
                out.totals.append(y)
        return out
