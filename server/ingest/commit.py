"""What one commit consists of: the rows of the requests a flush takes, their exact billing
counters and their idempotency records, cut into one insert per month partition.

Each insert goes into one partition of the points table, which ClickHouse writes as one part:
all of its rows become visible together or not at all, even if the process is killed. So the
counters of a point and the record of its request commit with the point itself (the row layout
is in storage/schema.py), and a retry finds either everything of a month or nothing of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from ..billing.counters import CounterRows
from ..storage import InsertBatch
from ..storage.schema import COUNTERS_DATASET, RECORDS_DATASET


def month_of(ts: int) -> int:
    """The month partition (`toYYYYMM(timestamp)` in UTC) of an epoch second."""
    day = datetime.fromtimestamp(ts, UTC)
    return day.year * 100 + day.month


def months_of(timestamps: Iterable[int]) -> list[int]:
    """The partition of each timestamp; days are looked up once (a batch spans few)."""
    by_day: dict[int, int] = {}
    out = []
    for ts in timestamps:
        day = ts // 86400
        month = by_day.get(day)
        if month is None:
            month = by_day[day] = month_of(ts)
        out.append(month)
    return out


@dataclass(frozen=True, slots=True)
class Record:
    """What an Idempotency-Key remembers: the answer and the request's fingerprint, in a row
    in each month partition this flush writes for the request (`months`, with a timestamp in
    each: `anchors`), and how many months the whole request spans (`parts`)."""

    key: str
    fingerprint: str
    response: dict[str, object]
    months: tuple[int, ...]
    anchors: tuple[int, ...]
    parts: int


@dataclass(slots=True)
class Pending:
    """One request's stored rows (after sampling), waiting for a flush."""

    account_id: str
    dataset: str
    timestamps: list[int]
    sample_intervals: list[int]
    indexes: list[str]
    blobs: list[list[str | None]]
    doubles: list[list[float]]
    counters: CounterRows | None = None
    record: Record | None = None
    #: Request body bytes: the write queue is bounded in these as well as in points.
    nbytes: int = 0
    done: asyncio.Future[int] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def __len__(self) -> int:
        return len(self.timestamps)


def _empty(batch_id: int) -> InsertBatch:
    return InsertBatch([], [], [], [], [], [], [], batch_id)


def _add(
    batch: InsertBatch,
    account_id: str,
    dataset: str,
    ts: int,
    interval: int,
    index: str,
    blobs: list[str | None],
    doubles: list[float],
) -> None:
    batch.account_ids.append(account_id)
    batch.datasets.append(dataset)
    batch.timestamps.append(ts)
    batch.sample_intervals.append(interval)
    batch.indexes.append(index)
    batch.blobs.append(blobs)
    batch.doubles.append(doubles)


def _add_points(parts: dict[int, InsertBatch], item: Pending, batch_id: int) -> None:
    if not item.timestamps:
        return
    first, last = month_of(min(item.timestamps)), month_of(max(item.timestamps))
    if first == last:  # the usual case: extend column by column
        batch = parts.setdefault(first, _empty(batch_id))
        n = len(item)
        batch.account_ids.extend([item.account_id] * n)
        batch.datasets.extend([item.dataset] * n)
        batch.timestamps.extend(item.timestamps)
        batch.sample_intervals.extend(item.sample_intervals)
        batch.indexes.extend(item.indexes)
        batch.blobs.extend(item.blobs)
        batch.doubles.extend(item.doubles)
        return
    rows = zip(
        months_of(item.timestamps),
        item.timestamps,
        item.sample_intervals,
        item.indexes,
        item.blobs,
        item.doubles,
        strict=True,
    )
    for month, ts, interval, index, blobs, doubles in rows:
        batch = parts.setdefault(month, _empty(batch_id))
        _add(batch, item.account_id, item.dataset, ts, interval, index, blobs, doubles)


def _add_counters(parts: dict[int, InsertBatch], item: Pending, batch_id: int) -> None:
    rows = item.counters
    if not rows:
        return
    columns = zip(
        months_of(rows.ingested),
        rows.ingested,
        rows.meters,
        rows.customers,
        rows.dimensions,
        rows.points,
        rows.totals,
        rows.buckets,
        strict=True,
    )
    for month, ingested, meter, customer, dimension, points, total, bucket in columns:
        batch = parts.setdefault(month, _empty(batch_id))
        doubles = [float(points), total, float(bucket)]
        _add(
            batch,
            item.account_id,
            COUNTERS_DATASET,
            ingested,
            0,
            customer,
            [meter, dimension],
            doubles,
        )


def _add_record(parts: dict[int, InsertBatch], item: Pending, batch_id: int) -> None:
    record = item.record
    if record is None:
        return
    response = orjson.dumps(record.response).decode()
    for month, anchor in zip(record.months, record.anchors, strict=True):
        batch = parts.setdefault(month, _empty(batch_id))
        blobs: list[str | None] = [response, record.fingerprint]
        doubles = [float(record.parts)]
        _add(batch, item.account_id, RECORDS_DATASET, anchor, 0, record.key, blobs, doubles)


def build_inserts(taken: list[Pending], batch_id: int) -> list[InsertBatch]:
    """The inserts that commit `taken`: one per month partition, each holding that month's
    points, the counters of those points and the records of the requests that wrote them."""
    parts: dict[int, InsertBatch] = {}
    for item in taken:
        _add_points(parts, item, batch_id)
        _add_counters(parts, item, batch_id)
        _add_record(parts, item, batch_id)
    return [parts[month] for month in sorted(parts)]
