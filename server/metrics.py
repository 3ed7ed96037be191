"""Every Prometheus metric, declared once, on an injected registry (one per app and test)."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from .errors import AppError

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000)
INTERVAL_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 10_000, 100_000)
# Clients choose dataset names: past this many, new ones share one label so that writing to
# endless distinct datasets cannot grow the scrape (and the server's memory) without bound.
MAX_DATASET_LABELS = 1_000
OTHER_DATASETS = "_other"


class Metrics:
    """The server's metrics; names carry their unit, as client_python recommends."""

    def __init__(
        self, registry: CollectorRegistry, max_dataset_labels: int = MAX_DATASET_LABELS
    ) -> None:
        self.registry = registry
        self._datasets: set[str] = set()
        self._max_datasets = max_dataset_labels
        self.ingest_points_accepted_total = Counter(
            "usagehouse_ingest_points_accepted_total",
            "Data points accepted by the write API (before sampling).",
            ["dataset"],
            registry=registry,
        )
        self.ingest_points_rejected_total = Counter(
            "usagehouse_ingest_points_rejected_total",
            "Data points in write requests rejected as invalid.",
            ["dataset"],
            registry=registry,
        )
        self.ingest_points_stored_total = Counter(
            "usagehouse_ingest_points_stored_total",
            "Rows stored after sampling.",
            ["dataset"],
            registry=registry,
        )
        self.ingest_overloaded_total = Counter(
            "usagehouse_ingest_overloaded_total",
            "Write requests refused because the write queue was full.",
            registry=registry,
        )
        self.sample_interval = SampleIntervals(registry)
        self.write_queue_points = Gauge(
            "usagehouse_write_queue_points",
            "Points queued for the next insert.",
            registry=registry,
        )
        self.insert_duration_seconds = Histogram(
            "usagehouse_insert_duration_seconds",
            "Duration of one group-commit insert into ClickHouse.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.insert_retries_total = Counter(
            "usagehouse_insert_retries_total",
            "Inserts repeated (with their deduplication token) after an unknown outcome.",
            registry=registry,
        )
        self.insert_batch_points = Histogram(
            "usagehouse_insert_batch_points",
            "Rows per group-commit insert.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.http_request_duration_seconds = Histogram(
            "usagehouse_http_request_duration_seconds",
            "HTTP request latency by route and status.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.sql_query_duration_seconds = Histogram(
            "usagehouse_sql_query_duration_seconds",
            "SQL API query latency by outcome.",
            ["outcome"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.sql_queries_by_resolution_total = Counter(
            "usagehouse_sql_queries_by_resolution_total",
            "User queries answered, by the resolution they read (100%, 10%, 1%).",
            ["resolution"],
            registry=registry,
        )

    def dataset_label(self, dataset: str) -> str:
        """The `dataset` label for a dataset: its name, or `_other` once the cap is reached."""
        if dataset in self._datasets:
            return dataset
        if len(self._datasets) < self._max_datasets:
            self._datasets.add(dataset)
            return dataset
        return OTHER_DATASETS

    @contextmanager
    def timed_sql(self) -> Iterator[None]:
        """Observe one user query's latency, labelled "ok" or by its error code."""
        started = time.perf_counter()
        outcome = "ok"
        try:
            yield
        except AppError as e:
            outcome = e.code
            raise
        finally:
            self.sql_query_duration_seconds.labels(outcome).observe(time.perf_counter() - started)


def _le(bound: float) -> str:
    """A bucket bound spelled as prometheus_client spells it (`1.0`, `+Inf`)."""
    text: str = floatToGoString(bound)  # type: ignore[no-untyped-call]
    return text


class SampleIntervals(Collector):
    """Histogram of `_sample_interval` per stored row, by dataset.

    Rows arrive by the thousand with a handful of distinct intervals, so the write path adds
    (interval, rows) pairs and the buckets are computed at scrape time instead of calling
    `Histogram.observe` once per row.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self._rows: dict[str, Tally[int]] = {}
        registry.register(self)

    def add(self, dataset: str, intervals: Iterable[tuple[int, int]]) -> None:
        tally = self._rows.setdefault(dataset, Tally())
        for interval, rows in intervals:
            tally[interval] += rows

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(
            "usagehouse_sample_interval",
            "_sample_interval of stored rows (1 = stored exactly).",
            labels=["dataset"],
        )
        for dataset, tally in self._rows.items():
            buckets = [
                (_le(bound), float(sum(n for i, n in tally.items() if i <= bound)))
                for bound in INTERVAL_BUCKETS
            ]
            buckets.append(("+Inf", float(sum(tally.values()))))
            total = float(sum(i * n for i, n in tally.items()))
            family.add_metric([dataset], buckets, total)
        yield family
