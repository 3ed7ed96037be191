"""The demo's HTTP side: posting batches (retried by server/posting.py under each batch's
Idempotency-Key) and explaining refusals: any answer that is not retried stops the run with a
hint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

import aiohttp
import orjson

from ..posting import GaveUp, post_with_retries
from ..remote import JSON, error_reason, headers, points_url
from .options import TOKEN_ENV, DemoError, DemoOptions
from .traffic import Point


class Sender:
    """Posts batches with bounded concurrency; retries overload answers under the same key."""

    def __init__(self, session: aiohttp.ClientSession, options: DemoOptions, run_id: int) -> None:
        self._session = session
        self._options = options
        self._run_id = run_id
        self._url = points_url(options.url, options.account, options.dataset)
        self._headers = headers(options.token, JSON)
        self.batches = 0
        self.accepted = self.stored = self.requests = self.retries = 0

    async def send_all(
        self, batches: Iterable[list[Point]], on_sent: Callable[[], None] | None = None
    ) -> None:
        """Send every batch, at most `concurrency` in flight; the first fatal error stops all."""
        pending: set[asyncio.Task[None]] = set()
        try:
            for batch in batches:
                if len(pending) >= self._options.concurrency:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()
                self.batches += 1
                pending.add(asyncio.create_task(self._send(batch, self.batches, on_sent)))
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def _send(
        self, batch: list[Point], number: int, on_sent: Callable[[], None] | None
    ) -> None:
        # One key per batch of this run: a retry after a lost answer never counts twice,
        # and a second demo run (a new run id) is not mistaken for a retry of the first.
        key = f"demo-{self._options.seed}-{self._run_id}-{number}"
        headers = {**self._headers, "Idempotency-Key": key}
        self.requests += 1
        try:
            status, payload = await post_with_retries(
                self._session, self._url, orjson.dumps(batch), headers, self._retried
            )
        except GaveUp as e:
            raise DemoError(f"gave up on a batch: {e}") from None
        if status != 200:
            raise DemoError(_explain(status, error_reason(payload)[:300], self._options))
        answer = orjson.loads(payload)
        self.accepted += int(answer.get("accepted", len(batch)))
        self.stored += int(answer.get("stored", 0))
        if on_sent is not None:
            on_sent()

    def _retried(self) -> None:
        self.requests += 1
        self.retries += 1


def _explain(status: int, message: str, options: DemoOptions) -> str:
    if status in (401, 403):
        hint = (
            f"pass a token with write scope for account {options.account!r} "
            f"(--token or {TOKEN_ENV})"
            if not options.token
            else f"check that the token has write scope ('w' or 'rw') for account "
            f"{options.account!r} in the server's USAGEHOUSE_TOKENS"
        )
        return f"the server refused the write ({status}: {message}); {hint}"
    if "retention" in message:
        return f"{message}; lower --days below the server's USAGEHOUSE_RETENTION_DAYS"
    return f"the server answered {status}: {message}"


async def wait_for_server(session: aiohttp.ClientSession, options: DemoOptions) -> None:
    """GET /health, retrying for up to `options.wait` seconds; DemoError if it never answers."""
    deadline = time.monotonic() + options.wait
    url = f"{options.url.rstrip('/')}/health"
    while True:
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return
                problem = f"GET /health answered {response.status}"
        except (aiohttp.ClientError, TimeoutError) as e:
            problem = f"{type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            raise DemoError(
                f"cannot reach usagehouse at {options.url} ({problem}); start it with "
                "`usagehouse serve` or point --url at a running server"
            )
        await asyncio.sleep(1)
