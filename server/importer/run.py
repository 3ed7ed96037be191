"""One import run: read each window of the source page by page, write every page to the
destination unsampled under its own Idempotency-Key, and record each finished window."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from ..posting import GaveUp, post_with_retries
from ..remote import JSON, error_reason, headers, points_url
from .job import ImportFailed, ImportJob, Progress, save_state
from .source import Point, Source, SourceError

#: `report(rows_done, rows_total)` after every page; `rows_total` is the source's count.
Report = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    points: int
    resumed_from: int
    elapsed_s: float


class Destination:
    """A Usagehouse dataset, written with `?sampling=off` (scope `w`): rows keep their
    `_sample_interval` and are not sampled again."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, account: str, token: str, dataset: str
    ) -> None:
        self._session = session
        self._url = points_url(url, account, dataset) + "?sampling=off"
        self._headers = headers(token, JSON)

    async def send(self, points: list[Point], key: str) -> None:
        headers = {**self._headers, "Idempotency-Key": key}
        try:
            status, body = await post_with_retries(
                self._session, self._url, orjson.dumps(points), headers
            )
        except GaveUp as e:
            raise ImportFailed(f"the destination {self._url} {e}") from None
        if status == 200:
            return
        reason = error_reason(body)[:300]
        hint = ""
        if status in (401, 403):
            hint = (
                "; the destination token needs scope w for the account, and the server "
                "must allow unsampled writes (USAGEHOUSE_UNSAMPLED_WRITES=allowed)"
            )
        raise ImportFailed(f"the destination answered {status}: {reason}{hint}")


async def run_import(
    job: ImportJob,
    progress: Progress,
    state: Path,
    source_token: str,
    token: str,
    report: Report | None = None,
) -> ImportSummary:
    """Copy the windows from `progress.done_until` on; the state file is saved after each."""
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=300, connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        source = Source(
            session, job.source_url, job.source_account, source_token, job.source_dataset
        )
        destination = Destination(session, job.url, job.account, token, job.dataset)
        rows, points = progress.rows, progress.points
        try:
            total = rows + await source.count(progress.done_until, job.until)
            if report is not None:
                report(rows, total)
            for start, end in job.windows(progress.done_until):
                offset = 0
                while True:
                    page = await source.page(start, end, job.page_rows, offset)
                    if page:
                        await destination.send(page, f"{job.key_prefix}-{start}-{end}-{offset}")
                    rows += len(page)
                    points += sum(p["_sample_interval"] for p in page)
                    if report is not None:
                        report(rows, max(total, rows))
                    if len(page) < job.page_rows:
                        break
                    offset += len(page)
                save_state(state, job, Progress(end, rows, points))
        except SourceError as e:
            raise ImportFailed(str(e)) from None
    return ImportSummary(rows, points, progress.done_until, time.monotonic() - started)
