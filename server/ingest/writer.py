"""Group commit: concurrent writes are queued, flushed together, and each caller is released
only when its rows are committed (what a commit holds is ingest/commit.py's concern).

The queue is bounded in points and in request bytes, in total and per account, and a full
queue answers Overloaded (503 + Retry-After) at once rather than growing memory. Accounts take
turns in every flush, so one account's backlog delays another's write by at most one flush.
Nothing acknowledged is ever dropped: stop() flushes the queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass

from ..errors import AppError, InsertOutcomeUnknown, Overloaded, StorageUnavailable
from ..metrics import Metrics
from ..storage import Storage, new_batch_id, schema
from .commit import Pending, build_inserts

log = logging.getLogger(__name__)

#: Tries of one insert whose outcome is unknown (a broken connection, a timeout) before the
#: flush fails; each repeats the insert's deduplication token, so the rows are stored once.
INSERT_TRIES = 3
RETRY_DELAY_S = 0.2


@dataclass(frozen=True, slots=True)
class QueueLimits:
    """How much the write queue may hold, in total and for one account."""

    max_points: int
    max_bytes: int
    account_share: float = 1.0

    def full(self, points: int, nbytes: int, share: float = 1.0) -> bool:
        return points > self.max_points * share or nbytes > self.max_bytes * share


def next_insert_at(last_start: float, last_end: float, min_interval: float) -> float:
    """When the next insert may start, given when the last one started and ended.

    Inserts start at most every `min_interval`: each insert (a new part) costs tens of
    milliseconds whatever its size, and parts must be merged later, so fewer, larger inserts
    mean less CPU and lower latency.

    An insert that took longer than `min_interval` means the server is saturated: the next one
    then also waits half that insert's time (at most `min_interval`) after it ended, so that
    the clients it acknowledged can send their next requests into it. Under `wrk -c32` that
    doubled the rows per insert (15k to 31k) and cut the server's CPU per point by ~15 %,
    mostly merging; waiting the whole interval instead added ~50 ms to the ack p99 at half
    load (benchmarks/ingest.py)."""
    took = last_end - last_start
    if took > min_interval:
        return last_end + min(min_interval, took / 2)
    return last_start + min_interval


class BatchWriter:
    """Owns the write queue and the one task that flushes it."""

    def __init__(
        self,
        storage: Storage,
        metrics: Metrics,
        limits: QueueLimits,
        max_batch_points: int,
        min_interval_s: float = 0.0,
    ) -> None:
        self._storage = storage
        self._min_interval = min_interval_s
        self._last_start = 0.0
        self._last_end = 0.0
        self._metrics = metrics
        self._limits = limits
        self._max_batch = max_batch_points
        # One queue per account, served in turn; an account is in `_turns` while it has work.
        self._queues: dict[str, deque[Pending]] = {}
        self._turns: deque[str] = deque()
        self._queued_points = 0
        self._queued_bytes = 0
        self._account_load: dict[str, tuple[int, int]] = {}
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def queued_points(self) -> int:
        return self._queued_points

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="usagehouse-writer")

    async def stop(self) -> None:
        """Refuse new writes, flush everything queued, then end the flush task."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            await self._task

    def admit(self, account_id: str, points: int = 0, nbytes: int = 0) -> None:
        """Raise Overloaded unless the queue has room for `points` and `nbytes` more of this
        account's (also called before a request body is read, with what its headers say).
        An empty queue always admits one request, however large, so progress never stops."""
        if self._stopping:
            raise Overloaded("server is shutting down", retry_after=1)
        if not self._queued_points and not self._queued_bytes:
            return
        mine_points, mine_bytes = self._account_load.get(account_id, (0, 0))
        limits = self._limits
        if (mine_points or mine_bytes) and limits.full(
            mine_points + points, mine_bytes + nbytes, limits.account_share
        ):
            self._metrics.ingest_overloaded_total.inc()
            raise Overloaded(
                "this account's share of the write queue is full, retry shortly", retry_after=1
            )
        if limits.full(self._queued_points + points, self._queued_bytes + nbytes):
            self._metrics.ingest_overloaded_total.inc()
            raise Overloaded("write queue is full, retry shortly", retry_after=1)

    async def write(self, pending: Pending) -> int:
        """Queue the rows and wait until they are committed; returns the flush's batch id."""
        self.admit(pending.account_id, len(pending), pending.nbytes)
        queue = self._queues.get(pending.account_id)
        if queue is None:
            queue = self._queues[pending.account_id] = deque()
            self._turns.append(pending.account_id)
        queue.append(pending)
        self._count(pending, +1)
        self._wakeup.set()
        # shield: a client that disconnects must not cancel a write others share.
        return await asyncio.shield(pending.done)

    def _count(self, item: Pending, sign: int) -> None:
        points, nbytes = sign * len(item), sign * item.nbytes
        self._queued_points += points
        self._queued_bytes += nbytes
        mine_points, mine_bytes = self._account_load.get(item.account_id, (0, 0))
        if mine_points + points or mine_bytes + nbytes:
            self._account_load[item.account_id] = (mine_points + points, mine_bytes + nbytes)
        else:
            self._account_load.pop(item.account_id, None)
        self._metrics.write_queue_points.set(self._queued_points)

    def _take(self) -> list[Pending]:
        """Up to `max_batch` points, one request per account in turn (at least one request)."""
        taken: list[Pending] = []
        count = 0
        while self._turns:
            account = self._turns[0]
            queue = self._queues[account]
            if taken and count + len(queue[0]) > self._max_batch:
                break
            item = queue.popleft()
            taken.append(item)
            count += len(item)
            self._turns.popleft()
            if queue:
                self._turns.append(account)
            else:
                del self._queues[account]
        return taken

    async def _run(self) -> None:
        while True:
            if not self._turns:
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
                self._last_end = asyncio.get_running_loop().time()
                for item in taken:
                    self._count(item, -1)

    async def _linger(self) -> None:
        """Under load, start inserts at most every `min_interval` (`next_insert_at`); an idle
        server inserts at once."""
        loop = asyncio.get_running_loop()
        start = next_insert_at(self._last_start, self._last_end, self._min_interval)
        wait = start - loop.time()
        if wait > 0 and not self._stopping and self._queued_points < self._max_batch:
            await asyncio.sleep(wait)
        self._last_start = loop.time()

    async def _flush(self, taken: list[Pending]) -> int:
        batch_id = new_batch_id()
        for insert in build_inserts(taken, batch_id):
            started = time.perf_counter()
            await self._insert(insert.encode(), f"{batch_id}-{insert.month}")
            self._metrics.insert_duration_seconds.observe(time.perf_counter() - started)
        self._metrics.insert_batch_points.observe(sum(len(item) for item in taken))
        return batch_id

    async def _insert(self, data: bytes, token: str) -> None:
        """One month's insert, repeated with its token while its outcome is unknown."""
        for attempt in range(1, INSERT_TRIES + 1):
            try:
                await self._storage.insert_columns(
                    schema.TABLE, schema.INSERT_COLUMNS, data, token=token
                )
                return
            except InsertOutcomeUnknown:
                if attempt == INSERT_TRIES:
                    raise
                log.warning(
                    "insert %s failed, trying again (%d of %d)", token, attempt, INSERT_TRIES
                )
                self._metrics.insert_retries_total.inc()
                await asyncio.sleep(RETRY_DELAY_S * attempt)
