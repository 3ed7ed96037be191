"""Every panel query runs against a real server filled by `usagehouse demo`, sent the way its
plugin sends it, and returns data of the shape the panel draws:

- simPod JSON: Grafana's DataQueryRequest to /grafana/json/query, after Grafana's variable
  interpolation (code payloads with the json formatter, builder payloads with regex);
- Infinity: the SQL body after the backend macros, POSTed to the datasource's base URL + url;
  bill panels GET the billing API's invoice, parsed as Infinity's backend parser does;
- Altinity ClickHouse: the SQL after $timeSeries/$timeFilter, `FORMAT JSON` appended, POSTed
  to the datasource URL (usePOST).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from server.demo import ENDPOINTS
from tests.grafana.live import (
    ACCOUNT,
    ADHOC_FILTER,
    CUSTOMERS,
    USERS,
    Grafana,
    bill_to_ms,
    live_panels,
    panel_by_id,
)
from tests.grafana.plugins import Window, infinity_backend_frame, is_number, iso
from tests.grafana.provisioned import (
    ALTINITY,
    BILLING,
    DASHBOARDS,
    DATASOURCES,
    INFINITY,
    JSON_DS,
    PRICING,
    ds_type,
    provisioned,
    query_panels,
)
from tests.grafana.shapes import assert_panel_frames, assert_sql_rows


async def test_customer_variable_lists_the_demo_customers_busiest_first(grafana: Grafana) -> None:
    board = DASHBOARDS["customer-usage"]
    window = Window(board["time"]["from"], 1000)
    [variable] = board["templating"]["list"]
    body = {
        "payload": {"target": variable["query"]["query"]},
        "range": {"from": iso(window.from_ms), "to": iso(window.to_ms)},
    }
    options = await grafana.post(variable["datasource"]["uid"], "/variable", json=body)
    values = [o["__value"] for o in options]
    assert set(values) <= CUSTOMERS and len(values) >= 40
    sql = (
        "SELECT index1, sum(_sample_interval) AS n FROM usage_indexed_by_customer_id "
        "GROUP BY index1 ORDER BY n DESC LIMIT 1"
    )
    top = await grafana.post(
        "usagehouse-clickhouse",
        "",
        data=sql.encode(),
        params={"output_format_json_quote_64bit_integers": "0"},
    )
    assert values[0] == top["data"][0]["index1"]


async def infinity_health_check(grafana: Grafana, uid: str, token: str | None = None) -> Any:
    """Infinity's CheckHealth with a custom health check URL (pkg/pluginhost): a query of
    that URL, joined to the datasource URL as every query is, GET unless the options say
    otherwise; only the status counts."""
    infinity = DATASOURCES[uid]["jsonData"]
    assert infinity["customHealthCheckEnabled"] and infinity["customHealthCheckUrl"]
    method = infinity.get("customHealthCheckUrlOptions", {}).get("method") or "GET"
    url = provisioned(infinity["customHealthCheckUrl"], grafana.env)
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await grafana.send(method, uid, url, headers=headers)


async def test_infinity_health_checks_fail_with_a_wrong_token(grafana: Grafana) -> None:
    """ "Save & test" proves the token works, not only that the server is up."""
    for uid in (uid for uid, ds in DATASOURCES.items() if ds["type"] == INFINITY):
        resp = await infinity_health_check(grafana, uid, token="not-a-token")
        assert resp.status == 401, f"{uid}: {resp.status}"


async def test_save_and_test_succeeds_for_each_provisioned_datasource(grafana: Grafana) -> None:
    """What "Save & test" calls: the JSON datasource's GET /, Infinity's custom health check,
    and the Altinity plugin's probes (SELECT 1, SELECT timezone()) with the provisioned
    header."""
    by_type = {ds["type"]: uid for uid, ds in DATASOURCES.items()}
    json_uid = by_type[JSON_DS]
    resp = await grafana.client.get(
        grafana.path(grafana.url(json_uid)), headers=grafana.headers(json_uid)
    )
    assert resp.status == 200 and (await resp.json())["account"] == ACCOUNT
    for uid in (uid for uid, ds in DATASOURCES.items() if ds["type"] == INFINITY):
        resp = await infinity_health_check(grafana, uid)
        assert resp.status == 200, f"{uid}: {resp.status} {await resp.text()}"
    for probe in ("SELECT 1 FORMAT JSON", "SELECT timezone() FORMAT JSON"):
        body = await grafana.post(by_type[ALTINITY], "", data=probe.encode())
        assert body["rows"] == 1, probe


@pytest.mark.parametrize(("name", "panel_id"), live_panels("customer-usage", "endpoint-activity"))
async def test_panel_query_returns_what_the_panel_draws(
    grafana: Grafana, name: str, panel_id: int
) -> None:
    board, panel = DASHBOARDS[name], panel_by_id(name, panel_id)
    bill = panel["datasource"]["uid"] == BILLING
    answers = await grafana.run_panel(board, panel, to_ms=bill_to_ms() if bill else None)
    where = f"{name}/{panel['title']}"
    if ds_type(panel) == JSON_DS:
        [frames] = answers
        assert_panel_frames(panel, frames, where)
    elif bill:
        frames = [
            infinity_backend_frame(t, a) for t, a in zip(panel["targets"], answers, strict=True)
        ]
        assert_panel_frames(panel, frames, where)
        for target, frame in zip(panel["targets"], frames, strict=True):
            declared = [c["text"] for c in target["columns"]]
            assert [f["name"] for f in frame["fields"]] == declared, where
            for field in frame["fields"]:
                if field["type"] == "number":
                    assert all(is_number(v) for v in field["values"]), f"{where}: {field}"
    else:
        for target, body in zip(panel["targets"], answers, strict=True):
            assert_sql_rows(panel, target, body, where)


async def test_daily_breakdown_adds_up_to_the_period_total(grafana: Grafana) -> None:
    """The billing recipe's daily rows and the Requests stat count the same requests."""
    board = DASHBOARDS["customer-usage"]
    by_title = {p["title"]: p for p in query_panels(board)}
    [[total_frame]] = await grafana.run_panel(board, by_title["Requests"])
    [[daily_frame]] = await grafana.run_panel(board, by_title["Daily usage by endpoint"])
    daily = {f["name"]: f["values"] for f in daily_frame["fields"]}
    assert len(set(daily["customer_id"])) == 1
    assert sum(daily["count"]) == total_frame["fields"][0]["values"][0] > 0
    days = {d // 86_400_000 for d in daily["date"]}
    assert 7 <= len(days) <= 8 and all(d % 86_400_000 == 0 for d in daily["date"])


async def test_bill_panels_show_the_exact_month_to_date_invoice(grafana: Grafana) -> None:
    """The stat is the invoice total; the table's lines add up to it, come from the exact
    counters (the demo wrote after the meters existed) and follow the example pricing."""
    board = DASHBOARDS["customer-usage"]
    by_title = {p["title"]: p for p in query_panels(board)}
    to_ms = bill_to_ms()
    [invoice] = await grafana.run_panel(board, by_title["Month-to-date bill"], to_ms=to_ms)
    [lines] = await grafana.run_panel(board, by_title["Bill lines"], to_ms=to_ms)
    assert invoice["month"] == datetime.fromtimestamp(to_ms / 1000, UTC).strftime("%Y-%m")
    assert invoice["customer"] in CUSTOMERS and invoice["exact"] is True
    stat = infinity_backend_frame(by_title["Month-to-date bill"]["targets"][0], invoice)
    table = infinity_backend_frame(by_title["Bill lines"]["targets"][0], lines)
    columns = {f["name"]: f["values"] for f in table["fields"]}
    [[total]] = [f["values"] for f in stat["fields"]]
    assert total == float(invoice["total"]) > 0
    assert sum(Decimal(line["amount"]) for line in lines["lines"]) == Decimal(invoice["total"])
    assert set(columns["source"]) == {"exact counters"}
    assert set(columns["meter"]) == {m.name for m in PRICING.meters}
    endpoints = {
        d for m, d in zip(columns["meter"], columns["dimension"], strict=True) if m == "requests"
    }
    assert endpoints <= {e.path for e in ENDPOINTS} and "/api/v1/payments" in endpoints
    price = PRICING.meter("requests").prices["/api/v1/payments"]  # the override, not the default
    assert columns["unit_price"][columns["dimension"].index("/api/v1/payments")] == str(price)


@pytest.mark.parametrize(("name", "panel_id"), live_panels("endpoint-activity", kinds=(JSON_DS,)))
async def test_ad_hoc_filters_narrow_every_json_panel(
    grafana: Grafana, name: str, panel_id: int
) -> None:
    board, panel = DASHBOARDS[name], panel_by_id(name, panel_id)
    [frames] = await grafana.run_panel(board, panel, [ADHOC_FILTER])
    assert_panel_frames(panel, frames, f"{name}/{panel['title']} (filtered)")
    text = json.dumps(frames)
    others = [e.path for e in ENDPOINTS if e.path != USERS]
    assert not any(f'"{path}"' in text for path in others), "the filter did not apply"
