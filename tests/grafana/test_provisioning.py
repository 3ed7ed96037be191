"""The provisioned Grafana setup (grafana/) parses and hangs together: every provisioning YAML
and dashboard JSON parses; every datasource a dashboard names (panels, targets, variables) is
provisioned, with a plugin compose installs; the panels are set up as their plugins need."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from server.billing import Usage, compute_invoice, invoice_to_dict
from server.demo import ENDPOINTS
from tests.grafana.plugins import infinity_backend_frame
from tests.grafana.provisioned import (
    ALTINITY,
    BILLING,
    COMPOSE,
    CORE_TYPES,
    DASHBOARDS,
    DATASOURCES,
    GRAFANA,
    GRAFANA_ENV,
    INFINITY,
    JSON_DS,
    NO_QUERY_PANELS,
    PRICING,
    PROMETHEUS,
    PROVISIONING,
    ROOT,
    ds_type,
    panels,
    provisioned,
    query_panels,
    references,
)


def installed_plugins() -> set[str]:
    names = set()
    for var in ("GF_PLUGINS_PREINSTALL_SYNC", "GF_PLUGINS_PREINSTALL", "GF_INSTALL_PLUGINS"):
        for entry in str(GRAFANA_ENV.get(var, "")).split(","):
            if entry.strip():
                names.add(entry.strip().split("@")[0].split()[0])
    return names


def grafana_mounts() -> dict[str, str]:
    """Host path -> container path of the grafana service's bind mounts."""
    mounts = {}
    for volume in COMPOSE["services"]["grafana"]["volumes"]:
        source, target, *_ = volume.split(":")
        mounts[source.removeprefix("./").rstrip("/")] = target
    return mounts


def test_provisioning_files_parse_as_grafana_expects() -> None:
    kinds = {name.split("/")[1] for name in PROVISIONING}
    assert kinds == {"datasources", "dashboards"}
    for name, doc in PROVISIONING.items():
        assert doc["apiVersion"] == 1, name
    assert len(DATASOURCES) == sum(
        len(doc.get("datasources") or []) for doc in PROVISIONING.values()
    ), "datasource uids must be unique"
    for uid, ds in DATASOURCES.items():
        assert {"name", "type", "url"} <= set(ds), uid
        assert ds.get("access") == "proxy", f"{uid}: custom headers need server (proxy) access"
        assert re.fullmatch(r"[a-z0-9-]{1,40}", uid), uid
    assert sum(bool(ds.get("isDefault")) for ds in DATASOURCES.values()) <= 1


def test_datasource_types_are_the_plugins_compose_installs() -> None:
    installed = installed_plugins()
    types = {ds["type"] for ds in DATASOURCES.values()}
    assert types <= installed | CORE_TYPES, f"not installed: {types - installed - CORE_TYPES}"
    assert {JSON_DS, INFINITY, ALTINITY, PROMETHEUS} <= types
    assert installed <= types, "a plugin is installed but has no datasource"


def test_datasources_read_the_environment_compose_passes() -> None:
    text = "\n".join(
        path.read_text() for path in (GRAFANA / "provisioning" / "datasources").glob("*.y*ml")
    )
    used = set(re.findall(r"\$\{?(\w+)\}?", text.replace("$$", "")))
    assert used and used <= set(GRAFANA_ENV), f"not set on grafana: {used - set(GRAFANA_ENV)}"
    for ds in DATASOURCES.values():
        if ds["type"] != PROMETHEUS:
            headers = ds["jsonData"]["httpHeaderName1"], ds["secureJsonData"]["httpHeaderValue1"]
            assert headers == ("Authorization", "Bearer ${UH_READ_TOKEN}"), ds["uid"]


def test_plugin_settings_follow_the_documented_setups() -> None:
    by_type = {ds["type"]: ds for ds in DATASOURCES.values()}
    assert by_type[JSON_DS]["url"] == "${UH_URL}/grafana/json"
    for infinity in (ds for ds in DATASOURCES.values() if ds["type"] == INFINITY):
        assert infinity["jsonData"]["allowedHosts"] == ["${UH_URL}"], infinity["uid"]
        assert infinity["url"].startswith("${UH_URL}/"), infinity["uid"]
    assert DATASOURCES[BILLING]["type"] == INFINITY
    assert DATASOURCES[BILLING]["url"] == "${UH_URL}/v1/accounts/${UH_ACCOUNT}/billing"
    altinity = by_type[ALTINITY]  # Cloudflare's WAE setup: the SQL API URL, auth settings off
    assert altinity["url"] == "${UH_URL}/client/v4/accounts/${UH_ACCOUNT}/analytics_engine/sql"
    assert not altinity.get("basicAuth") and not altinity.get("withCredentials")
    assert altinity["jsonData"]["usePOST"] is True  # GET would append `/?query=` to the URL
    prometheus = by_type[PROMETHEUS]
    assert urlsplit(prometheus["url"]).hostname in COMPOSE["services"]
    assert any(p.endswith(":9090") for p in COMPOSE["services"]["prometheus"]["ports"])


def test_documented_infinity_setup_is_the_provisioned_one() -> None:
    """The Infinity section of docs/grafana.md describes the provisioned datasource and a
    target that works with it (a URL relative to the datasource URL), not a setup of its own."""
    page = (ROOT / "docs" / "grafana.md").read_text()
    section = page[page.index("## Infinity") : page.index("## Altinity")]
    ds = DATASOURCES["usagehouse-infinity"]
    assert provisioned(
        ds["url"], {"UH_URL": "http://<host>:8787", "UH_ACCOUNT": "<account_id>"}
    ) in (section.replace("`\n`", ""))
    assert f"`{ds['jsonData']['customHealthCheckUrl']}`" in section
    [block] = re.findall(r"```json\n(.*?)```", section, re.S)
    target = json.loads(block)
    panel_urls = {t["url"].split("?")[0] for _, _, t in infinity_targets() if "sql" in t["url"]}
    assert panel_urls == {target["url"]}


def test_dashboard_provider_reads_the_mounted_directory() -> None:
    mounts = grafana_mounts()
    assert mounts["grafana/provisioning"] == "/etc/grafana/provisioning"
    providers = [p for n, d in PROVISIONING.items() if "/dashboards/" in n for p in d["providers"]]
    assert [p["options"]["path"] for p in providers] == [mounts["grafana/dashboards"]]
    assert all(p["type"] == "file" and p["name"] for p in providers)


def test_dashboards_are_valid_grafana_12_models() -> None:
    assert set(DASHBOARDS) == {"customer-usage", "endpoint-activity", "usagehouse-health"}
    uids = [board["uid"] for board in DASHBOARDS.values()]
    assert len(set(uids)) == len(uids)
    for name, board in DASHBOARDS.items():
        assert re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"]), name
        assert board["title"] and 39 <= board["schemaVersion"] <= 41, name
        assert board.get("id") is None and "__inputs" not in board, name
        assert "${DS_" not in json.dumps(board), f"{name}: export-for-sharing placeholders"
        ids = [p["id"] for p in panels(board)]
        assert len(set(ids)) == len(ids), f"{name}: panel ids repeat"
        cells: set[tuple[int, int]] = set()
        for panel in panels(board):
            g = panel["gridPos"]
            assert g["x"] >= 0 and g["w"] >= 1 and g["x"] + g["w"] <= 24, panel["title"]
            mine = {
                (x, y)
                for x in range(g["x"], g["x"] + g["w"])
                for y in range(g["y"], g["y"] + g["h"])
            }
            assert not mine & cells, f"{name}: {panel['title']} overlaps another panel"
            cells |= mine


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_datasource_reference_is_provisioned(name: str) -> None:
    board = DASHBOARDS[name]
    refs = list(references(board))
    assert refs
    for ref in refs:
        if ref.get("type") == "grafana":  # the built-in annotations query
            continue
        assert ref.get("uid") in DATASOURCES, f"{name}: unknown datasource {ref}"
        assert ref["type"] == DATASOURCES[ref["uid"]]["type"], f"{name}: {ref}"
    for panel in panels(board):
        if panel["type"] in NO_QUERY_PANELS:
            continue
        assert panel["targets"], f"{name}: {panel['title']} has no queries"
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], f"{name}: {panel['title']}"
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])


def test_customer_usage_is_driven_by_a_customer_variable() -> None:
    board = DASHBOARDS["customer-usage"]
    [variable] = board["templating"]["list"]
    assert (variable["name"], variable["type"]) == ("customer", "query")
    assert ds_type(variable) == JSON_DS and variable["refresh"] == 2  # on time range change
    for panel in query_panels(board):
        assert "customer" in json.dumps(panel["targets"]), f"{panel['title']} ignores $customer"
    kinds = {ds_type(p) for p in query_panels(board)}
    assert kinds == {JSON_DS, INFINITY, ALTINITY}


def test_endpoint_activity_has_ad_hoc_filters_on_the_json_datasource() -> None:
    variables = DASHBOARDS["endpoint-activity"]["templating"]["list"]
    adhoc = [v for v in variables if v["type"] == "adhoc"]
    assert len(adhoc) == 1 and ds_type(adhoc[0]) == JSON_DS


def test_health_dashboard_is_all_prometheus() -> None:
    board = DASHBOARDS["usagehouse-health"]
    assert {ds_type(p) for p in query_panels(board)} == {PROMETHEUS}


def infinity_targets() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (name, panel, target)
        for name, board in DASHBOARDS.items()
        for panel in query_panels(board)
        if ds_type(panel) == INFINITY
        for target in panel["targets"]
    ]


def test_infinity_panels_are_alert_ready() -> None:
    """Backend parser (runs on the Grafana server), backend time macros rather than the
    frontend's ${__from}, typed columns, numbers unquoted; one without dashboard variables."""
    found = infinity_targets()
    assert {name for name, _, _ in found} >= {"customer-usage"}
    free_of_variables = 0
    for _, panel, target in found:
        where = panel["title"]
        assert (target["type"], target["source"], target["parser"]) == ("json", "url", "backend")
        assert all(c["type"] in ("timestamp_epoch", "number", "string") for c in target["columns"])
        if panel["datasource"]["uid"] == BILLING:
            continue  # GETs an invoice: test_bill_panels_read_the_invoice_of_the_range_end
        assert target["root_selector"] == "data", where
        assert "output_format_json_quote_64bit_integers=0" in target["url"], where
        options = target["url_options"]
        assert (options["method"], options["body_type"]) == ("POST", "raw"), where
        body = options["data"]
        assert "${__timeFrom:date:seconds}" in body and "${__timeTo:date:seconds}" in body, where
        assert not re.search(r"\$\{?__(from|to|interval)\b", body), f"{where}: frontend macro"
        free_of_variables += not re.search(r"\$(?!\{?__)", body)
    assert free_of_variables, "no Infinity panel works in an alert rule without variables"


def test_bill_panels_read_the_invoice_of_the_range_end() -> None:
    """A Billing row below the daily breakdown: a stat of the invoice total and a table of its
    lines, both GETting the billing API's invoice for the UTC month the time range ends in
    (Infinity's backend macro, so alert rules get it too) and picking fields it answers."""
    board = DASHBOARDS["customer-usage"]
    by_title = {p["title"]: p for p in panels(board)}
    row, stat, table = by_title["Billing"], by_title["Month-to-date bill"], by_title["Bill lines"]
    assert (
        row["type"] == "row" and row["gridPos"]["y"] > by_title["Daily breakdown"]["gridPos"]["y"]
    )
    assert (stat["type"], table["type"]) == ("stat", "table")
    for panel in (stat, table):
        assert panel["datasource"] == {"type": INFINITY, "uid": BILLING}
        assert panel["gridPos"]["y"] > row["gridPos"]["y"]
        assert "exact pre-sampling counters" in panel["description"]
        [target] = panel["targets"]
        assert target["url"] == "/invoices/${__timeTo:date:YYYY-MM}/${customer:percentencode}"
        assert target["url_options"]["method"] == "GET" and not target["url_options"]["params"]
    # The invoice JSON the API answers, for a month of example-priced usage.
    usage = [Usage("requests", e.path, Decimal(900), exact=True) for e in ENDPOINTS]
    usage.append(Usage("egress", None, Decimal(5 * 10**9), exact=True))
    invoice = invoice_to_dict(compute_invoice(PRICING, "cust-0001", "2026-11", usage))
    [total] = stat["targets"][0]["columns"]
    assert (stat["targets"][0]["root_selector"], total["selector"]) == ("", "total")
    assert total["type"] == "number" and stat["fieldConfig"]["defaults"]["unit"] == "currencyUSD"
    assert PRICING.currency == "USD", "the bill panels' unit is currencyUSD"
    assert infinity_backend_frame(stat["targets"][0], invoice)["fields"][0]["values"] == [
        float(str(invoice["total"]))
    ]
    target = table["targets"][0]
    assert target["root_selector"] == "lines"
    columns = {c["selector"]: c["type"] for c in target["columns"]}
    wanted = {"meter", "dimension", "quantity", "unit_price", "amount", "source"}
    assert wanted <= set(columns) and columns["quantity"] == columns["amount"] == "number"
    lines = invoice["lines"]
    assert isinstance(lines, list) and set(columns) <= set(lines[0])
    frame = infinity_backend_frame(target, invoice)
    assert all(len(f["values"]) == len(ENDPOINTS) + 1 for f in frame["fields"])
