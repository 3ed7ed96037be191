"""Grafana contract tests: the simPod JSON datasource (request bodies as Grafana 11/12 send them,
per the plugin's openapi.yaml) and Infinity's SQL POST, against a real server and real chDB.

Data: account acct_a writes dataset `api` through the write API (every point exact) and two
sampled rows straight into storage (`_sample_interval` 4 and 2), so weighting shows in values.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import DEFAULT_ACCOUNT, load_settings
from server.grafana.frames import Column, Table, series_frame
from server.grafana.macros import MacroContext, expand
from server.storage import InsertBatch, schema
from server.storage.clickhouse import ClickHouseStorage

DAY = 86_400
T0 = (int(time.time()) // DAY - 10) * DAY  # midnight UTC ten days ago
MS = 1000
TOKENS = "ta:acct_a:r,tb:acct_b:r,wa:acct_a:w,wb:acct_b:w,wonly:acct_a:w"
A = {"Authorization": "Bearer ta"}
B = {"Authorization": "Bearer tb"}
BASE = "/grafana/json"


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def point(index: str, blob: str, double: float, at: int) -> dict[str, Any]:
    return {"indexes": [index], "blobs": [blob], "doubles": [double], "timestamp": at * MS}


async def write(client: Any, token: str, account: str, dataset: str, points: list) -> None:
    resp = await client.post(
        f"/v1/accounts/{account}/datasets/{dataset}/points",
        json=points,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200, await resp.text()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loaded_storage(tmp_path_factory) -> AsyncIterator[ClickHouseStorage]:
    """One storage for the module, loaded once (setup dominated the runtime otherwise)."""
    path = tmp_path_factory.mktemp("grafana")
    store = await ClickHouseStorage.open(str(path / "chdb"), retention_days=92)
    app = create_app(load_settings({}, tokens=TOKENS, storage=str(path)), storage=store)
    async with TestClient(TestServer(app)) as client:
        await write(
            client,
            "wa",
            "acct_a",
            "api",
            [
                point("alice", "/list", 1, T0 + 10),
                point("alice", "/list", 2, T0 + 20),
                point("alice", "/list", 3, T0 + 70),
                point("bob", "/export", 10, T0 + 15),
                point("bob", "/list", 20, T0 + 130),
            ],
        )
        await write(client, "wa", "acct_a", "secret_a", [point("alice", "/secret", 999, T0 + 10)])
        await write(client, "wb", "acct_b", "api", [point("zed", "/b", 1, T0 + 10)])
    sampled = InsertBatch(
        ["acct_a", "acct_a"],
        ["api", "api"],
        [T0 + 30, T0 + 65],
        [4, 2],
        ["carol", "dave"],
        [["/list"], ["/x'y"]],
        [[5.0], [7.0]],
        99,
    )
    await store.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, sampled.encode())
    yield store
    await store.close()


@pytest.fixture
async def gclient(aiohttp_client, make_settings, loaded_storage, registry):
    app = create_app(make_settings(tokens=TOKENS), storage=loaded_storage, registry=registry)
    return await aiohttp_client(app)


def query_body(targets: list[dict], *, filters: list | None = None, to: int = T0 + 180) -> dict:
    """A /query body as Grafana 11 sends it for a dashboard panel."""
    return {
        "app": "dashboard",
        "requestId": "Q101",
        "timezone": "browser",
        "panelId": 2,
        "dashboardUID": "abc123",
        "range": {"from": iso(T0), "to": iso(to), "raw": {"from": "now-6h", "to": "now"}},
        "rangeRaw": {"from": "now-6h", "to": "now"},
        "interval": "1m",
        "intervalMs": 60_000,
        "maxDataPoints": 550,
        "targets": [
            {"datasource": {"type": "simpod-json-datasource", "uid": "usagehouse-json"}, **t}
            for t in targets
        ],
        "scopedVars": {
            "__interval": {"text": "1m", "value": "1m"},
            "__interval_ms": {"text": "60000", "value": 60000},
            "__sceneObject": {"text": "__sceneObject"},
        },
        "filters": filters or [],
        "startTime": T0 * MS,
    }


def builder(refid: str = "A", **payload: Any) -> dict:
    return {"refId": refid, "editorMode": "builder", "target": "api", "payload": payload}


def code(sql: str, refid: str = "A", **extra: Any) -> dict:
    return {"refId": refid, "editorMode": "code", "target": "api", "payload": {"sql": sql, **extra}}


async def post(client: Any, path: str, body: Any, headers: dict | None = None) -> Any:
    resp = await client.post(BASE + path, json=body, headers=A if headers is None else headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def frames(client: Any, *targets: dict, headers: dict | None = None, **kw: Any) -> list:
    return await post(client, "/query", query_body(list(targets), **kw), headers)


def series(frame: dict) -> dict[str, list]:
    """display name -> values, plus "time"."""
    out = {"time": frame["fields"][0]["values"]}
    for f in frame["fields"][1:]:
        out[f["config"]["displayNameFromDS"]] = f["values"]
    return out


def columns(frame: dict) -> dict[str, list]:
    return {f["name"]: f["values"] for f in frame["fields"]}


BUCKETS = [(T0 + s) * MS for s in (0, 60, 120, 180)]


# --- health, metrics, payload options -------------------------------------------------------


async def test_health_answers_save_and_test_on_both_paths(gclient):
    for path in (BASE, BASE + "/"):
        resp = await gclient.get(path, headers=A)
        assert resp.status == 200
        assert await resp.json() == {
            "status": "ok",
            "message": "usagehouse JSON datasource",
            "account": "acct_a",
        }


async def test_health_with_a_bad_token_fails_save_and_test(gclient):
    resp = await gclient.get(BASE, headers={"Authorization": "Bearer nope"})
    assert resp.status == 401
    assert (await resp.json())["message"] == "invalid API token"
    resp = await gclient.post(BASE + "/query", json={}, headers={"Authorization": "Bearer wonly"})
    assert resp.status == 403
    assert "lacks the 'r' scope" in (await resp.json())["message"]


async def test_metrics_are_the_accounts_datasets_with_builder_payloads(gclient):
    for body in ({}, {"metric": "api", "payload": {"measure": "avg"}}):
        metrics = await post(gclient, "/metrics", body)
        assert [m["value"] for m in metrics] == ["api", "secret_a"]
    api = metrics[0]
    assert api["label"] == "api"
    payloads = {p["name"]: p for p in api["payloads"]}
    assert list(payloads) == [
        "measure", "double", "groupBy", "topN", "index", "filterBlob", "filterValues"
    ]  # fmt: skip
    assert [o["value"] for o in payloads["measure"]["options"]] == [
        "events", "sum", "avg", "p50", "p90", "p99", "min", "max"
    ]  # fmt: skip
    assert payloads["measure"]["type"] == "select"
    assert [o["value"] for o in payloads["groupBy"]["options"]][:3] == ["none", "index1", "blob1"]
    assert len(payloads["groupBy"]["options"]) == 22
    assert len(payloads["double"]["options"]) == 20
    assert payloads["index"]["type"] == "multi-select" and "options" not in payloads["index"]
    assert payloads["filterValues"]["type"] == "multi-select"
    assert payloads["topN"] == {
        "name": "topN", "label": "Top N", "type": "input", "width": 8, "placeholder": "10"
    }  # fmt: skip


async def test_payload_options_list_values_by_sample_weighted_events(gclient):
    body = {"metric": "api", "payload": {}, "name": "index"}
    assert await post(gclient, "/metric-payload-options", body) == [
        {"label": "carol", "value": "carol"},
        {"label": "alice", "value": "alice"},
        {"label": "bob", "value": "bob"},
        {"label": "dave", "value": "dave"},
    ]
    body = {"metric": "api", "payload": {"filterBlob": "blob1"}, "name": "filterValues"}
    assert [o["value"] for o in await post(gclient, "/metric-payload-options", body)] == [
        "/list", "/x'y", "/export"
    ]  # fmt: skip
    body = {"metric": "api", "payload": {}, "name": "measure"}
    assert (await post(gclient, "/metric-payload-options", body))[0] == {
        "label": "events (sample-weighted count)",
        "value": "events",
    }


# --- builder mode ---------------------------------------------------------------------------


async def test_builder_events_are_sample_weighted_and_zero_filled(gclient):
    [frame] = await frames(gclient, builder())
    assert frame == {
        "refId": "A",
        "fields": [
            {"name": "time", "type": "time", "values": BUCKETS},
            {
                "name": "events",
                "type": "number",
                "values": [7, 3, 1, 0],
                "labels": {},
                "config": {"displayNameFromDS": "events"},
            },
        ],
    }


async def test_builder_top_n_groups_plus_other(gclient):
    [frame] = await frames(gclient, builder(groupBy="index1", topN="2"))
    assert series(frame) == {
        "time": BUCKETS,
        "alice": [2, 1, 0, 0],
        "carol": [4, 0, 0, 0],
        "other": [1, 2, 1, 0],
    }
    assert frame["fields"][1]["labels"] == {"index1": "alice"}
    assert frame["fields"][3]["labels"] == {"index1": "other"}


def test_a_group_named_like_the_other_bucket_keeps_its_own_series():
    columns = (Column("t", "DateTime"), Column("g", "Nullable(String)"), Column("n", "UInt64"))
    rows: tuple[dict[str, object], ...] = (
        {"t": 60, "g": "other", "n": 5},
        {"t": 60, "g": None, "n": 7},
        {"t": 60, "g": "a", "n": 1},
    )
    frame = series_frame(
        Table(columns, rows),
        "A",
        time="t",
        labels={"g": "index1"},
        values={"n": "events"},
        null_label="other",
    )
    fields: Any = frame["fields"]
    got = [(f["labels"], f["values"]) for f in fields[1:]]
    assert got == [({"index1": "a"}, [1]), ({"index1": "other"}, [5]), ({"index1": "other"}, [7])]


async def test_builder_group_by_blob_without_limit(gclient):
    [frame] = await frames(gclient, builder(groupBy="blob1", topN="0"))
    assert series(frame) == {
        "time": BUCKETS,
        "/export": [1, 0, 0, 0],
        "/list": [6, 1, 1, 0],
        "/x'y": [0, 2, 0, 0],
    }


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("sum", [33.0, 17.0, 20.0, 0]),
        ("avg", [33 / 7, 17 / 3, 20.0]),
        ("p50", [5.0, 7.0, 20.0]),
        ("p90", [10.0, 7.0, 20.0]),
        ("p99", [10.0, 7.0, 20.0]),
        ("min", [1.0, 3.0, 20.0]),
        ("max", [10.0, 7.0, 20.0]),
    ],
)
async def test_builder_measures_of_a_double_are_sample_weighted(gclient, measure, expected):
    [frame] = await frames(gclient, builder(measure=measure, double="double1"))
    [field] = frame["fields"][1:]
    assert field["name"] == f"{measure}(double1)"
    assert field["values"] == pytest.approx(expected)
    assert frame["fields"][0]["values"] == BUCKETS[: len(expected)]


async def test_builder_index_and_blob_filters(gclient):
    for index in (["alice", "dave"], ["(alice|dave)"]):
        [frame] = await frames(gclient, builder(index=index))
        assert series(frame)["events"] == [2, 3, 0, 0]
    [frame] = await frames(gclient, builder(filterBlob="blob1", filterValues=["/x'y"]))
    assert series(frame)["events"] == [0, 2, 0, 0]
    # A single-value variable arrives regex-escaped by Grafana's regex formatter.
    [frame] = await frames(gclient, builder(filterBlob="blob1", filterValues=["/x\\'y"]))
    assert series(frame)["events"] == [0, 2, 0, 0]
    [frame] = await frames(gclient, builder(index=["$__all"]))
    assert series(frame)["events"] == [7, 3, 1, 0]


async def test_builder_buckets_respect_max_data_points(gclient):
    body = query_body([builder()])
    body["intervalMs"], body["maxDataPoints"] = 1_000, 2  # 180 s / 2 points -> 90 s buckets
    [frame] = await post(gclient, "/query", body)
    assert series(frame) == {
        "time": [(T0 + s) * MS for s in (0, 90, 180)],
        "events": [10, 1, 0],
    }


async def test_several_targets_answer_in_order_and_hidden_ones_are_skipped(gclient):
    hidden = {**builder("C"), "hide": True}
    got = await frames(gclient, builder("A"), code("SELECT 1 AS one", "B"), hidden)
    assert [f["refId"] for f in got] == ["A", "B"]
    assert columns(got[1]) == {"one": [1]}


# --- code mode and macros -------------------------------------------------------------------


async def test_code_mode_grafana_macros(gclient):
    sql = (
        "SELECT $__timeInterval(timestamp) AS time, sum(_sample_interval) AS events "
        "FROM api WHERE $__timeFilter(timestamp) GROUP BY time ORDER BY time"
    )
    [frame] = await frames(gclient, code(sql))
    assert series(frame) == {"time": BUCKETS[:3], "events": [7, 3, 1]}


async def test_code_mode_altinity_macros_long_to_wide(gclient):
    sql = (
        "SELECT $timeSeries AS t, blob1, sum(_sample_interval) AS n FROM api "
        "WHERE $timeFilter GROUP BY t, blob1 ORDER BY t"
    )
    [frame] = await frames(gclient, code(sql))
    assert series(frame) == {
        "time": BUCKETS[:3],
        "/export": [1, None, None],
        "/list": [6, 1, 1],
        "/x'y": [None, 2, None],
    }
    assert frame["fields"][2] == {
        "name": "n",
        "type": "number",
        "values": [6, 1, 1],
        "labels": {"blob1": "/list"},
        "config": {"displayNameFromDS": "/list"},
    }


async def test_code_mode_value_macros(gclient):
    sql = (
        "SELECT $__interval_s AS s, $__interval_ms AS ims, $__from AS f, $__to AS e, "
        "toUnixTimestamp($__fromTime) AS ft, toUnixTimestamp($__toTime) AS et, "
        "$from AS fs, $to AS es, $interval AS i"
    )
    [frame] = await frames(gclient, code(sql))
    assert columns(frame) == {
        "s": [60], "ims": [60000], "f": [T0 * MS], "e": [(T0 + 180) * MS], "ft": [T0],
        "et": [T0 + 180], "fs": [T0], "es": [T0 + 180], "i": [60],
    }  # fmt: skip
    assert [f["type"] for f in frame["fields"]] == ["number"] * 9


@pytest.mark.parametrize(
    "condition",
    [
        "$__timeFrom(timestamp) AND $__timeTo(timestamp)",
        "$timeFilterByColumn(timestamp)",
        "$timeFilterMs",
    ],
)
async def test_code_mode_filter_macros(gclient, condition):
    sql = f"SELECT count() AS c, sum(_sample_interval) AS n FROM api WHERE {condition}"
    [frame] = await frames(gclient, code(sql), to=T0 + 60)
    assert columns(frame) == {"c": [4], "n": [7]}


async def test_code_mode_time_series_ms_macro(gclient):
    sql = (
        "SELECT $timeSeriesMs AS t, sum(_sample_interval) AS n FROM api "
        "WHERE $timeFilter GROUP BY t ORDER BY t"
    )
    [frame] = await frames(gclient, code(sql))
    assert series(frame) == {"time": BUCKETS[:3], "n": [7, 3, 1]}


async def test_code_mode_without_time_is_a_table_and_format_table_forces_one(gclient):
    sql = "SELECT index1, sum(_sample_interval) AS n FROM api GROUP BY index1 ORDER BY index1"
    [frame] = await frames(gclient, code(sql))
    assert frame == {
        "refId": "A",
        "fields": [
            {"name": "index1", "type": "string", "values": ["alice", "bob", "carol", "dave"]},
            {"name": "n", "type": "number", "values": [3, 2, 4, 2]},
        ],
    }
    sql = "SELECT timestamp, double1 FROM api WHERE index1 = 'bob' ORDER BY timestamp"
    [frame] = await frames(gclient, code(sql, format="table"))
    assert frame["fields"] == [
        {"name": "timestamp", "type": "time", "values": [(T0 + 15) * MS, (T0 + 130) * MS]},
        {"name": "double1", "type": "number", "values": [10, 20]},
    ]


async def test_sql_as_the_metric_text_runs_as_code(gclient):
    target = {"refId": "A", "target": "SELECT count() AS c FROM api", "payload": {}}
    [frame] = await frames(gclient, target)
    assert columns(frame) == {"c": [7]}


def test_macro_expansions_match_the_plugins_documented_ones():
    context = MacroContext(from_ms=1_717_223_624_866, to_ms=1_717_245_224_866, interval_s=30)
    expected = {
        "$__timeFilter(ts)": "ts >= toDateTime(1717223624) AND ts <= toDateTime(1717245224)",
        "$__timeFrom(ts)": "ts >= toDateTime(1717223624)",
        "$__timeTo( ts )": "ts <= toDateTime(1717245224)",
        "$__timeInterval(ts)": "toStartOfInterval(toDateTime(ts), INTERVAL 30 second)",
        "$__interval_s": "30",
        "$__interval_ms": "30000",
        "$__fromTime": "toDateTime(1717223624)",
        "$__toTime": "toDateTime(1717245224)",
        "$__from": "1717223624866",
        "$__to": "1717245224866",
        "$from/$to": "1717223624/1717245224",
        "$interval": "30",
        "$timeSeries": "(intDiv(toUInt32(timestamp), 30) * 30) * 1000",
        "$timeSeriesMs": "(intDiv(toUInt32(timestamp) * 1000, 30000) * 30000)",
        "$timeFilter": (
            "timestamp >= toDateTime(1717223624) AND timestamp <= toDateTime(1717245224)"
        ),
        "$timeFilterByColumn(t2)": "t2 >= toDateTime(1717223624) AND t2 <= toDateTime(1717245224)",
        "$adhoc": "1",
        "$__adhocFilters": "1",
        "'$5' || $fromage": "'$5' || $fromage",
    }
    assert {text: expand(text, context) for text in expected} == expected
    with_filters = MacroContext(0, 0, 1, adhoc="(index1 = 'a')")
    assert expand("WHERE $adhoc", with_filters) == "WHERE (index1 = 'a')"


# --- ad hoc filters -------------------------------------------------------------------------

PER_CUSTOMER = "SELECT index1, sum(_sample_interval) AS n FROM api GROUP BY index1 ORDER BY index1"


@pytest.mark.parametrize(
    ("key", "operator", "value", "expected"),
    [
        ("index1", "=", "alice", {"alice": 3}),
        ("index1", "!=", "alice", {"bob": 2, "carol": 4, "dave": 2}),
        ("index1", "<", "c", {"alice": 3, "bob": 2}),
        ("double1", "<", "5", {"alice": 3}),
        ("double1", ">", "5", {"bob": 2, "dave": 2}),
        ("double1", "<=", "5", {"alice": 3, "carol": 4}),
        ("double1", ">=", "10", {"bob": 2}),
        ("blob1", "=~", "^/x", {"dave": 2}),
        ("blob1", "!~", "list", {"bob": 1, "dave": 2}),
        ("double1", "=~", "^2", {"alice": 1, "bob": 1}),
        ("index1", "=|", ["alice", "bob"], {"alice": 3, "bob": 2}),
        ("index1", "!=|", ["alice", "bob"], {"carol": 4, "dave": 2}),
        ("blob1", "=", "/x'y", {"dave": 2}),
        ("Blob1", "=", "a\\' OR 1=1 --", {}),
    ],
)
async def test_ad_hoc_filters_every_operator_in_code_mode(gclient, key, operator, value, expected):
    many = isinstance(value, list)
    adhoc = {"key": key, "operator": operator, "value": "" if many else value}
    if many:
        adhoc["values"] = value
    [frame] = await frames(gclient, code(PER_CUSTOMER), filters=[adhoc])
    got = columns(frame)
    assert dict(zip(got["index1"], got["n"], strict=True)) == expected


async def test_ad_hoc_filters_apply_in_builder_mode_and_via_the_adhoc_macro(gclient):
    adhoc = [{"key": "blob1", "operator": "=", "value": "/list"}]
    [frame] = await frames(gclient, builder(), filters=adhoc)
    assert series(frame)["events"] == [6, 1, 1, 0]
    sql = "SELECT count() AS c FROM api WHERE $adhoc AND index1 != 'carol'"
    [frame] = await frames(gclient, code(sql), filters=adhoc)
    assert columns(frame) == {"c": [4]}  # rows, not weighted: alice 3 + bob 1
    [frame] = await frames(gclient, code(sql))  # no filters: $adhoc is 1
    assert columns(frame) == {"c": [6]}


async def test_ad_hoc_filters_reach_datasets_in_subqueries_but_not_ctes(gclient):
    sql = (
        "WITH top AS (SELECT index1 FROM api GROUP BY index1) "
        "SELECT count() AS c FROM api WHERE index1 IN (SELECT index1 FROM top)"
    )
    adhoc = [{"key": "index1", "operator": "=", "value": "bob"}]
    [frame] = await frames(gclient, code(sql), filters=adhoc)
    assert columns(frame) == {"c": [2]}


# --- annotations, variables, tag keys and values --------------------------------------------


async def test_annotations_return_time_text_and_tags(gclient):
    sql = (
        "SELECT timestamp AS time, blob1 AS text, concat(index1, ',', 'api') AS tags FROM api "
        "WHERE $__timeFilter(timestamp) AND index1 = 'bob' ORDER BY time"
    )
    [frame] = await frames(gclient, code(sql, "Anno"))
    assert frame == {
        "refId": "Anno",
        "fields": [
            {"name": "time", "type": "time", "values": [(T0 + 15) * MS, (T0 + 130) * MS]},
            {"name": "text", "type": "string", "values": ["/export", "/list"]},
            {"name": "tags", "type": "other", "values": [["bob", "api"], ["bob", "api"]]},
        ],
    }
    sql = "SELECT timestamp, index1, blob1 FROM api WHERE index1 = 'dave'"
    [frame] = await frames(gclient, code(sql, "Anno"))
    assert columns(frame) == {"time": [(T0 + 65) * MS], "text": ["dave"], "tags": [["/x'y"]]}


async def test_variable_string_form(gclient):
    body = {
        "payload": {
            "target": "SELECT DISTINCT index1 FROM api WHERE $__timeFilter(timestamp) "
            "ORDER BY index1"
        },
        "range": {"from": iso(T0), "to": iso(T0 + 60), "raw": {"from": "now-7d", "to": "now"}},
    }
    assert await post(gclient, "/variable", body) == [
        {"__text": "alice", "__value": "alice"},
        {"__text": "bob", "__value": "bob"},
        {"__text": "carol", "__value": "carol"},
    ]


async def test_variable_json_form_with_text_and_value_columns(gclient):
    body = {
        "payload": {
            "sql": "SELECT upper(index1) AS __text, index1 AS __value, 1 AS x FROM api "
            "GROUP BY index1 ORDER BY index1"
        },
        "range": {"from": iso(T0), "to": iso(T0 + 180)},
    }
    got = await post(gclient, "/variable", body)
    assert got[:2] == [{"__text": "ALICE", "__value": "alice"}, {"__text": "BOB", "__value": "bob"}]
    body = {"payload": {"target": "SHOW TABLES"}}  # no range: the last day
    assert await post(gclient, "/variable", body) == [
        {"__text": "api", "__value": "api"},
        {"__text": "secret_a", "__value": "secret_a"},
    ]


async def test_tag_keys_are_the_columns(gclient):
    keys = await post(gclient, "/tag-keys", {})
    assert len(keys) == 41
    assert keys[:2] == [{"type": "string", "text": "index1"}, {"type": "string", "text": "blob1"}]
    assert keys[-1] == {"type": "number", "text": "double20"}


async def test_tag_values_by_events_in_range_narrowed_by_other_filters(gclient):
    body: dict[str, Any] = {
        "key": "index1",
        "filters": [],
        "timeRange": {"from": iso(T0), "to": iso(T0 + 180)},
    }
    # Across the account's datasets: alice has one more event in secret_a.
    assert await post(gclient, "/tag-values", body) == [
        {"text": "alice"}, {"text": "carol"}, {"text": "bob"}, {"text": "dave"}
    ]  # fmt: skip
    body["filters"] = [
        {"key": "blob1", "operator": "=", "value": "/list"},
        {"key": "index1", "operator": "=", "value": "carol"},  # the key itself: ignored
    ]
    got = await post(gclient, "/tag-values", body)
    assert got == [{"text": "carol"}, {"text": "alice"}, {"text": "bob"}]
    all_time = await post(gclient, "/tag-values", {"key": "blob1"})
    assert all_time == [
        {"text": "/list"},
        {"text": "/x'y"},
        {"text": "/export"},
        {"text": "/secret"},
    ]


# --- errors and hostile payloads ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "status", "needle"),
    [
        ("/query", b"{not json", 400, "not valid JSON"),
        ("/query", b"[1]", 400, "JSON object"),
        ("/query", {"targets": "A"}, 400, "'targets' must be a JSON array"),
        ("/query", {"targets": []}, 400, "'range'"),
        ("/query", {"range": {"from": "yesterday", "to": "now"}}, 400, "ISO-8601"),
        ("/query", {"range": {"from": -1e300, "to": 0}}, 400, "1970-9999"),
        ("/query", {"range": {"from": "2024-06-01T00:00:00", "to": 0}}, 400, "time zone"),
        ("/query", {"range": {"from": iso(T0 + 9), "to": iso(T0)}}, 400, "before"),
        ("/query", query_body([{"refId": "A", "target": "api", "payload": 3}]), 400, "payload"),
        ("/query", query_body([builder(measure="drop")]), 400, "measure"),
        ("/query", query_body([builder(double="double21")]), 400, "double"),
        ("/query", query_body([builder(groupBy="system.tables")]), 400, "groupBy"),
        ("/query", query_body([builder(groupBy="index1", topN="1; DROP")]), 400, "topN"),
        ("/query", query_body([{"refId": "A", "target": "system.tables"}]), 400, "dataset"),
        ("/query", query_body([builder("Anno")]), 400, "annotation"),
        ("/query", query_body([code("SELECT * FROM system.parts")]), 422, "system.parts"),
        ("/query", query_body([code("SELECT 1; SELECT 2")]), 422, "multiple statements"),
        ("/query", query_body([code("SELECT nope(")]), 422, ""),
        ("/query", query_body([code("SELECT $__nope")]), 422, "unknown macro $__nope"),
        ("/query", query_body([code("SELECT 1 FORMAT TabSeparated")]), 422, "FORMAT JSON"),
        ("/query", query_body([code("SELECT 1 FROM api WHERE $__timeFilter")]), 422, "column"),
        (
            "/query",
            query_body([code("SELECT 1 FROM api WHERE $__timeFilter(account_id)")]),
            422,
            "column account_id is not available",
        ),
        ("/query", query_body([{"refId": "A", "payload": {"sql": 7}}]), 400, "sql"),
        (
            "/query",
            query_body([builder()], filters=[{"key": "account_id", "operator": "=", "value": "a"}]),
            400,
            "not a column",
        ),
        (
            "/query",
            query_body([builder()], filters=[{"key": "index1", "operator": "LIKE", "value": "a"}]),
            400,
            "operator",
        ),
        (
            "/query",
            query_body([builder()], filters=[{"key": "double1", "operator": "=", "value": "x"}]),
            400,
            "not a number",
        ),
        ("/query", query_body([builder()], filters=["index1=a"]), 400, "filter"),
        ("/variable", {"payload": {}}, 400, "WAE SQL"),
        ("/tag-values", {"key": "index1) OR (1"}, 400, "not a column"),
        ("/metric-payload-options", {"metric": "api", "name": "nope"}, 400, "no options"),
    ],
)
async def test_bad_requests_are_4xx_with_a_message(gclient, path, body, status, needle):
    kwargs = {"data": body} if isinstance(body, bytes) else {"json": body}
    resp = await gclient.post(BASE + path, headers=A, **kwargs)
    assert resp.status == status
    got = await resp.json()
    assert needle in got["message"]
    assert got["status"] == status


@pytest.mark.parametrize("payload", [{}, None, ""])
async def test_code_mode_without_a_payload_is_an_error_not_a_builder_query(gclient, payload):
    """simPod sends `{}` when a code payload does not parse after variable interpolation; the
    target name is a dataset, but a builder query on it would draw the wrong data."""
    target = {"refId": "A", "editorMode": "code", "target": "api", "payload": payload}
    resp = await gclient.post(BASE + "/query", json=query_body([target]), headers=A)
    assert resp.status == 400
    assert "arrived without a payload" in (await resp.json())["message"]
    builder_target = {**target, "editorMode": "builder"}  # a builder query may have none
    assert len(await post(gclient, "/query", query_body([builder_target]))) == 1


async def test_account_b_never_sees_account_a(gclient):
    assert [m["value"] for m in await post(gclient, "/metrics", {}, B)] == ["api"]
    [frame] = await frames(gclient, builder(groupBy="index1"), headers=B)
    assert series(frame) == {"time": BUCKETS, "zed": [1, 0, 0, 0]}
    hostile_targets = [
        {"refId": "A", "target": "secret_a", "payload": {}},
        builder(index=["alice' OR '1'='1"]),
        builder(filterBlob="blob1", filterValues=["x') OR 1=1 OR ('"]),
        code("SELECT count() AS c FROM secret_a"),
        code("SELECT count() AS c FROM api WHERE $__timeFilter(timestamp) OR 1=1"),
    ]
    hostile_filters = [
        {"key": "index1", "operator": "=", "value": "' OR account_id = 'acct_a"},
        {"key": "blob1", "operator": "!~", "value": "') OR (1=1"},
    ]
    for target in hostile_targets:
        for filters in ([], hostile_filters):
            for frame in await frames(gclient, target, headers=B, filters=filters):
                for field in frame["fields"][1:]:
                    assert not set(field["values"]) - {0, 1, None}, (target, field)
    body: dict[str, Any] = {"key": "blob1", "filters": hostile_filters[:1]}
    assert await post(gclient, "/tag-values", body, B) == []
    assert await post(gclient, "/tag-values", {"key": "index1"}, B) == [{"text": "zed"}]
    body = {"metric": "secret_a", "payload": {}, "name": "index"}
    assert await post(gclient, "/metric-payload-options", body, B) == []
    variable = {"payload": {"target": "SELECT DISTINCT index1 FROM api"}}
    assert await post(gclient, "/variable", variable, B) == [{"__text": "zed", "__value": "zed"}]


async def test_account_header_is_ignored_when_tokens_are_configured(gclient):
    headers = {**B, "X-Usagehouse-Account": "acct_a"}
    assert [m["value"] for m in await post(gclient, "/metrics", {}, headers)] == ["api"]
    resp = await gclient.post(BASE + "/metrics", json={}, params={"account": "acct_a"}, headers=B)
    assert [m["value"] for m in await resp.json()] == ["api"]


async def test_local_dev_account_from_header_parameter_or_default(
    aiohttp_client, make_settings, loaded_storage
):
    app = create_app(make_settings(), storage=loaded_storage)
    client = await aiohttp_client(app)
    await write(client, "-", DEFAULT_ACCOUNT, "mine", [point("me", "/l", 1, T0)])
    assert [m["value"] for m in await post(client, "/metrics", {}, {})] == ["mine"]
    header = {"X-Usagehouse-Account": "acct_a"}
    assert [m["value"] for m in await post(client, "/metrics", {}, header)] == ["api", "secret_a"]
    resp = await client.post(BASE + "/metrics", json={}, params={"account": "acct_b"})
    assert [m["value"] for m in await resp.json()] == ["api"]


# --- Infinity: POST SQL to the query API, backend parser, root_selector `data` --------------


async def test_infinity_backend_parser_target_gets_typed_numbers(gclient):
    """The body Infinity sends after its backend macros `${__timeFrom:date:seconds}` and
    `${__timeTo:date:seconds}` are replaced."""
    body = (
        "SELECT toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL 60 second)) * 1000 AS t, "
        "index1 AS label, sum(_sample_interval) AS value FROM api "
        f"WHERE timestamp >= toDateTime({T0}) AND timestamp < toDateTime({T0 + 180}) "
        "GROUP BY t, label ORDER BY t, label"
    )
    resp = await gclient.post(
        "/client/v4/accounts/acct_a/analytics_engine/sql",
        data=body.encode(),
        params={"output_format_json_quote_64bit_integers": "0"},
        headers={**A, "Content-Type": "text/plain", "Accept": "application/json;q=0.9,text/plain"},
    )
    assert resp.status == 200
    data = (await resp.json())["data"]  # root_selector: data
    assert data == [
        {"t": T0 * MS, "label": "alice", "value": 2},
        {"t": T0 * MS, "label": "bob", "value": 1},
        {"t": T0 * MS, "label": "carol", "value": 4},
        {"t": (T0 + 60) * MS, "label": "alice", "value": 1},
        {"t": (T0 + 60) * MS, "label": "dave", "value": 2},
        {"t": (T0 + 120) * MS, "label": "bob", "value": 1},
    ]
    assert all(isinstance(row["t"], int) and isinstance(row["value"], int) for row in data)


# --- dialects ---------------------------------------------------------------------------------

WAE = {**A, "Usagehouse-Dialect": "wae"}
UNIQ_SERIES = (
    "SELECT $__timeInterval(timestamp) AS time, uniq(blob1) AS endpoints "
    "FROM api WHERE $__timeFilter(timestamp) GROUP BY time ORDER BY time"
)


async def test_code_mode_in_extended_warns_what_wae_rejects(gclient):
    resp = await gclient.post(BASE + "/query", json=query_body([code(UNIQ_SERIES)]), headers=A)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Usagehouse-Warning"] == "not portable to WAE: uniq"


async def test_code_mode_in_wae_is_refused_with_waes_message(gclient):
    for headers, path in ((WAE, "/query"), (A, "/query?dialect=wae")):
        resp = await gclient.post(
            BASE + path, json=query_body([code(UNIQ_SERIES)]), headers=headers
        )
        assert resp.status == 422
        assert (await resp.json())["message"] == "unsupported function: uniq"


async def test_variables_follow_the_dialect(gclient):
    body = {"payload": {"target": "SELECT DISTINCT blob1 FROM api"}}
    resp = await gclient.post(BASE + "/variable", json=body, headers=WAE)
    assert resp.status == 422
    assert (await resp.json())["message"] == (
        "selection used unsupported features: SELECT DISTINCT"
    )
    resp = await gclient.post(BASE + "/variable", json=body, headers=A)
    assert resp.headers["Usagehouse-Warning"] == "not portable to WAE: SELECT DISTINCT"


async def test_the_datasources_own_sql_runs_in_wae_without_a_warning(gclient):
    # Macros, ad hoc filters (a regex becomes match()), builder panels and tag values are the
    # adapter's SQL, not the user's: they run whatever the dialect.
    adhoc = [{"key": "blob1", "operator": "=~", "value": "^/l"}]
    sql = (
        "SELECT $__timeInterval(timestamp) AS time, sum(_sample_interval) AS events "
        "FROM api WHERE $__timeFilter(timestamp) GROUP BY time ORDER BY time"
    )
    resp = await gclient.post(
        BASE + "/query", json=query_body([code(sql), builder("B")], filters=adhoc), headers=WAE
    )
    assert resp.status == 200, await resp.text()
    assert "Usagehouse-Warning" not in resp.headers
    resp = await gclient.post(BASE + "/tag-values", json={"key": "blob1"}, headers=WAE)
    assert resp.status == 200, await resp.text()
    assert "Usagehouse-Warning" not in resp.headers
