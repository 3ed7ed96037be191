"""Idempotency-Key: a retry within 24 hours returns the first answer and writes nothing.

Answers live in memory for speed and in the points table, as record rows committed in the same
part as the request's points (ingest/commit.py), so they survive restarts and a record is never
there without its rows. A request spread over several month partitions has a record in each;
a retry after a crash between them writes only the months whose record is missing.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

import orjson

from ..errors import BadRequest, IdempotencyKeyReused
from ..storage import Storage, schema, sql_string

TTL_S = 24 * 3600
MEMORY_ENTRIES = 100_000
MAX_KEY_LENGTH = 256

Answer = tuple[str, dict[str, object]]  # (fingerprint, response)


@dataclass(frozen=True, slots=True)
class Claim:
    """The first answer, if the key was used; else the months an interrupted first attempt
    already committed (their points must not be written again)."""

    response: dict[str, object] | None
    committed_months: frozenset[int] = frozenset()


def check_key(key: str) -> None:
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")


def fingerprint(dataset: str, content_type: str, body: bytes) -> str:
    """What a retry must repeat exactly for its key to stand for the same request."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (dataset.encode(), content_type.encode(), body):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _same_request(key: str, expected: str, answer: Answer) -> dict[str, object]:
    if answer[0] != expected:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key!r} was already used for a different request (another body "
            "or dataset) in the last 24 hours; use a new key for a new request"
        )
    return answer[1]


class IdempotencyStore:
    """Remembers answers per (account, key); in-flight duplicates wait for the first."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._answers: OrderedDict[tuple[str, str], tuple[float, Answer]] = OrderedDict()
        self._in_flight: dict[tuple[str, str], asyncio.Future[Answer]] = {}

    async def claim(self, account_id: str, key: str, fingerprint: str) -> Claim:
        """The first answer for this key, or a claim without one: then the caller owns the key
        and must call `finish`. Concurrent requests with the same key wait for the owner.
        A key first used for another request is IdempotencyKeyReused (422)."""
        slot = (account_id, key)
        while (waiter := self._in_flight.get(slot)) is not None:
            try:
                return Claim(_same_request(key, fingerprint, await asyncio.shield(waiter)))
            except IdempotencyKeyReused:
                raise
            except Exception:
                continue  # that attempt failed: this one may try again
        cached = self._answers.get(slot)
        if cached is not None and cached[0] > time.time():
            return Claim(_same_request(key, fingerprint, cached[1]))
        self._in_flight[slot] = asyncio.get_running_loop().create_future()
        try:
            claim = await self._lookup_stored(account_id, key, fingerprint)
        except BaseException as e:
            self.finish(account_id, key, None, error=e)
            raise
        if claim.response is not None:
            self.finish(account_id, key, (fingerprint, claim.response))
        return claim

    async def _lookup_stored(self, account_id: str, key: str, expected: str) -> Claim:
        since = int((time.time() - TTL_S) * schema.BATCH_PER_SECOND)
        rows = await self._storage.query(
            f"SELECT toYYYYMM(timestamp), blob1, blob2, double1 "
            f"FROM {self._storage.database}.{schema.TABLE} "
            f"WHERE account_id = {sql_string(account_id)} "
            f"AND dataset = '{schema.RECORDS_DATASET}' AND index1 = {sql_string(key)} "
            f"AND _batch > {since}",
            "JSONCompactEachRow",
            lane="write",  # part of a write: it must not wait behind users' queries
        )
        months: set[int] = set()
        answer: Answer | None = None
        parts = 0
        for line in rows.splitlines():
            month, response, stored_fingerprint, count = orjson.loads(line)
            answer = (stored_fingerprint, orjson.loads(response))
            months.add(int(month))
            parts = int(count)
        if answer is None:
            return Claim(None)
        first = _same_request(key, expected, answer)
        if len(months) < parts:
            return Claim(None, frozenset(months))
        return Claim(first)

    def finish(
        self,
        account_id: str,
        key: str,
        answer: Answer | None,
        error: BaseException | None = None,
    ) -> None:
        future = self._in_flight.pop((account_id, key), None)
        if answer is not None:
            self.remember(account_id, key, answer)
        if future is not None and not future.done():
            if answer is not None:
                future.set_result(answer)
            else:
                future.set_exception(error or RuntimeError("write failed"))
                future.exception()

    def remember(self, account_id: str, key: str, answer: Answer) -> None:
        self._answers[(account_id, key)] = (time.time() + TTL_S, answer)
        self._answers.move_to_end((account_id, key))
        while len(self._answers) > MEMORY_ENTRIES:
            self._answers.popitem(last=False)
