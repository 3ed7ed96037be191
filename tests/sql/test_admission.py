"""QueryGate: per-account and server-wide turns for user queries, and no turn is ever lost."""

from __future__ import annotations

import asyncio

import pytest

from server.errors import TooManyQueries
from server.sql.admission import QueryGate


class Holder:
    """A query that takes a turn and keeps it until `finish()` (or fails when told to)."""

    def __init__(self, gate: QueryGate, account: str) -> None:
        self.entered = asyncio.Event()
        self._done = asyncio.Event()
        self._error: Exception | None = None
        self.task = asyncio.create_task(self._run(gate, account))

    async def _run(self, gate: QueryGate, account: str) -> None:
        async with gate.admit(account):
            self.entered.set()
            await self._done.wait()
            if self._error is not None:
                raise self._error

    def finish(self, error: Exception | None = None) -> None:
        self._error = error
        self._done.set()


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_an_account_past_its_running_and_queued_queries_is_refused_at_once():
    gate = QueryGate(per_account=1, queued=1, total=8, max_wait_s=60)
    running = Holder(gate, "B")
    waiting = Holder(gate, "B")
    await settle()
    assert running.entered.is_set() and not waiting.entered.is_set()
    assert gate.in_flight("B") == 2
    with pytest.raises(TooManyQueries) as refused:
        async with gate.admit("B"):
            pytest.fail("a third query of B must not run")
    assert refused.value.status == 429
    assert refused.value.retry_after == 1
    assert "USAGEHOUSE_SQL_MAX_CONCURRENT_PER_ACCOUNT" in refused.value.message
    assert "USAGEHOUSE_SQL_MAX_QUEUED_PER_ACCOUNT" in refused.value.message
    other = Holder(gate, "A")
    await settle()
    assert other.entered.is_set()
    running.finish()
    await settle()
    assert waiting.entered.is_set()
    waiting.finish()
    other.finish()
    await asyncio.gather(running.task, waiting.task, other.task)
    assert gate.in_flight("A") == gate.in_flight("B") == 0


async def test_the_server_wide_limit_makes_other_accounts_wait_for_a_turn():
    gate = QueryGate(per_account=2, queued=0, total=1, max_wait_s=60)
    first = Holder(gate, "A")
    second = Holder(gate, "B")
    await settle()
    assert first.entered.is_set() and not second.entered.is_set()
    first.finish()
    await settle()
    assert second.entered.is_set()
    second.finish()
    await asyncio.gather(first.task, second.task)


async def test_turns_come_back_after_errors_and_cancellations():
    gate = QueryGate(per_account=1, queued=2, total=1, max_wait_s=60)
    failing = Holder(gate, "B")
    cancelled_waiting = Holder(gate, "B")
    other_waiting = Holder(gate, "A")  # waits for the server-wide turn
    await settle()
    cancelled_waiting.task.cancel()
    other_waiting.task.cancel()
    failing.finish(ValueError("engine error"))
    results = await asyncio.gather(
        failing.task, cancelled_waiting.task, other_waiting.task, return_exceptions=True
    )
    assert [type(r) for r in results] == [
        ValueError,
        asyncio.CancelledError,
        asyncio.CancelledError,
    ]
    cancelled_running = Holder(gate, "B")
    await cancelled_running.entered.wait()
    cancelled_running.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled_running.task
    assert gate.in_flight("A") == gate.in_flight("B") == 0
    # Every turn is free again: the account's one slot and the server's one slot.
    again = Holder(gate, "B")
    await again.entered.wait()
    again.finish()
    await again.task


async def test_a_query_that_gets_no_turn_in_time_is_refused_naming_the_limit():
    gate = QueryGate(per_account=1, queued=5, total=2, max_wait_s=0.01)
    holders = [Holder(gate, "B"), Holder(gate, "A")]
    await settle()
    with pytest.raises(TooManyQueries) as own_line:
        async with gate.admit("B"):
            pytest.fail("B's one turn is taken")
    assert "no turn to run came within 0.01 s" in own_line.value.message
    assert "USAGEHOUSE_SQL_MAX_CONCURRENT_PER_ACCOUNT" in own_line.value.message
    with pytest.raises(TooManyQueries) as server_wide:
        async with gate.admit("C"):
            pytest.fail("both server-wide turns are taken")
    assert "the server ran 2 queries of all accounts" in server_wide.value.message
    assert "(USAGEHOUSE_SQL_MAX_CONCURRENT)" in server_wide.value.message
    for holder in holders:
        holder.finish()
    await asyncio.gather(*(h.task for h in holders))
    assert gate.in_flight("B") == gate.in_flight("C") == 0
