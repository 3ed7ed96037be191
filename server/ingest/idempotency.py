"""Idempotency-Key: a retry within 24 hours returns the first answer and writes nothing.

Answers live in memory for speed and in ClickHouse (written with the rows' flush) so they
survive restarts. A stored answer counts only if its flush's rows are really in the table.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass

import orjson

from ..errors import BadRequest
from ..storage import Storage, schema, sql_string

TTL_S = 24 * 3600
MEMORY_ENTRIES = 100_000
MAX_KEY_LENGTH = 256


#: Key of the stored record (never of the answer) counting the billing counter rows written.
COUNTER_ROWS = "_counter_rows"


@dataclass(frozen=True, slots=True)
class Claim:
    """The first answer, if the key was used; else whether that attempt's counters landed."""

    response: dict[str, object] | None
    counters_written: bool = False


def check_key(key: str) -> None:
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")


class IdempotencyStore:
    """Remembers answers per (account, key); in-flight duplicates wait for the first."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._answers: OrderedDict[tuple[str, str], tuple[float, dict[str, object]]] = OrderedDict()
        self._in_flight: dict[tuple[str, str], asyncio.Future[dict[str, object]]] = {}

    async def claim(self, account_id: str, key: str) -> Claim:
        """The first answer for this key, or a claim without one: then the caller owns the key
        and must call `finish`. Concurrent requests with the same key wait for the owner."""
        slot = (account_id, key)
        while (waiter := self._in_flight.get(slot)) is not None:
            try:
                return Claim(await asyncio.shield(waiter))
            except Exception:
                continue  # that attempt failed: this one may try again
        cached = self._answers.get(slot)
        if cached is not None and cached[0] > time.time():
            return Claim(cached[1])
        self._in_flight[slot] = asyncio.get_running_loop().create_future()
        try:
            claim = await self._lookup_stored(account_id, key)
        except BaseException as e:
            self.finish(account_id, key, None, e)
            raise
        if claim.response is not None:
            self.finish(account_id, key, claim.response)
        return claim

    async def _exists(self, table: str, column: str, batch: int) -> bool:
        found = await self._storage.query(
            f"SELECT 1 FROM {self._storage.database}.{table} WHERE {column} = {batch} LIMIT 1",
            "TabSeparated",
            lane="write",
        )
        return bool(found.strip())

    async def _lookup_stored(self, account_id: str, key: str) -> Claim:
        db = self._storage.database
        rows = await self._storage.query(
            f"SELECT batch, response FROM {db}.{schema.IDEMPOTENCY_TABLE} FINAL "
            f"WHERE account_id = {sql_string(account_id)} AND key = {sql_string(key)} "
            f"AND created > now() - INTERVAL {TTL_S} SECOND",
            "JSONCompactEachRow",
            lane="write",  # part of a write: it must not wait behind users' queries
        )
        if not rows.strip():
            return Claim(None)
        batch, record_text = orjson.loads(rows.splitlines()[0])
        record: dict[str, object] = orjson.loads(record_text)
        # The flush writes the record, then billing counters, then points: check each landed.
        counted = not record.pop(COUNTER_ROWS, 0) or await self._exists(
            schema.COUNTERS_TABLE, "batch", int(batch)
        )
        if not counted:
            return Claim(None)
        if record.get("stored") and not await self._exists(schema.TABLE, "_batch", int(batch)):
            return Claim(None, counters_written=True)
        self.remember(account_id, key, record)
        return Claim(record)

    def finish(
        self,
        account_id: str,
        key: str,
        response: dict[str, object] | None,
        error: BaseException | None = None,
    ) -> None:
        future = self._in_flight.pop((account_id, key), None)
        if response is not None:
            self.remember(account_id, key, response)
        if future is not None and not future.done():
            if response is not None:
                future.set_result(response)
            else:
                future.set_exception(error or RuntimeError("write failed"))
                future.exception()

    def remember(self, account_id: str, key: str, response: dict[str, object]) -> None:
        self._answers[(account_id, key)] = (time.time() + TTL_S, response)
        self._answers.move_to_end((account_id, key))
        while len(self._answers) > MEMORY_ENTRIES:
            self._answers.popitem(last=False)
