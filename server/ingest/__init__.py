"""The write path: parse -> validate (WAE limits) -> sample -> group-commit writer.

`Ingestor.admit` and `Ingestor.write` are what the HTTP handler calls; they know nothing about
aiohttp. Bodies over `pieces.PIECE_BYTES` are parsed and validated in a thread.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable

from ..billing.counters import Counters
from ..errors import InvalidDataPoint
from ..metrics import Metrics
from . import pieces
from . import points as pts
from .commit import Pending, Record, month_of, months_of
from .idempotency import IdempotencyStore, check_key, fingerprint
from .sampler import Sampler
from .writer import BatchWriter

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

    def admit(self, account_id: str, dataset: str, nbytes: int = 0) -> None:
        """The checks that need no body: names, and room in the write queue for `nbytes` more
        of this account's. The HTTP layer calls this before it reads the body (with the
        declared length), so a full queue costs a refused client nothing."""
        pts.check_account(account_id)
        pts.check_dataset(dataset)
        self._writer.admit(account_id, 0, nbytes)

    async def write(
        self,
        account_id: str,
        dataset: str,
        body: bytes,
        content_type: str,
        idempotency_key: str | None = None,
        sampled: bool = True,
    ) -> Response:
        """Validate, sample (unless not `sampled`: an import) and commit one request; returns
        `{"ok", "accepted", "stored"}`."""
        self.admit(account_id, dataset)
        if idempotency_key is None:
            return await self._write(account_id, dataset, body, content_type, sampled=sampled)
        check_key(idempotency_key)
        print_ = fingerprint(dataset, content_type, body)
        claim = await self._idempotency.claim(account_id, idempotency_key, print_)
        if claim.response is not None:
            return claim.response
        key = (idempotency_key, print_)
        try:
            response = await self._write(
                account_id,
                dataset,
                body,
                content_type,
                key,
                claim.committed_months,
                sampled=sampled,
            )
        except BaseException as e:
            self._idempotency.finish(account_id, idempotency_key, None, e)
            raise
        self._idempotency.finish(account_id, idempotency_key, (print_, response))
        return response

    async def _write(
        self,
        account_id: str,
        dataset: str,
        body: bytes,
        content_type: str,
        key: tuple[str, str] | None = None,
        committed_months: frozenset[int] = frozenset(),
        *,
        sampled: bool = True,
    ) -> Response:
        now = self._clock()
        label = self._metrics.dataset_label(dataset)
        if len(body) > pieces.PIECE_BYTES:
            points = await asyncio.to_thread(self._points, body, content_type, now, label, sampled)
        else:
            points = self._points(body, content_type, now, label, sampled)
        accepted = len(points)
        response: Response = {"ok": True, "accepted": accepted, "stored": 0}
        record = None
        if key is not None:
            record = _record(key, response, points.timestamps, int(now), committed_months)
            if committed_months:
                # An earlier attempt committed these months (points, counters, record) before
                # it was interrupted: write only the rest.
                points = _without_months(points, committed_months)
        pending, tally = self._sampled(account_id, dataset, points, now, sampled)
        if self._counters is not None:
            pending.counters = self._counters.rows(
                dataset,
                points.timestamps,
                points.indexes,
                points.blobs,
                points.doubles,
                now,
                points.intervals,
            )
        pending.record = record
        pending.nbytes = len(body)
        response["stored"] = len(pending)
        await self._writer.write(pending)
        self._metrics.ingest_points_accepted_total.labels(label).inc(accepted)
        self._metrics.ingest_points_stored_total.labels(label).inc(len(pending))
        self._metrics.sample_interval.add(label, tally)
        return response

    def _points(
        self, body: bytes, content_type: str, now: float, label: str, sampled: bool = True
    ) -> pts.Points:
        """Parse and validate: a small JSON body of valid points in one pass (`decode_valid`),
        anything else a piece at a time, so memory holds only valid points; pure, so large
        bodies run it in a thread. An import (not `sampled`) may carry each row's
        `_sample_interval`."""
        fields = pts.FIELDS if sampled else pts.IMPORT_FIELDS
        if len(body) <= pieces.PIECE_BYTES and content_type not in pts.NDJSON_TYPES:
            fast = pts.decode_valid(body, int(now), self._retention_days, self._max_points, fields)
            if fast is not None:
                return fast
        points = pts.Points([], [], [], [])
        for items in pts.read_pieces(body, content_type, self._max_points):
            try:
                piece = pts.validate(items, int(now), self._retention_days, len(points), fields)
                if not sampled:
                    piece.intervals = pts.sample_intervals(items, len(points))
                points.extend(piece)
            except InvalidDataPoint:
                # a large body refused early counts the points read up to the bad one
                rejected = len(points) + len(items)
                self._metrics.ingest_points_rejected_total.labels(label).inc(rejected)
                raise
        return points

    def _sampled(
        self, account_id: str, dataset: str, points: pts.Points, now: float, sampled: bool
    ) -> tuple[Pending, Iterable[tuple[int, int]]]:
        """The rows to store: all of them, or the sampler's picks with their intervals; and how
        many rows have each interval. An import (not `sampled`) skips the sampler: it is not
        thinned and uses no index's share, and its rows keep the intervals they had at their
        source."""
        intervals = (
            self._sampler.sample(account_id, dataset, points.indexes, now) if sampled else None
        )
        if intervals is None:
            kept = points.intervals
            if kept is not None:
                tally: Iterable[tuple[int, int]] = Counter(kept).items()
            else:
                tally = [(1, len(points))] if len(points) else []
            pending = Pending(
                account_id,
                dataset,
                points.timestamps,
                kept or [1] * len(points),
                points.indexes,
                points.blobs,
                points.doubles,
            )
            return pending, tally
        keep = [i for i, interval in enumerate(intervals) if interval > 0]
        stored = [intervals[i] for i in keep]
        pending = Pending(
            account_id,
            dataset,
            [points.timestamps[i] for i in keep],
            stored,
            [points.indexes[i] for i in keep],
            [points.blobs[i] for i in keep],
            [points.doubles[i] for i in keep],
        )
        return pending, Counter(stored).items()


def _record(
    key: tuple[str, str],
    response: Response,
    timestamps: list[int],
    now: int,
    committed: frozenset[int],
) -> Record:
    """The request's idempotency record: a row in each month its points fall in (the current
    month for a request without points) that is not `committed` yet. `response` is filled in
    before the flush."""
    anchors: dict[int, int] = {}
    for month, ts in zip(months_of(timestamps), timestamps, strict=True):
        anchors.setdefault(month, ts)
    if not anchors:
        anchors[month_of(now)] = now
    todo = {month: ts for month, ts in anchors.items() if month not in committed}
    return Record(key[0], key[1], response, tuple(todo), tuple(todo.values()), len(anchors))


def _without_months(points: pts.Points, months: frozenset[int]) -> pts.Points:
    keep = [i for i, month in enumerate(months_of(points.timestamps)) if month not in months]
    intervals = points.intervals
    return pts.Points(
        [points.timestamps[i] for i in keep],
        [points.indexes[i] for i in keep],
        [points.blobs[i] for i in keep],
        [points.doubles[i] for i in keep],
        None if intervals is None else [intervals[i] for i in keep],
    )
