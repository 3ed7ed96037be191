"""The write path: parse -> validate (WAE limits) -> sample -> group-commit writer.

`Ingestor.admit` and `Ingestor.write` are what the HTTP handler calls; they know nothing about
aiohttp. Bodies over `pieces.PIECE_BYTES` are parsed and validated in a thread.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

from ..billing.counters import Counters
from ..errors import InvalidDataPoint, Overloaded
from ..metrics import Metrics
from . import pieces
from . import points as pts
from .idempotency import IdempotencyStore, check_key
from .sampler import Sampler
from .writer import BatchWriter, Pending

Response = dict[str, object]


class Ingestor:
    """Turns one write request into committed rows and WAE's answer."""

    def __init__(
        self,
        *,
        writer: BatchWriter,
        sampler: Sampler,
        idempotency: IdempotencyStore,
        metrics: Metrics,
        retention_days: int,
        max_points_per_request: int,
        counters: Counters | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._counters = counters
        self._writer = writer
        self._sampler = sampler
        self._idempotency = idempotency
        self._metrics = metrics
        self._retention_days = retention_days
        self._max_points = max_points_per_request
        self._clock = clock

    def admit(self, account_id: str, dataset: str) -> None:
        """The checks that need no body: names, and room in the write queue. The HTTP layer
        calls this before it reads the body, so a full queue costs a refused client nothing."""
        pts.check_account(account_id)
        pts.check_dataset(dataset)
        if self._writer.is_full():
            self._metrics.ingest_overloaded_total.inc()
            raise Overloaded("write queue is full, retry shortly", retry_after=1)

    async def write(
        self,
        account_id: str,
        dataset: str,
        body: bytes,
        content_type: str,
        idempotency_key: str | None = None,
    ) -> Response:
        """Validate, sample and commit one request; returns `{"ok", "accepted", "stored"}`."""
        self.admit(account_id, dataset)
        if idempotency_key is None:
            return await self._write(account_id, dataset, body, content_type, None)
        check_key(idempotency_key)
        claim = await self._idempotency.claim(account_id, idempotency_key)
        if claim.response is not None:
            return claim.response
        try:
            response = await self._write(
                account_id, dataset, body, content_type, idempotency_key, claim.counters_written
            )
        except BaseException as e:
            self._idempotency.finish(account_id, idempotency_key, None, e)
            raise
        self._idempotency.finish(account_id, idempotency_key, response)
        return response

    async def _write(
        self,
        account_id: str,
        dataset: str,
        body: bytes,
        content_type: str,
        key: str | None,
        counted: bool = False,
    ) -> Response:
        now = self._clock()
        label = self._metrics.dataset_label(dataset)
        if len(body) > pieces.PIECE_BYTES:
            points = await asyncio.to_thread(self._points, body, content_type, now, label)
        else:
            points = self._points(body, content_type, now, label)
        accepted = len(points)
        intervals = self._sampler.sample(account_id, dataset, points.indexes, now)
        if intervals is None:
            pending = Pending(
                account_id,
                dataset,
                points.timestamps,
                [1] * accepted,
                points.indexes,
                points.blobs,
                points.doubles,
                key,
            )
        else:
            keep = [i for i, interval in enumerate(intervals) if interval > 0]
            pending = Pending(
                account_id,
                dataset,
                [points.timestamps[i] for i in keep],
                [intervals[i] for i in keep],
                [points.indexes[i] for i in keep],
                [points.blobs[i] for i in keep],
                [points.doubles[i] for i in keep],
                key,
            )
        if self._counters is not None and not counted:
            pending.counters = self._counters.rows(
                dataset, points.timestamps, points.indexes, points.blobs, points.doubles, now
            )
        stored = len(pending)
        pending.response = {"ok": True, "accepted": accepted, "stored": stored}
        await self._writer.write(pending)
        self._metrics.ingest_points_accepted_total.labels(label).inc(accepted)
        self._metrics.ingest_points_stored_total.labels(label).inc(stored)
        tally = [(1, stored)] if intervals is None else Counter(pending.sample_intervals).items()
        self._metrics.sample_interval.add(label, tally)
        return pending.response

    def _points(self, body: bytes, content_type: str, now: float, label: str) -> pts.Points:
        """Parse and validate a piece at a time, so memory holds only valid points; pure, so
        large bodies run it in a thread."""
        points = pts.Points([], [], [], [])
        for items in pts.read_pieces(body, content_type, self._max_points):
            try:
                points.extend(pts.validate(items, int(now), self._retention_days, len(points)))
            except InvalidDataPoint:
                # a large body refused early counts the points read up to the bad one
                rejected = len(points) + len(items)
                self._metrics.ingest_points_rejected_total.labels(label).inc(rejected)
                raise
        return points
