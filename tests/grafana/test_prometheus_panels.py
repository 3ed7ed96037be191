"""The health dashboard's Prometheus panels: every metric an expression names is in a scrape of
/metrics after traffic."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.demo import DemoOptions, run_demo
from tests.grafana.live import PROBE, TOKENS, Grafana
from tests.grafana.provisioned import DASHBOARDS, query_panels

# PromQL words that look like metric names but are not.
PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
     "unless", "offset", "inf", "nan"}
)  # fmt: skip
# Series Prometheus makes itself for every target; /metrics does not carry them.
SYNTHETIC_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, labels or keywords)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[A-Za-z_:][\w:]*", expr):
        if expr[match.end() :].lstrip().startswith("(") or match.group() in PROMQL_WORDS:
            continue
        names.add(match.group())
    return names


def test_metric_names_are_parsed_out_of_promql() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{job="x"}[5m]))) / '
        "on (instance) group_left b_total + sum(rate(c_total[$__rate_interval])) * 1e3"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c_total"}


@pytest.fixture
async def grafana(aiohttp_client, make_settings, storage, registry) -> Grafana:
    """Grafana's view of a fresh server: the health panels need traffic, not the demo's data."""
    app = create_app(
        make_settings(tokens=TOKENS, sampling="off"), storage=storage, registry=registry
    )
    return Grafana(await aiohttp_client(app))


async def test_prometheus_panels_read_metrics_the_server_exports(grafana: Grafana) -> None:
    """After writes (accepted, stored, one rejected), inserts and queries (ok and failed),
    every metric a health panel names is in the scrape."""
    demo = DemoOptions(url=grafana.base, token=PROBE, account="probe", points=300, days=1)
    await run_demo(demo)
    client = grafana.client
    auth = {"Authorization": f"Bearer {PROBE}"}
    resp = await client.post(
        "/v1/accounts/probe/datasets/usage_indexed_by_customer_id/points",
        json=[{"blobs": ["x"] * 21}],
        headers=auth,
    )
    assert resp.status == 400
    for sql in ("SELECT count() FROM usage_indexed_by_customer_id", "SELECT nope("):
        await client.post("/client/v4/accounts/probe/analytics_engine/sql", data=sql, headers=auth)
    resp = await client.get("/metrics")
    assert resp.status == 200
    exported = {
        sample.name
        for family in text_string_to_metric_families(await resp.text())
        for sample in family.samples
    }
    board = DASHBOARDS["usagehouse-health"]
    for panel in query_panels(board):
        for target in panel["targets"]:
            names = metric_names(target["expr"])
            assert names, f"{panel['title']}: no metric in {target['expr']}"
            missing = names - exported - SYNTHETIC_SERIES
            assert not missing, f"{panel['title']}: {sorted(missing)} not in /metrics"
            for name in names:
                if name.endswith("_bucket"):
                    assert "histogram_quantile" in target["expr"] or target["format"] == "heatmap"
