"""The demo's traffic model: pure and deterministic, no I/O.

Dashboards and their tests rely on this data shape (dataset `usage_indexed_by_customer_id`):

    indexes: [customer_id]                      "cust-0001" .. "cust-0050"
    blobs:   [endpoint, method, status, colo]   "/api/v1/users", "GET", "200", "IAD"
    doubles: [latency_ms, response_bytes]       35.2, 2411

- customers: Pareto volume (shape 1.16, the 80/20 rule), so a few are big and most are small;
  each has a home colo (most of its traffic) and its own mix of endpoints;
- endpoints (`ENDPOINTS`): skewed popularity, their own methods, log-normal latency and response
  size, and error rates; `/api/v1/payments` has elevated 5xx, and the backfill holds a one-hour
  incident on it (5xx near 25 %, latency x4);
- status: a string, `200`/`201`/`204` by method on success, else 4xx or 5xx codes;
- time: diurnal (peak 15:00 UTC, trough 03:00 UTC at a quarter of the peak), weekends lower.

The backfill is `--points` points carrying `timestamp` (epoch ms) between one hour inside the old
edge of `--days` and now, in time order; then `--live` seconds at `--rate` points/s that the
server stamps. The same seed and `now` give the same points (`generate_points`).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from .options import EDGE_MARGIN_MS, DemoOptions

Point = dict[str, object]

PARETO_SHAPE = 1.16  # 80 % of the traffic from 20 % of the customers
BUCKET_S = 300  # backfill volume is shaped per 5-minute bucket


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API route of the simulated product, with its traffic profile."""

    path: str
    weight: float  # relative popularity
    methods: tuple[tuple[str, float], ...]
    latency_ms: float  # median
    latency_sigma: float  # log-normal shape
    bytes: float  # median response size
    error_4xx: float
    error_5xx: float


ENDPOINTS = (
    Endpoint(
        "/api/v1/users", 30, (("GET", 85), ("POST", 10), ("PATCH", 5)), 35, 0.5, 2400, 0.02, 0.002
    ),
    Endpoint("/api/v1/events", 24, (("POST", 1),), 18, 0.4, 120, 0.01, 0.001),
    Endpoint("/api/v1/search", 14, (("GET", 1),), 120, 0.8, 18_000, 0.03, 0.004),
    Endpoint("/api/v1/orders", 10, (("GET", 60), ("POST", 40)), 60, 0.6, 3500, 0.03, 0.003),
    Endpoint("/api/v1/auth/token", 8, (("POST", 1),), 25, 0.3, 600, 0.06, 0.001),
    Endpoint("/api/v1/payments", 5, (("POST", 1),), 240, 0.7, 900, 0.04, 0.03),
    Endpoint(
        "/api/v1/files", 5, (("GET", 70), ("PUT", 20), ("DELETE", 10)), 90, 0.7, 64_000, 0.04, 0.002
    ),
    Endpoint("/api/v1/invoices", 4, (("GET", 1),), 80, 0.5, 6000, 0.02, 0.002),
    Endpoint("/api/v1/webhooks", 3, (("POST", 70), ("DELETE", 30)), 45, 0.5, 300, 0.05, 0.005),
    Endpoint("/api/v1/reports/export", 2, (("POST", 1),), 1800, 0.9, 450_000, 0.02, 0.01),
)
INCIDENT_PATH = "/api/v1/payments"
SUCCESS = {"GET": "200", "POST": "201", "PUT": "200", "PATCH": "200", "DELETE": "204"}
CLIENT_ERRORS = (("400", 3), ("401", 2), ("403", 1), ("404", 4), ("429", 1))
SERVER_ERRORS = (("500", 5), ("502", 2), ("503", 2), ("504", 1))
COLOS = (("IAD", 14), ("ORD", 8), ("DFW", 7), ("SJC", 9), ("LHR", 10), ("FRA", 9), ("AMS", 6),
         ("CDG", 5), ("NRT", 6), ("SIN", 6), ("SYD", 4), ("GRU", 4))  # fmt: skip
HOME_COLO_SHARE = 0.85


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


class TrafficModel:
    """Customers, endpoints and colos with their weights; draws one point at a time."""

    def __init__(self, rng: random.Random, customers: int) -> None:
        self.customers = [f"cust-{n:04d}" for n in range(1, customers + 1)]
        # Pareto quantiles rather than raw draws: the head/tail shape holds for every seed.
        volume = [(1 - (k + 0.5) / customers) ** (-1 / PARETO_SHAPE) for k in range(customers)]
        rng.shuffle(volume)
        self._customer_cum = _cumulative(volume)
        colo_cum = _cumulative(w for _, w in COLOS)
        self._colo_cum = colo_cum
        self._home = [_pick(rng, colo_cum) for _ in self.customers]
        # Each customer uses the product a little differently.
        self._endpoint_cum = [
            _cumulative(e.weight * rng.lognormvariate(0, 0.5) for e in ENDPOINTS)
            for _ in self.customers
        ]
        self._method_cum = [_cumulative(w for _, w in e.methods) for e in ENDPOINTS]
        self._client_cum = _cumulative(w for _, w in CLIENT_ERRORS)
        self._server_cum = _cumulative(w for _, w in SERVER_ERRORS)

    def point(self, rng: random.Random, timestamp_ms: int | None, incident: bool = False) -> Point:
        """One request: customer, endpoint, method, status, colo, latency and size."""
        c = _pick(rng, self._customer_cum)
        e = _pick(rng, self._endpoint_cum[c])
        endpoint = ENDPOINTS[e]
        method = endpoint.methods[_pick(rng, self._method_cum[e])][0]
        error_5xx = endpoint.error_5xx
        latency = rng.lognormvariate(math.log(endpoint.latency_ms), endpoint.latency_sigma)
        if incident and endpoint.path == INCIDENT_PATH:
            error_5xx, latency = 0.25, latency * 4
        size = rng.lognormvariate(math.log(endpoint.bytes), 0.6)
        roll = rng.random()
        if roll < error_5xx:
            status = SERVER_ERRORS[_pick(rng, self._server_cum)][0]
            latency, size = latency * 3, 150.0
        elif roll < error_5xx + endpoint.error_4xx:
            status = CLIENT_ERRORS[_pick(rng, self._client_cum)][0]
            latency, size = latency * 0.3, 200.0
        else:
            status = SUCCESS[method]
            size = 0.0 if status == "204" else size
        home = self._home[c]
        colo = home if rng.random() < HOME_COLO_SHARE else _pick(rng, self._colo_cum)
        point: Point = {
            "indexes": [self.customers[c]],
            "blobs": [endpoint.path, method, status, COLOS[colo][0]],
            "doubles": [round(latency, 2), int(size)],
        }
        if timestamp_ms is not None:
            point["timestamp"] = timestamp_ms
        return point


def diurnal(epoch_s: float) -> float:
    """Relative traffic at a moment: peak 15:00 UTC, trough 03:00 UTC, weekends at 60 %."""
    hour = (epoch_s % 86_400) / 3600
    weekend = datetime.fromtimestamp(epoch_s, UTC).weekday() >= 5
    return (1 + 0.6 * math.cos(2 * math.pi * (hour - 15) / 24)) * (0.6 if weekend else 1.0)


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` over buckets in proportion to weights, exactly (largest remainder)."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def generate_points(options: DemoOptions, now_ms: int) -> Iterator[Point]:
    """The backfill, in time order: deterministic for (seed, customers, days, points, now)."""
    rng = random.Random(options.seed)
    model = TrafficModel(rng, options.customers)
    start_ms = now_ms - int(options.days * 86_400_000) + EDGE_MARGIN_MS
    bucket_ms = BUCKET_S * 1000
    buckets = math.ceil((now_ms - start_ms) / bucket_ms)
    weights = [
        diurnal((start_ms + (i + 0.5) * bucket_ms) / 1000) * rng.lognormvariate(0, 0.1)
        for i in range(buckets)
    ]
    counts = _allocate(options.points, weights)
    incident_ms = start_ms + int(rng.random() * max(0, now_ms - start_ms - 3_600_000))
    for i, count in enumerate(counts):
        low = start_ms + i * bucket_ms
        high = min(low + bucket_ms, now_ms + 1)
        for ts in sorted(rng.randrange(low, high) for _ in range(count)):
            yield model.point(rng, ts, incident_ms <= ts < incident_ms + 3_600_000)


def live_points(options: DemoOptions) -> Iterator[Point]:
    """Endless live traffic from the same customers; the server stamps the time."""
    model = TrafficModel(random.Random(options.seed), options.customers)
    rng = random.Random(f"{options.seed}:live")
    while True:
        yield model.point(rng, None)
