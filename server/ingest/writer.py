"""Group commit: concurrent writes are queued, flushed together as one columnar insert, and
each caller is released only when its rows are committed.

The queue is bounded in points; a full queue answers Overloaded (503 + Retry-After) at once
rather than growing memory. Nothing acknowledged is ever dropped: stop() flushes the queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..billing.counters import CounterRows
from ..errors import AppError, Overloaded, StorageUnavailable
from ..metrics import Metrics
from ..storage import InsertBatch, Storage, new_batch_id, schema
from .idempotency import COUNTER_ROWS

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Pending:
    """One request's rows waiting for a flush."""

    account_id: str
    dataset: str
    timestamps: list[int]
    sample_intervals: list[int]
    indexes: list[str]
    blobs: list[list[str | None]]
    doubles: list[list[float]]
    idempotency_key: str | None = None
    response: dict[str, object] = field(default_factory=dict)
    counters: CounterRows | None = None
    done: asyncio.Future[int] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def __len__(self) -> int:
        return len(self.timestamps)


class BatchWriter:
    """Owns the write queue and the one task that flushes it."""

    def __init__(
        self,
        storage: Storage,
        metrics: Metrics,
        max_queue_points: int,
        max_batch_points: int,
        min_interval_s: float = 0.0,
    ) -> None:
        self._storage = storage
        self._min_interval = min_interval_s
        self._last_start = 0.0
        self._metrics = metrics
        self._max_queue = max_queue_points
        self._max_batch = max_batch_points
        self._queue: deque[Pending] = deque()
        self._queued_points = 0
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def queued_points(self) -> int:
        return self._queued_points

    def is_full(self) -> bool:
        """Whether a write would be refused now: checked before a request's body is read."""
        return self._queued_points >= self._max_queue

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="usagehouse-writer")

    async def stop(self) -> None:
        """Refuse new writes, flush everything queued, then end the flush task."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            await self._task

    async def write(self, pending: Pending) -> int:
        """Queue the rows and wait until they are committed; returns the flush's batch id."""
        if self._stopping:
            raise Overloaded("server is shutting down", retry_after=1)
        if self._queued_points and self._queued_points + len(pending) > self._max_queue:
            self._metrics.ingest_overloaded_total.inc()
            raise Overloaded("write queue is full, retry shortly", retry_after=1)
        self._queue.append(pending)
        self._queued_points += len(pending)
        self._metrics.write_queue_points.set(self._queued_points)
        self._wakeup.set()
        # shield: a client that disconnects must not cancel a write others share.
        return await asyncio.shield(pending.done)

    def _take(self) -> list[Pending]:
        taken: list[Pending] = []
        count = 0
        while self._queue and (not taken or count + len(self._queue[0]) <= self._max_batch):
            item = self._queue.popleft()
            taken.append(item)
            count += len(item)
        return taken

    async def _run(self) -> None:
        while True:
            if not self._queue:
                if self._stopping:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            await self._linger()
            taken = self._take()
            try:
                batch_id = await self._flush(taken)
            except Exception as e:  # the flush task must survive anything
                error = e if isinstance(e, AppError) else StorageUnavailable(f"insert failed: {e}")
                if not isinstance(e, AppError):
                    log.exception("flush failed")
                for item in taken:
                    if not item.done.done():
                        item.done.set_exception(error)
                        item.done.exception()  # mark retrieved: the caller may be gone
            else:
                for item in taken:
                    if not item.done.done():
                        item.done.set_result(batch_id)
            finally:
                self._queued_points -= sum(len(item) for item in taken)
                self._metrics.write_queue_points.set(self._queued_points)

    async def _linger(self) -> None:
        """Under load, start inserts at most every `min_interval`: each insert (a new part)
        costs tens of milliseconds whatever its size, and parts must be merged later, so
        fewer, larger inserts mean less CPU and lower latency. An idle server inserts at once."""
        loop = asyncio.get_running_loop()
        wait = self._last_start + self._min_interval - loop.time()
        if wait > 0 and not self._stopping and self._queued_points < self._max_batch:
            await asyncio.sleep(wait)
        self._last_start = loop.time()

    async def _flush(self, taken: list[Pending]) -> int:
        batch_id = new_batch_id()
        await self._insert_records(taken, batch_id)
        await self._insert_counters(taken, batch_id)
        rows = [item for item in taken if len(item)]
        if not rows:
            return batch_id
        account_ids: list[str] = []
        datasets: list[str] = []
        batch = InsertBatch(account_ids, datasets, [], [], [], [], [], batch_id)
        for item in rows:
            n = len(item)
            account_ids.extend([item.account_id] * n)
            datasets.extend([item.dataset] * n)
            batch.timestamps.extend(item.timestamps)
            batch.sample_intervals.extend(item.sample_intervals)
            batch.indexes.extend(item.indexes)
            batch.blobs.extend(item.blobs)
            batch.doubles.extend(item.doubles)
        started = time.perf_counter()
        await self._storage.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, batch.encode())
        self._metrics.insert_duration_seconds.observe(time.perf_counter() - started)
        self._metrics.insert_batch_points.observe(len(batch))
        return batch_id

    async def _insert_records(self, taken: list[Pending], batch_id: int) -> None:
        """Idempotency records go first: a retry then checks that this batch's counters and
        rows exist, so a crash between the inserts never makes a retry skip unwritten rows."""
        keyed = [item for item in taken if item.idempotency_key is not None]
        if not keyed:
            return
        now = int(time.time())
        records = [
            [item.account_id for item in keyed],
            [item.idempotency_key for item in keyed],
            [batch_id] * len(keyed),
            [orjson.dumps(_record(item)).decode() for item in keyed],
            [now] * len(keyed),
        ]
        await self._storage.insert_columns(
            schema.IDEMPOTENCY_TABLE, schema.IDEMPOTENCY_COLUMNS, orjson.dumps(records)
        )

    async def _insert_counters(self, taken: list[Pending], batch_id: int) -> None:
        """Exact billing counters of the whole flush, before the (sampled) rows."""
        counted = [item for item in taken if item.counters]
        if not counted:
            return
        columns: list[list[object]] = [[] for _ in schema.COUNTER_COLUMNS]
        for item in counted:
            rows = item.counters
            assert rows is not None
            values: tuple[list[Any], ...] = (
                [item.account_id] * len(rows),
                rows.meters,
                rows.customers,
                rows.dimensions,
                rows.buckets,
                rows.points,
                rows.totals,
                [batch_id] * len(rows),
            )
            for column, part in zip(columns, values, strict=True):
                column.extend(part)
        await self._storage.insert_columns(
            schema.COUNTERS_TABLE, schema.COUNTER_COLUMNS, orjson.dumps(columns)
        )


def _record(item: Pending) -> dict[str, object]:
    record = dict(item.response)
    if item.counters:
        record[COUNTER_ROWS] = len(item.counters)
    return record
