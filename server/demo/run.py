"""One demo run: wait for the server, send the backfill, then live traffic at a steady rate."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable, Iterator

import aiohttp

from .options import DemoOptions, DemoSummary
from .sender import Sender, wait_for_server
from .traffic import Point, generate_points, live_points

Progress = Callable[[int, int], None]

LIVE_TICK_S = 1.0


def _chunks(points: Iterator[Point], size: int) -> Iterator[list[Point]]:
    while chunk := list(itertools.islice(points, size)):
        yield chunk


async def _send_live(sender: Sender, options: DemoOptions, report: Callable[[], None]) -> None:
    """Send `rate` points per second, a batch per tick, for `live` seconds (or forever)."""
    points = live_points(options)
    limit = math.inf if options.live == -1 else int(options.live * options.rate)
    started = time.monotonic()
    sent = 0
    while sent < limit:
        await asyncio.sleep(LIVE_TICK_S)
        elapsed = time.monotonic() - started
        due = int(min(elapsed * options.rate, limit)) - sent
        if due > 0:
            # A slow server makes the next tick's share larger, so the rate catches up.
            await sender.send_all(_chunks(itertools.islice(points, due), options.batch), report)
            sent += due


async def run_demo(options: DemoOptions, progress: Progress | None = None) -> DemoSummary:
    """Backfill `options.points` points over `options.days`, then send live traffic.

    `progress(done, total)` is called after each batch; `total` is 0 when the run is endless.
    """
    options.check()
    started = time.monotonic()
    now_ms = int(time.time() * 1000)
    live_total = 0 if options.live == -1 else int(options.live * options.rate)
    total = 0 if options.live == -1 else options.points + live_total
    timeout = aiohttp.ClientTimeout(total=120, connect=10)
    connector = aiohttp.TCPConnector(limit=options.concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await wait_for_server(session, options)
        sender = Sender(session, options, now_ms)

        def report() -> None:
            if progress is not None:
                progress(sender.accepted, total)

        if progress is not None:
            progress(0, total)
        await sender.send_all(_chunks(generate_points(options, now_ms), options.batch), report)
        if options.live:
            await _send_live(sender, options, report)
    return DemoSummary(
        accepted=sender.accepted,
        stored=sender.stored,
        requests=sender.requests,
        retries=sender.retries,
        elapsed_s=time.monotonic() - started,
    )
