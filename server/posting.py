"""POSTing to a server from the CLI's clients (demo, import): overload answers (429, 5xx
gateway) and dropped connections are retried with backoff, honouring Retry-After. A write
carries one Idempotency-Key across its retries, so a retry never counts twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import aiohttp

RETRYABLE = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 30


class GaveUp(Exception):
    """Every attempt was refused with a retryable answer or lost; the message has the last."""


def retry_delay(retry_after: str | None, attempt: int) -> float:
    """Retry-After in seconds when the server sent one, else exponential backoff."""
    if retry_after is not None:
        try:
            seconds = float(retry_after)
            return min(max(seconds, 0.0), 60.0)
        except ValueError:
            pass  # an HTTP date: fall back to backoff
    return min(0.5 * 2.0**attempt, 10.0)


async def post_with_retries(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    on_retry: Callable[[], None] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> tuple[int, bytes]:
    """POST until an answer that is not worth retrying; returns its status and body."""
    last = ""
    for attempt in range(max_attempts):
        if attempt and on_retry is not None:
            on_retry()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                payload = await response.read()
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except (aiohttp.ClientConnectionError, TimeoutError) as e:
            last = f"{type(e).__name__}: {e}"
            await asyncio.sleep(retry_delay(None, attempt))
            continue
        if status not in RETRYABLE:
            return status, payload
        last = f"HTTP {status}: {payload[:300].decode('utf-8', 'replace')}"
        await asyncio.sleep(retry_delay(retry_after, attempt))
    raise GaveUp(f"gave up after {max_attempts} attempts (last: {last})")
