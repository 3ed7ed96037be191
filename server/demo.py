"""`usagehouse demo`: realistic multi-customer API traffic, written to a usagehouse server.

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

import argparse
import asyncio
import bisect
import itertools
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import quote

import aiohttp
import orjson

Point = dict[str, object]
Progress = Callable[[int, int], None]

TOKEN_ENV = "USAGEHOUSE_DEMO_TOKEN"
DEFAULT_DATASET = "usage_indexed_by_customer_id"
PARETO_SHAPE = 1.16  # 80 % of the traffic from 20 % of the customers
BUCKET_S = 300  # backfill volume is shaped per 5-minute bucket
EDGE_MARGIN_MS = 3_600_000  # stay an hour inside the old edge of the window
RETRYABLE = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 30
LIVE_TICK_S = 1.0


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


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


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What `usagehouse demo` writes and where; defaults match the CLI's."""

    url: str = "http://127.0.0.1:8787"
    account: str = "demo"
    token: str = ""
    dataset: str = DEFAULT_DATASET
    customers: int = 50
    days: float = 7.0
    points: int = 200_000
    live: float = 0.0  # seconds of live traffic after the backfill; -1 = until interrupted
    rate: float = 200.0
    seed: int = 1
    batch: int = 1000
    concurrency: int = 4
    wait: float = 0.0  # seconds to wait for the server to come up

    def check(self) -> None:
        """Raise DemoError for values that cannot produce valid traffic."""
        if not 1 <= self.customers <= 99_999:
            raise DemoError("--customers must be between 1 and 99999")
        if self.days * 86_400_000 < EDGE_MARGIN_MS + 60_000:
            raise DemoError("--days must span more than an hour (the backfill stays 1 h inside)")
        if self.points < 0 or self.batch < 1 or self.concurrency < 1 or self.rate <= 0:
            raise DemoError("--points must be >= 0; --batch, --concurrency and --rate positive")
        if self.live < 0 and self.live != -1:
            raise DemoError("--live takes seconds, or -1 to run until interrupted")


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a demo run wrote: points the server accepted and stored (after sampling)."""

    accepted: int
    stored: int
    requests: int
    retries: int
    elapsed_s: float


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


def _chunks(points: Iterator[Point], size: int) -> Iterator[list[Point]]:
    while chunk := list(itertools.islice(points, size)):
        yield chunk


def _error_message(body: bytes) -> str:
    """The reason in our error shape or Cloudflare's v4 envelope, else the raw text."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode(errors="replace").strip()[:300]
    if isinstance(data, dict):
        if isinstance(data.get("error"), str):
            return str(data["error"])
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", errors[0]))
    return body.decode(errors="replace")[:300]


class _Sender:
    """Posts batches with bounded concurrency; retries overload answers under the same key."""

    def __init__(self, session: aiohttp.ClientSession, options: DemoOptions, run_id: int) -> None:
        self._session = session
        self._options = options
        self._run_id = run_id
        self._url = (
            f"{options.url.rstrip('/')}/v1/accounts/{quote(options.account, safe='')}"
            f"/datasets/{quote(options.dataset, safe='')}/points"
        )
        self._headers = {"Content-Type": "application/json"}
        if options.token:
            self._headers["Authorization"] = f"Bearer {options.token}"
        self.batches = 0
        self.accepted = self.stored = self.requests = self.retries = 0

    async def send_all(
        self, batches: Iterable[list[Point]], on_sent: Callable[[], None] | None = None
    ) -> None:
        """Send every batch, at most `concurrency` in flight; the first fatal error stops all."""
        pending: set[asyncio.Task[None]] = set()
        try:
            for batch in batches:
                if len(pending) >= self._options.concurrency:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()
                self.batches += 1
                pending.add(asyncio.create_task(self._send(batch, self.batches, on_sent)))
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def _send(
        self, batch: list[Point], number: int, on_sent: Callable[[], None] | None
    ) -> None:
        # One key per batch of this run: a retry after a lost answer never counts twice,
        # and a second demo run (a new run id) is not mistaken for a retry of the first.
        key = f"demo-{self._options.seed}-{self._run_id}-{number}"
        headers = {**self._headers, "Idempotency-Key": key}
        body = orjson.dumps(batch)
        last = ""
        for attempt in range(MAX_ATTEMPTS):
            self.requests += 1
            try:
                async with self._session.post(self._url, data=body, headers=headers) as response:
                    payload = await response.read()
                    status = response.status
                    retry_after = response.headers.get("Retry-After")
            except (aiohttp.ClientConnectionError, TimeoutError) as e:
                self.retries += 1
                await asyncio.sleep(min(0.5 * 2.0**attempt, 10.0))
                last = f"{type(e).__name__}: {e}"
                continue
            if status == 200:
                answer = orjson.loads(payload)
                self.accepted += int(answer.get("accepted", len(batch)))
                self.stored += int(answer.get("stored", 0))
                if on_sent is not None:
                    on_sent()
                return
            message = _error_message(payload)
            if status in RETRYABLE:
                self.retries += 1
                await asyncio.sleep(_delay(retry_after, attempt))
                last = f"{status}: {message}"
                continue
            raise DemoError(_explain(status, message, self._options))
        raise DemoError(f"gave up on a batch after {MAX_ATTEMPTS} attempts (last: {last})")


def _delay(retry_after: str | None, attempt: int) -> float:
    """Retry-After in seconds when the server sent one, else exponential backoff."""
    if retry_after is not None:
        try:
            seconds = float(retry_after)
            return min(max(seconds, 0.0), 60.0)
        except ValueError:
            pass  # an HTTP date: fall back to backoff
    return min(0.5 * 2.0**attempt, 10.0)


def _explain(status: int, message: str, options: DemoOptions) -> str:
    if status in (401, 403):
        hint = (
            f"pass a token with write scope for account {options.account!r} "
            f"(--token or {TOKEN_ENV})"
            if not options.token
            else f"check that the token has write scope ('w' or 'rw') for account "
            f"{options.account!r} in the server's USAGEHOUSE_TOKENS"
        )
        return f"the server refused the write ({status}: {message}); {hint}"
    if "retention" in message:
        return f"{message}; lower --days below the server's USAGEHOUSE_RETENTION_DAYS"
    return f"the server answered {status}: {message}"


async def _wait_for_server(session: aiohttp.ClientSession, options: DemoOptions) -> None:
    """GET /health, retrying for up to `options.wait` seconds; DemoError if it never answers."""
    deadline = time.monotonic() + options.wait
    url = f"{options.url.rstrip('/')}/health"
    while True:
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return
                problem = f"GET /health answered {response.status}"
        except (aiohttp.ClientError, TimeoutError) as e:
            problem = f"{type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            raise DemoError(
                f"cannot reach usagehouse at {options.url} ({problem}); start it with "
                "`usagehouse serve` or point --url at a running server"
            )
        await asyncio.sleep(1)


async def _send_live(sender: _Sender, options: DemoOptions, report: Callable[[], None]) -> None:
    """Send `rate` points per second, a batch per tick, for `live` seconds (or forever)."""
    points = live_points(options)
    limit = math.inf if options.live == -1 else int(options.live * options.rate)
    started = time.monotonic()
    sent = 0
    while sent < limit:
        await asyncio.sleep(LIVE_TICK_S)
        elapsed = time.monotonic() - started
        due = int(min(elapsed * options.rate, limit)) - sent
        if due > 0:
            # A slow server makes the next tick's share larger, so the rate catches up.
            await sender.send_all(_chunks(itertools.islice(points, due), options.batch), report)
            sent += due


async def run_demo(options: DemoOptions, progress: Progress | None = None) -> DemoSummary:
    """Backfill `options.points` points over `options.days`, then send live traffic.

    `progress(done, total)` is called after each batch; `total` is 0 when the run is endless.
    """
    options.check()
    started = time.monotonic()
    now_ms = int(time.time() * 1000)
    live_total = 0 if options.live == -1 else int(options.live * options.rate)
    total = 0 if options.live == -1 else options.points + live_total
    timeout = aiohttp.ClientTimeout(total=120, connect=10)
    connector = aiohttp.TCPConnector(limit=options.concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await _wait_for_server(session, options)
        sender = _Sender(session, options, now_ms)

        def report() -> None:
            if progress is not None:
                progress(sender.accepted, total)

        if progress is not None:
            progress(0, total)
        await sender.send_all(_chunks(generate_points(options, now_ms), options.batch), report)
        if options.live:
            await _send_live(sender, options, report)
    return DemoSummary(
        accepted=sender.accepted,
        stored=sender.stored,
        requests=sender.requests,
        retries=sender.retries,
        elapsed_s=time.monotonic() - started,
    )


class ProgressBar:
    """Progress on a stream: one redrawn bar on a terminal, an occasional line otherwise."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._clock = clock
        self._started = clock()
        self._last_draw = -math.inf
        self._drawn = False
        self.done = 0

    def update(self, done: int, total: int) -> None:
        self.done = done
        now = self._clock()
        finished = total > 0 and done >= total
        if now - self._last_draw < (0.1 if self._tty else 10.0) and not finished:
            return
        self._last_draw = now
        rate = done / max(now - self._started, 1e-9)
        if total > 0:
            share = min(done / total, 1.0)
            filled = int(share * 30)
            text = f"[{'#' * filled}{'.' * (30 - filled)}] {share:6.1%} {done:,}/{total:,} points"
        else:
            text = f"{done:,} points"
        text += f"  {rate:,.0f} points/s"
        if self._tty:
            self._stream.write(f"\r{text}\x1b[K")
            self._drawn = True
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def close(self) -> None:
        """End the redrawn line so later output starts on a fresh one."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


# The CLI's flags: (option field, type, help); defaults come from DemoOptions.
FLAGS: tuple[tuple[str, type, str], ...] = (
    ("url", str, "server base URL"),
    ("account", str, "account id to write to"),
    ("token", str, f"write token, sent as Bearer (default ${TOKEN_ENV}; none in local-dev mode)"),
    ("dataset", str, "dataset to write to"),
    ("customers", int, "number of customers"),
    ("days", float, "backfill span in days; keep it within the server's retention"),
    ("points", int, "backfill points in total"),
    ("live", float, "seconds of live traffic after the backfill; -1 runs until Ctrl-C"),
    ("rate", float, "live points per second"),
    ("seed", int, "random seed: the same seed writes the same traffic"),
    ("batch", int, "points per request"),
    ("concurrency", int, "requests in flight"),
    ("wait", float, "seconds to wait for the server to answer /health"),
)


def add_demo_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `usagehouse demo` on the CLI's subcommands."""
    demo = subparsers.add_parser(
        "demo",
        help="write realistic multi-customer traffic to a server",
        description="Backfill realistic API usage for many customers (Pareto volume, diurnal "
        "pattern, errors, latencies), then optionally keep sending live traffic.",
    )
    defaults = DemoOptions(token=os.environ.get(TOKEN_ENV, ""))
    for name, kind, text in FLAGS:
        default = getattr(defaults, name)
        shown = "" if name == "token" else f" (default {default})"
        demo.add_argument(f"--{name}", type=kind, default=default, help=text + shown)
    demo.set_defaults(run=_demo_command)


def _demo_command(args: argparse.Namespace) -> int:
    options = DemoOptions(**{name: getattr(args, name) for name, _, _ in FLAGS})
    bar = ProgressBar(sys.stderr)
    try:
        summary = asyncio.run(run_demo(options, bar.update))
    except DemoError as e:
        bar.close()
        print(f"usagehouse demo: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        print(f"usagehouse demo: stopped after {bar.done:,} points", file=sys.stderr)
        return 0 if options.live == -1 else 130
    bar.close()
    print(
        f"wrote {summary.accepted:,} points ({summary.stored:,} stored after sampling) to "
        f"{options.url} account {options.account!r} dataset {options.dataset!r} in "
        f"{summary.elapsed_s:.1f} s ({summary.requests:,} requests, {summary.retries} retried)"
    )
    return 0
