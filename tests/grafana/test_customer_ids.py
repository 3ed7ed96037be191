"""Customer ids a dashboard variable must carry unchanged into every plugin's query: quotes of
both kinds (SQL strings, simPod's JSON payload), a backslash (escape in JSON and ClickHouse
strings), Unicode, and URL syntax (the bill panels' path)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import load_settings
from server.storage.clickhouse import ClickHouseStorage
from tests.grafana.live import HARD, HARD_ACCOUNT, TOKENS, USERS, Grafana, bill_to_ms
from tests.grafana.plugins import FORMATS, interpolate
from tests.grafana.provisioned import BILLING, DASHBOARDS, PRICING, panels, query_panels

HARD_CUSTOMERS = ("o'brien", 'say "hi"', "dir\\new\\", "zürich-東京 ☃", "a/b?c=d&e#f%20")
REQUESTS_PANELS = {  # panel -> how to read its requests total from the answers
    "Requests": lambda a: a[0][0]["fields"][0]["values"][0],
    "Requests by endpoint": lambda a: sum(v for f in a[0][0]["fields"][1:] for v in f["values"]),
    "Requests by status class (ClickHouse plugin)": lambda a: sum(
        int(row["requests"]) for row in a[0]["data"]
    ),
    "Requests and server errors (Infinity, alert-ready)": lambda a: sum(
        row["requests"] for row in a[0]["data"]
    ),
    "Daily usage by endpoint": lambda a: sum(
        next(f["values"] for f in a[0][0]["fields"] if f["name"] == "count")
    ),
    "Bill lines": lambda a: sum(
        int(line["quantity"]) for line in a[0]["lines"] if line["meter"] == "requests"
    ),
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hard_storage(demo_storage: ClickHouseStorage) -> ClickHouseStorage:
    """The module's storage with customers of hard ids in their own account, each with its own
    number of requests, beside a plain customer with many more (a query that loses its
    customer filter counts those). chDB opens one path per process, hence the shared storage."""
    settings = load_settings({}, tokens=TOKENS, storage="unused", sampling="off")
    app = create_app(settings, storage=demo_storage, pricing=PRICING)
    now_ms = bill_to_ms()
    customers = {"plain": 1000} | {cid: 10 * (i + 1) for i, cid in enumerate(HARD_CUSTOMERS)}
    batch = [
        {
            "indexes": [cid],
            "blobs": [USERS, "GET", "500" if k % 5 == 0 else "200", "IAD"],
            "doubles": [20.0 + k, 100.0],
            "timestamp": now_ms - 60_000 * (k + 1),
        }
        for cid, n in customers.items()
        for k in range(n)
    ]
    async with TestClient(TestServer(app)) as client:
        resp = await client.post(
            f"/v1/accounts/{HARD_ACCOUNT}/datasets/usage_indexed_by_customer_id/points",
            json=batch,
            headers={"Authorization": f"Bearer {HARD}"},
        )
        assert resp.status == 200, await resp.text()
    return demo_storage


@pytest.fixture
async def hard_ids(grafana: Grafana, hard_storage: ClickHouseStorage) -> Grafana:
    """Grafana's view of the account with hard customer ids (in the demo's storage, which
    `grafana`'s server reads)."""
    return Grafana(grafana.client, account=HARD_ACCOUNT, token=HARD)


@pytest.mark.parametrize("customer", HARD_CUSTOMERS)
async def test_every_customer_panel_carries_a_hard_customer_id(
    hard_ids: Grafana, customer: str
) -> None:
    """Quotes, backslashes, Unicode and URL syntax in the customer variable: every panel answers
    200 with that customer's own data, through each plugin's own variable interpolation."""
    board = DASHBOARDS["customer-usage"]
    expected = 10 * (HARD_CUSTOMERS.index(customer) + 1)
    seen = set()
    for panel in query_panels(board):
        to_ms = bill_to_ms() if panel["datasource"]["uid"] == BILLING else None
        answers = await hard_ids.run_panel(
            board, panel, to_ms=to_ms, variables={"customer": customer}
        )
        if panel["title"] in REQUESTS_PANELS:
            total = REQUESTS_PANELS[panel["title"]](answers)
            assert total == expected, f"{panel['title']}: {total} requests, not {expected}"
            seen.add(panel["title"])
        if panel["datasource"]["uid"] == BILLING:
            assert answers[0]["customer"] == customer, panel["title"]
    assert seen == set(REQUESTS_PANELS)


async def test_an_empty_customer_gives_no_data_rather_than_errors(hard_ids: Grafana) -> None:
    """A fresh stack (no demo yet) has no customers, so $customer is empty: every panel answers
    200 (Grafana shows "No data" or zero), the bill panels' URL ending in `/` included."""
    board = DASHBOARDS["customer-usage"]
    for panel in query_panels(board):
        answers = await hard_ids.run_panel(board, panel, variables={"customer": ""})
        if panel["datasource"]["uid"] == BILLING:
            assert (answers[0]["customer"], answers[0]["lines"]) == ("", []), panel["title"]


async def test_sqlstring_alone_cannot_carry_a_backslash(hard_ids: Grafana) -> None:
    """Why the panels write decodeURLComponent('${customer:percentencode}'): Grafana's sqlstring
    format leaves a backslash as it is, which a ClickHouse string reads as an escape (and a
    simPod payload as a JSON escape), so such an id cannot reach the query intact."""
    customer = next(c for c in HARD_CUSTOMERS if "\\" in c)
    sql = (
        "SELECT count() AS n FROM usage_indexed_by_customer_id WHERE index1 = ${customer:sqlstring}"
    )
    text = interpolate(sql, {"customer": customer}, "raw") + " FORMAT JSON"
    resp = await hard_ids.send("POST", "usagehouse-clickhouse", "", data=text.encode())
    assert resp.status == 422  # 'dir\new\' : the last quote is escaped
    fixed = sql.replace("${customer:sqlstring}", "decodeURLComponent('${customer:percentencode}')")
    text = interpolate(fixed, {"customer": customer}, "raw") + " FORMAT JSON"
    body = await hard_ids.post("usagehouse-clickhouse", "", data=text.encode())
    assert body["data"] == [{"n": str(10 * (HARD_CUSTOMERS.index(customer) + 1))}]


def test_data_links_percent_encode_the_values_they_carry() -> None:
    """A data link that puts a value into a URL encodes it, so the linked dashboard's variable
    gets the exact id back."""
    links = [
        link
        for board in DASHBOARDS.values()
        for panel in panels(board)
        for link in json.loads(json.dumps(panel.get("fieldConfig", {})))
        .get("defaults", {})
        .get("links", [])
        + [
            link
            for override in panel.get("fieldConfig", {}).get("overrides", [])
            for prop in override.get("properties", [])
            if prop["id"] == "links"
            for link in prop["value"]
        ]
    ]
    assert links, "the dashboards link customers to their usage"
    for link in links:
        used = re.findall(r"\$\{([^}]+)\}|\$(\w+)", link["url"])
        for braced, bare in used:
            name = braced.split(":")[0] if braced else bare
            if name in {"__url_time_range", "__from", "__to"}:
                continue
            assert braced.endswith(":percentencode"), f"{link['url']}: encode ${name}"
        for customer in HARD_CUSTOMERS:
            url = link["url"].replace(
                "${__value.raw:percentencode}", FORMATS["percentencode"](customer)
            )
            query = dict(parse_qsl(urlsplit(url.replace("&${__url_time_range}", "")).query))
            assert query["var-customer"] == customer
