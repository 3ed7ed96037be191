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
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime

import orjson

from ..billing.counters import CounterRows
from ..storage import InsertBatch, Rows, join
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
    """One request's stored rows (after sampling), waiting for a flush: encoded by month
    partition as soon as they are made (storage.Rows says why)."""

    account_id: str
    dataset: str
    timestamps: InitVar[list[int]]
    sample_intervals: InitVar[list[int]]
    indexes: InitVar[list[str]]
    blobs: InitVar[list[list[str | None]]]
    doubles: InitVar[list[list[float]]]
    counters: CounterRows | None = None
    record: Record | None = None
    #: Request body bytes: the write queue is bounded in these as well as in points.
    nbytes: int = 0
    done: asyncio.Future[int] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    #: The rows of each month partition they fall in.
    rows: dict[int, Rows] = field(init=False)
    count: int = field(init=False)

    def __post_init__(
        self,
        timestamps: list[int],
        sample_intervals: list[int],
        indexes: list[str],
        blobs: list[list[str | None]],
        doubles: list[list[float]],
    ) -> None:
        self.count = len(timestamps)
        self.rows = {}
        if not timestamps:
            return
        first, last = month_of(min(timestamps)), month_of(max(timestamps))
        if first == last:  # the usual case
            columns = (timestamps, sample_intervals, indexes, blobs, doubles)
            self.rows[first] = Rows.encode(self.account_id, self.dataset, *columns)
            return
        by_month: dict[int, list[int]] = {}
        for i, month in enumerate(months_of(timestamps)):
            by_month.setdefault(month, []).append(i)
        for month, picks in by_month.items():
            self.rows[month] = Rows.encode(
                self.account_id,
                self.dataset,
                [timestamps[i] for i in picks],
                [sample_intervals[i] for i in picks],
                [indexes[i] for i in picks],
                [blobs[i] for i in picks],
                [doubles[i] for i in picks],
            )

    def __len__(self) -> int:
        return self.count


@dataclass(frozen=True, slots=True)
class MonthInsert:
    """One INSERT of a flush: the rows of one month partition, written as one part."""

    month: int
    rows: list[Rows]
    batch: int

    def __len__(self) -> int:
        return sum(rows.count for rows in self.rows)

    def encode(self) -> bytes:
        return join(self.rows, self.batch)


def _empty(batch_id: int) -> InsertBatch:
    return InsertBatch([], [], [], [], [], [], [], batch_id)


def _add(
    batch: InsertBatch,
    account_id: str,
    dataset: str,
    ts: int,
    index: str,
    blobs: list[str | None],
    doubles: list[float],
) -> None:
    """A bookkeeping row: it stands for no points (`_sample_interval` 0)."""
    batch.account_ids.append(account_id)
    batch.datasets.append(dataset)
    batch.timestamps.append(ts)
    batch.sample_intervals.append(0)
    batch.indexes.append(index)
    batch.blobs.append(blobs)
    batch.doubles.append(doubles)


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
        _add(batch, item.account_id, RECORDS_DATASET, anchor, record.key, blobs, doubles)


def build_inserts(taken: list[Pending], batch_id: int) -> list[MonthInsert]:
    """The inserts that commit `taken`: one per month partition, each holding that month's
    points, the counters of those points and the records of the requests that wrote them.
    The points are already encoded; the bookkeeping rows (few: counters are aggregated, a
    record is a row a month) are gathered and encoded here."""
    points: dict[int, list[Rows]] = {}
    bookkeeping: dict[int, InsertBatch] = {}
    for item in taken:
        for month, rows in item.rows.items():
            points.setdefault(month, []).append(rows)
        _add_counters(bookkeeping, item, batch_id)
        _add_record(bookkeeping, item, batch_id)
    for month, batch in bookkeeping.items():
        points.setdefault(month, []).append(batch.rows())
    return [MonthInsert(month, points[month], batch_id) for month in sorted(points)]
