"""/metrics exposes ingest counts by dataset, queue depth, insert latency and batch size."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.metrics import Metrics

URL = "/v1/accounts/acct_a/datasets/{}/points"


async def scrape(client) -> dict[tuple[str, tuple], float]:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


async def test_ingest_counters_by_dataset(client):
    await client.post(URL.format("usage"), json=[{}] * 3)
    await client.post(URL.format("usage"), json=[{}, {"blobs": 1}])
    await client.post(URL.format("other"), json={})
    m = await scrape(client)
    ds = lambda name: (("dataset", name),)  # noqa: E731
    assert m[("usagehouse_ingest_points_accepted_total", ds("usage"))] == 3
    assert m[("usagehouse_ingest_points_rejected_total", ds("usage"))] == 2
    assert m[("usagehouse_ingest_points_stored_total", ds("usage"))] == 3
    assert m[("usagehouse_ingest_points_accepted_total", ds("other"))] == 1
    assert m[("usagehouse_write_queue_points", ())] == 0
    assert m[("usagehouse_insert_batch_points_count", ())] == 2
    assert m[("usagehouse_insert_batch_points_sum", ())] == 4
    assert m[("usagehouse_insert_duration_seconds_count", ())] == 2
    route = "/v1/accounts/{account_id}/datasets/{dataset}/points"
    labels = (("method", "POST"), ("route", route), ("status", "200"))
    assert m[("usagehouse_http_request_duration_seconds_count", labels)] == 2
    labels_400 = (("method", "POST"), ("route", route), ("status", "400"))
    assert m[("usagehouse_http_request_duration_seconds_count", labels_400)] == 1


async def test_sample_interval_histogram_counts_stored_rows(client):
    await client.post(URL.format("usage"), json=[{"indexes": ["a"]}] * 5)
    m = await scrape(client)
    labels = (("dataset", "usage"), ("le", "1.0"))
    assert m[("usagehouse_sample_interval_bucket", labels)] == 5
    assert m[("usagehouse_sample_interval_count", (("dataset", "usage"),))] == 5
    assert m[("usagehouse_sample_interval_sum", (("dataset", "usage"),))] == 5


async def test_metrics_token_guards_the_scrape(aiohttp_client, make_settings, storage):
    app = create_app(make_settings(metrics_token="scrape-secret"), storage=storage)
    client = await aiohttp_client(app)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape-secret"}):
        resp = await client.get("/metrics", headers=headers)
        assert resp.status == 401
        assert "USAGEHOUSE_METRICS_TOKEN" in (await resp.json())["error"]
    resp = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert resp.status == 200
    assert "usagehouse_write_queue_points" in await resp.text()


def test_dataset_labels_are_capped_so_client_names_cannot_grow_the_scrape():
    metrics = Metrics(CollectorRegistry(), max_dataset_labels=2)
    labels = [metrics.dataset_label(name) for name in ("a", "b", "c", "a", "d", "b")]
    assert labels == ["a", "b", "_other", "a", "_other", "b"]
