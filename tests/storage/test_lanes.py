"""Lanes: inserts and the write path's lookups have a connection that user queries never
use, so a write completes while user queries hold every query connection (both backends)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from server.errors import AppError
from server.storage import Storage, new_batch_id
from server.storage.clickhouse import ClickHouseStorage
from tests.storage.test_contract import batch, insert

#: Runs until it is killed (or for ten minutes), whatever the machine.
ENDLESS = "SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) = 0 /* {marker} */"


async def running(store: Storage, marker: str) -> bool:
    found = await store.query(
        f"SELECT count() FROM system.processes WHERE query LIKE '%{marker}%' "
        "AND query NOT LIKE '%system.processes%'",
        "TabSeparated",
        lane="write",
    )
    return found != b"0\n"


async def test_a_write_completes_while_a_user_query_holds_every_query_connection(location):
    store = await ClickHouseStorage.open(location, 92, query_connections=1)
    marker = f"endless-{uuid.uuid4().hex}"
    endless = asyncio.create_task(
        store.query(ENDLESS.format(marker=marker), "JSON", {"max_execution_time": 600})
    )
    try:
        while not await running(store, marker):
            await asyncio.sleep(0.01)
        batch_id = new_batch_id()
        await insert(store, batch(3, batch_id))
        committed = await store.query(
            f"SELECT count() FROM {store.database}.points WHERE _batch = {batch_id}",
            "TabSeparated",
            lane="write",
        )
        assert committed == b"3\n"
        assert not endless.done()
        assert await running(store, marker)
    finally:
        await store.command(
            f"KILL QUERY WHERE query LIKE '%{marker}%' AND query NOT LIKE '%KILL QUERY%' SYNC"
        )
        with pytest.raises(AppError):
            await endless
        await store.close()
