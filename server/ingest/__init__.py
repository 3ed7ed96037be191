"""The write path: parse -> validate (WAE limits) -> sample -> group-commit writer.

`Ingestor.write` is what the HTTP handler calls; it knows nothing about aiohttp.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from ..billing.counters import Counters
from ..errors import PayloadTooLarge
from ..metrics import Metrics
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
        pts.check_account(account_id)
        pts.check_dataset(dataset)
        if idempotency_key is None:
            return await self._write(account_id, dataset, body, content_type, None, sampled=sampled)
        check_key(idempotency_key)
        claim = await self._idempotency.claim(account_id, idempotency_key)
        if claim.response is not None:
            return claim.response
        try:
            response = await self._write(
                account_id,
                dataset,
                body,
                content_type,
                idempotency_key,
                claim.counters_written,
                sampled=sampled,
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
        *,
        sampled: bool = True,
    ) -> Response:
        items = pts.parse_body(body, content_type)
        if len(items) > self._max_points:
            raise PayloadTooLarge(
                f"{len(items)} points in one request; the limit is {self._max_points} "
                "(USAGEHOUSE_MAX_POINTS_PER_REQUEST)",
                limit=self._max_points,
            )
        now = self._clock()
        try:
            points = pts.validate(items, int(now), self._retention_days)
        except Exception:
            label = self._metrics.dataset_label(dataset)
            self._metrics.ingest_points_rejected_total.labels(label).inc(len(items))
            raise
        accepted = len(points)
        # An import skips the sampler: it neither is thinned nor uses any index's share.
        intervals = (
            self._sampler.sample(account_id, dataset, points.indexes, now) if sampled else None
        )
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
        label = self._metrics.dataset_label(dataset)
        self._metrics.ingest_points_accepted_total.labels(label).inc(accepted)
        self._metrics.ingest_points_stored_total.labels(label).inc(stored)
        tally = [(1, stored)] if intervals is None else Counter(pending.sample_intervals).items()
        self._metrics.sample_interval.add(label, tally)
        return pending.response
