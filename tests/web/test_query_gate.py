"""Per-account query limits over a real server: an account at its limit gets 429 + Retry-After
in its API family's shape, another account is still answered, and no turn is ever lost."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from server.app import create_app
from server.web.keys import QUERY_GATE

TOKENS = "ta:acct_a:rw,tb:acct_b:rw"
A = {"Authorization": "Bearer ta"}
B = {"Authorization": "Bearer tb"}
SQL_A = "/client/v4/accounts/acct_a/analytics_engine/sql"
SQL_B = "/client/v4/accounts/acct_b/analytics_engine/sql"
# 2,000 rows cubed: far more work than the 1 s time limit allows, so it holds its turn until
# ClickHouse stops it.
SLOW = "SELECT count() AS n FROM load AS x CROSS JOIN load AS y CROSS JOIN load AS z"
COUNT = "SELECT count() AS n FROM load FORMAT JSONEachRow"


@pytest.fixture
async def server(aiohttp_client, make_settings, storage):
    """B may run one query at a time and queue none; each query may run 1 s."""
    settings = make_settings(
        tokens=TOKENS,
        sql_timeout_s=1,
        sql_max_concurrent_per_account=1,
        sql_max_queued_per_account=0,
    )
    client = await aiohttp_client(create_app(settings, storage=storage))
    for account, headers, n in (("acct_a", A, 3), ("acct_b", B, 2000)):
        points = [{"indexes": [f"c{i % 7}"], "blobs": ["x"]} for i in range(n)]
        url = f"/v1/accounts/{account}/datasets/load/points"
        resp = await client.post(url, json=points, headers=headers)
        assert resp.status == 200, await resp.text()
    return client


async def until(condition) -> None:
    """Wait (bounded) until `condition()` holds."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail("condition never held")


async def hold_b_turn(server) -> asyncio.Task[aiohttp.ClientResponse]:
    """Start B's slow query and return once it holds B's one turn."""
    task = asyncio.create_task(server.post(SQL_B, data=SLOW, headers=B))
    await until(lambda: server.app[QUERY_GATE].in_flight("acct_b") == 1)
    return task


async def test_an_account_at_its_limit_gets_429_in_the_v4_envelope_while_another_is_answered(
    server,
):
    slow = await hold_b_turn(server)
    refused = await server.post(SQL_B, data=COUNT, headers=B)
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.content_type == "application/json"
    body = await refused.json()
    assert body == {
        "success": False,
        "errors": [{"code": 4291, "message": body["errors"][0]["message"]}],
        "messages": [],
        "result": None,
    }
    assert "USAGEHOUSE_SQL_MAX_CONCURRENT_PER_ACCOUNT" in body["errors"][0]["message"]
    answered = await server.post(SQL_A, data=COUNT, headers=A)
    assert answered.status == 200
    assert orjson.loads(await answered.read()) == {"n": "3"}
    timed_out = await slow
    assert timed_out.status == 400
    assert "time limit" in await timed_out.text()
    again = await server.post(SQL_B, data=COUNT, headers=B)
    assert again.status == 200
    assert orjson.loads(await again.read()) == {"n": "2000"}


async def test_the_grafana_datasource_answers_429_in_its_own_shape(server):
    slow = await hold_b_turn(server)
    target = {"target": "SELECT count() AS n FROM load", "refId": "A", "payload": {}}
    query = {"range": {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}}
    refused = await server.post(
        "/grafana/json/query", json={**query, "targets": [target]}, headers=B
    )
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    body = await refused.json()
    assert body == {
        "message": body["message"],
        "code": "too_many_queries",
        "status": 429,
        "retry_after": 1,
    }
    assert "USAGEHOUSE_SQL_MAX_QUEUED_PER_ACCOUNT" in body["message"]
    health = await server.get("/grafana/json", headers=A)
    assert health.status == 200
    assert (await slow).status == 400


async def test_failed_timed_out_and_abandoned_queries_give_their_turn_back(server):
    for bad in ("SELECT nope FROM load", "SELECT count() FROM load GROUP BY", "DROP TABLE load"):
        resp = await server.post(SQL_B, data=bad, headers=B)
        assert resp.status == 422, await resp.text()
    timed_out = await server.post(SQL_B, data=SLOW, headers=B)
    assert timed_out.status == 400
    # The client gives up and closes its connection while the query runs.
    with pytest.raises(asyncio.TimeoutError):
        await server.post(SQL_B, data=SLOW, headers=B, timeout=aiohttp.ClientTimeout(total=0.2))
    await until(lambda: server.app[QUERY_GATE].in_flight("acct_b") == 0)
    resp = await server.post(SQL_B, data=COUNT, headers=B)
    assert resp.status == 200
    assert orjson.loads(await resp.read()) == {"n": "2000"}
