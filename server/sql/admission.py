"""Admission of user queries: how many of one account's queries, and of all accounts', may run
at once, so that one tenant's heavy queries cannot take every turn of the engine.

Each account has its own line: at most `per_account` of its queries run, up to `queued` more
wait in order (a dashboard's panels arrive together), and the next one is refused at once with
429. Across accounts at most `total` run. Internal queries (billing, idempotency) never pass here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from ..config import Settings, env_name
from ..errors import TooManyQueries

RETRY_AFTER_S = 1
_PER_ACCOUNT = env_name("sql_max_concurrent_per_account")
_QUEUED = env_name("sql_max_queued_per_account")
_TOTAL = env_name("sql_max_concurrent")


@dataclass
class _Line:
    """One account's queries: a semaphore for the running ones, a count of all in flight."""

    running: asyncio.Semaphore
    in_flight: int = field(default=0)


class QueryGate:
    """Per-account and server-wide limits on concurrently running user queries."""

    def __init__(self, per_account: int, queued: int, total: int, max_wait_s: float) -> None:
        self._per_account = per_account
        self._queued = queued
        self._total_limit = total
        self._total = asyncio.Semaphore(total)
        self._max_wait_s = max_wait_s
        self._lines: dict[str, _Line] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryGate:
        """The gate USAGEHOUSE_SQL_MAX_* ask for; a query waits at most as long as it may run."""
        return cls(
            settings.sql_max_concurrent_per_account,
            settings.sql_max_queued_per_account,
            settings.sql_max_concurrent,
            settings.sql_timeout_s,
        )

    def in_flight(self, account_id: str) -> int:
        """The account's queries running or waiting to run."""
        line = self._lines.get(account_id)
        return 0 if line is None else line.in_flight

    @asynccontextmanager
    async def admit(self, account_id: str) -> AsyncIterator[None]:
        """Hold a turn to run one of the account's queries for the body of the `async with`.

        Raises TooManyQueries when the account's line is full, or when no turn came within
        `max_wait_s`."""
        line = self._lines.get(account_id)
        if line is None:
            line = self._lines[account_id] = _Line(asyncio.Semaphore(self._per_account))
        if line.in_flight >= self._per_account + self._queued:
            raise TooManyQueries(
                f"too many queries: this account already has {self._per_account} running and "
                f"{self._queued} waiting ({_PER_ACCOUNT}, {_QUEUED}); retry when one has "
                "finished",
                retry_after=RETRY_AFTER_S,
            )
        line.in_flight += 1
        try:
            await self._wait_for_turn(line)
            try:
                yield
            finally:
                self._total.release()
                line.running.release()
        finally:
            line.in_flight -= 1
            if line.in_flight == 0:
                del self._lines[account_id]

    async def _wait_for_turn(self, line: _Line) -> None:
        """Take the account's slot, then a server-wide one, within `max_wait_s`."""
        limit = f"the account's other queries held all {self._per_account} of its turns"
        limit += f" ({_PER_ACCOUNT})"
        try:
            async with asyncio.timeout(self._max_wait_s):
                await line.running.acquire()
                limit = f"the server ran {self._total_limit} queries of all accounts ({_TOTAL})"
                try:
                    await self._total.acquire()
                except BaseException:
                    line.running.release()
                    raise
        except TimeoutError:
            raise TooManyQueries(
                f"too many queries: no turn to run came within {self._max_wait_s:g} s; {limit}",
                retry_after=RETRY_AFTER_S,
            ) from None
