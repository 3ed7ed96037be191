"""An insert whose answer was lost (broken connection, timeout) is repeated with its
deduplication token, and ClickHouse stores it once; the storage says which failures leave the
outcome unknown. The storage is real chDB; only the lost answers are made up, on top of it."""

from __future__ import annotations

from typing import Any

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError
from prometheus_client import CollectorRegistry

from server.errors import InsertOutcomeUnknown, StorageUnavailable
from server.ingest.commit import Pending
from server.ingest.writer import INSERT_TRIES, BatchWriter, QueueLimits
from server.metrics import Metrics
from server.storage import Storage
from server.storage.clickhouse import _insert_error
from tests.helpers import count


class LosesAnswers:
    """The real storage, except that the first `lost` inserts raise InsertOutcomeUnknown:
    after committing if `stored`, as when the answer is lost on the way back, else before."""

    def __init__(self, storage: Storage, lost: int, stored: bool) -> None:
        self._storage, self._lost, self._stored = storage, lost, stored
        self.tokens: list[str | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    async def insert_columns(
        self, table: str, columns: Any, data: bytes, *, token: str | None = None
    ) -> None:
        self.tokens.append(token)
        if self._lost and not self._stored:
            self._lost -= 1
            raise InsertOutcomeUnknown("connection reset by the test")
        await self._storage.insert_columns(table, columns, data, token=token)
        if self._lost:
            self._lost -= 1
            raise InsertOutcomeUnknown("answer lost by the test")


def seven_points() -> Pending:
    n = 7
    return Pending("acct", "ds", [1_800_000_000] * n, [1] * n, ["i"] * n, [[]] * n, [[]] * n)


async def write_once(storage: Any, registry: CollectorRegistry) -> int:
    writer = BatchWriter(storage, Metrics(registry), QueueLimits(10**6, 2**30), 1000)
    writer.start()
    try:
        return await writer.write(seven_points())
    finally:
        await writer.stop()


async def test_an_insert_whose_answer_was_lost_is_repeated_and_stored_once(storage, registry):
    lossy = LosesAnswers(storage, lost=INSERT_TRIES - 1, stored=True)
    batch_id = await write_once(lossy, registry)
    assert await count(storage) == 7
    assert lossy.tokens == [f"{batch_id}-202701"] * INSERT_TRIES
    assert registry.get_sample_value("usagehouse_insert_retries_total") == INSERT_TRIES - 1


async def test_a_flush_fails_after_its_tries_and_stores_nothing(storage, registry):
    lossy = LosesAnswers(storage, lost=INSERT_TRIES, stored=False)
    with pytest.raises(InsertOutcomeUnknown):
        await write_once(lossy, registry)
    assert len(lossy.tokens) == INSERT_TRIES and len(set(lossy.tokens)) == 1
    assert await count(storage) == 0


@pytest.mark.parametrize(
    ("error", "unknown"),
    [
        (OperationalError("HTTPConnectionPool: Read timed out."), True),
        (
            DatabaseError(
                "Code: 319. DB::Exception: Unknown status of insert. (UNKNOWN_STATUS_OF_INSERT)"
            ),
            True,
        ),
        (
            DatabaseError(
                "Code: 209. DB::NetException: Timeout exceeded while reading from socket"
            ),
            True,
        ),
        (DatabaseError("Code: 60. DB::Exception: Table usagehouse.points does not exist"), False),
        (DatabaseError("Code: 241. DB::Exception: Memory limit exceeded"), False),
    ],
    ids=["connection", "unknown-status", "socket-timeout", "no-table", "memory"],
)
def test_failures_that_may_have_stored_the_rows_say_so(error, unknown):
    translated = _insert_error(error)
    assert isinstance(translated, StorageUnavailable)
    assert isinstance(translated, InsertOutcomeUnknown) is unknown


async def test_the_writer_gives_each_month_of_a_flush_its_own_token(storage, registry):
    lossy = LosesAnswers(storage, lost=0, stored=True)
    writer = BatchWriter(lossy, Metrics(registry), QueueLimits(10**6, 2**30), 1000)
    new_year = 1_798_761_600  # 2027-01-01 00:00:00 UTC
    two_months = Pending(
        "acct", "ds", [new_year - 1, new_year], [1, 1], ["i"] * 2, [[]] * 2, [[]] * 2
    )
    writer.start()
    batch_id = await writer.write(two_months)
    await writer.stop()
    assert lossy.tokens == [f"{batch_id}-202612", f"{batch_id}-202701"]
