"""Query benchmark: the usage-billing recipe through the HTTP API, against chDB in-process.

Generates `--points` points (default 10 million; Pareto shape 1.16 across 10,000 customers, 20
endpoints, 30 days ending now) straight into embedded chDB in a temp dir, with ClickHouse
generating the rows (`INSERT ... SELECT ... FROM numbers(N)`, deterministic hashes), then copies
the directory so that each has exactly one owning process. For the four queries of Cloudflare's
usage-based billing recipe it times, interleaved round by round:

- HTTP: the WAE SQL POSTed to a real `python -m server serve` on loopback (on the copy), over
  one keep-alive connection: translation, limits, chDB, response;
- direct: the translated ClickHouse SQL, with the same SETTINGS the server sends, on a chDB
  session in this process (on the original).

Each figure is the median of `--runs` rounds after a warm-up; both answers must hold the same
rows. Then translation time: warm cache, cold (the translation cache cleared before each call) and
cold including the per-dataset subquery cache.

    python benchmarks/query.py [--points 10000000] [--runs 9]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT = "bench"
DATASET = "usage_indexed_by_customer_id"
DATABASE = "usagehouse"
CUSTOMERS = 10_000
ENDPOINTS = 20
DAYS = 30
PARETO_SHAPE = 1.16
#: Customer rank 100 of 10,000 (0 is the largest): about 0.1 % of all points.
MID_CUSTOMER = "customer-100"
SQL_PATH = f"/client/v4/accounts/{ACCOUNT}/analytics_engine/sql"


def uniform(salt: int) -> str:
    """A deterministic uniform in [0, 1) per row: the top 53 bits of a hash of (row, salt)."""
    return f"(bitShiftRight(intHash64(number * 8 + {salt}), 11) / 9007199254740992.0)"


def generate_sql(points: int, now: int, days: int = DAYS) -> str:
    """INSERT ... SELECT that writes `points` recipe points over the `days` ending at `now`
    (epoch seconds).

    Customer rank r = floor(N * x), x with density proportional to x^(-1/shape) on [0.5/N, 1]
    (inverse CDF below): the continuous form of Pareto volumes by rank, so the top 20 % of
    customers send ~75 % of the traffic and the largest ~3 %. Endpoints are skewed too.
    """
    beta = 1 - 1 / PARETO_SHAPE
    low = (0.5 / CUSTOMERS) ** beta
    rank = f"toUInt32(floor({CUSTOMERS} * pow({low} + {uniform(1)} * {1 - low}, {1 / beta})))"
    endpoint = f"toUInt32(floor({ENDPOINTS} * pow({uniform(2)}, 2)))"
    span = days * 86_400
    return f"""INSERT INTO {DATABASE}.points
    (account_id, dataset, timestamp, _sample_interval, index1, blob1, double1)
SELECT
    '{ACCOUNT}',
    '{DATASET}',
    toDateTime({now} - intHash64(number * 8 + 3) % {span}, 'UTC'),
    1,
    'customer-' || toString(least({rank}, {CUSTOMERS - 1})),
    '/api/v1/endpoint' || toString({endpoint}),
    toFloat64(100 + intHash64(number * 8 + 4) % 50000)
FROM numbers({points})"""


def recipe_queries(start: str, end: str) -> dict[str, str]:
    """The four recipe queries; 3 and 4 for one mid-sized customer over [start, end)."""
    per_customer = (
        f"SELECT index1 AS customer_id, blob1 AS request_endpoint, "
        f"sum(_sample_interval) AS count FROM {DATASET} WHERE customer_id = '{MID_CUSTOMER}' "
        f"AND timestamp >= toDateTime('{start}') AND timestamp < toDateTime('{end}') "
        "GROUP BY customer_id, request_endpoint"
    )
    daily = (
        "SELECT index1 AS customer_id, blob1 AS request_endpoint, "
        "toStartOfInterval(timestamp, INTERVAL '1' DAY) AS date, "
        f"sum(_sample_interval) AS count FROM {DATASET} WHERE customer_id = '{MID_CUSTOMER}' "
        f"AND timestamp >= toDateTime('{start}') AND timestamp < toDateTime('{end}') "
        "GROUP BY customer_id, date, request_endpoint"
    )
    return {
        "1 per customer": (
            f"SELECT index1 AS customer_id, sum(_sample_interval) AS count FROM {DATASET} "
            "GROUP BY customer_id"
        ),
        "2 per customer+endpoint": (
            "SELECT index1 AS customer_id, blob1 AS request_endpoint, "
            f"sum(_sample_interval) AS count FROM {DATASET} "
            "GROUP BY customer_id, request_endpoint"
        ),
        "3 one customer, month": per_customer,
        "4 one customer, daily": daily,
    }


def interleaved_ms(
    runs: int, **contenders: Callable[[], bytes]
) -> tuple[dict[str, float], dict[str, bytes]]:
    """Median wall time (ms) of each contender over `runs` rounds after one warm-up round, and
    each one's warm-up answer. Rounds interleave the contenders (ABBA order), so load from
    other processes on the machine falls on both alike."""
    answers = {name: run() for name, run in contenders.items()}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    order = list(contenders.items())
    for round_ in range(runs):
        for name, run in order if round_ % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}, answers


def same_rows(body: bytes) -> list[bytes]:
    """A JSON answer's lines in a fixed order: GROUP BY without ORDER BY may order rows
    differently from run to run."""
    return sorted(line.rstrip(b",") for line in body.splitlines())


def rows(body: bytes) -> int:
    """The `rows` count of a JSON answer."""
    return int(body.rsplit(b'"rows": ', 1)[1].split(b",", 1)[0])


def describe(session: Any, start: str, end: str) -> str:
    """One line on the generated data: its shape and the mid-sized customer's share."""
    per_customer = f"SELECT index1, count() AS n FROM {DATABASE}.points GROUP BY index1"
    customers, top, top_fifth = (
        session.query(
            f"SELECT count(), max(n) / sum(n), "
            f"arraySum(arraySlice(arrayReverseSort(groupArray(n)), 1, intDiv(count(), 5))) "
            f"/ sum(n) FROM ({per_customer})",
            "TabSeparated",
        )
        .bytes()
        .decode()
        .split()
    )
    endpoints, mid, first, last = (
        session.query(
            f"SELECT uniqExact(blob1), countIf(index1 = '{MID_CUSTOMER}' AND timestamp >= "
            f"'{start}' AND timestamp < '{end}'), min(timestamp), max(timestamp) "
            f"FROM {DATABASE}.points",
            "TSV",
        )
        .bytes()
        .decode()
        .strip()
        .split("\t")
    )
    return (
        f"{int(customers):,} customers (the largest has {float(top):.1%} of the points, the "
        f"top 20% {float(top_fifth):.0%}), {endpoints} endpoints, {first} .. {last} UTC; "
        f"{MID_CUSTOMER}: {int(mid):,} points in [{start}, {end})"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: str) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGEHOUSE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--storage", data_dir],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return port, proc
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    proc.kill()
    raise RuntimeError("server did not start")


def translation_times(queries: dict[str, str]) -> tuple[float, float, float]:
    """Median microseconds per translate() call over the recipe queries: warm cache, cold
    (translate's own cache cleared), and cold with the scoped-subquery cache cleared too."""
    from server import sql
    from server.sql import scope, translate

    def cold_us(clear: Callable[[], None], text: str) -> float:
        samples = []
        for _ in range(200):
            clear()
            started = time.perf_counter()
            translate(text, account_id=ACCOUNT, database=DATABASE)
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1e6

    def clear_all() -> None:
        sql._cached.cache_clear()
        scope._scoped_sql.cache_clear()

    warm, cold, coldest = [], [], []
    for text in queries.values():
        translate(text, account_id=ACCOUNT, database=DATABASE)
        n = 100_000
        started = time.perf_counter()
        for _ in range(n):
            translate(text, account_id=ACCOUNT, database=DATABASE)
        warm.append((time.perf_counter() - started) / n * 1e6)
        cold.append(cold_us(sql._cached.cache_clear, text))
        coldest.append(cold_us(clear_all, text))
    return statistics.median(warm), statistics.median(cold), statistics.median(coldest)


def grafana_panel_ms(
    conn: http.client.HTTPConnection, window: tuple[datetime, datetime], runs: int
) -> tuple[float, float]:
    """p50/p90 of POST /grafana/json/query for a customer-usage panel, as Grafana sends it."""
    body = json.dumps(
        {
            "range": {"from": window[0].isoformat(), "to": window[1].isoformat()},
            "intervalMs": 3_600_000,
            "maxDataPoints": 1000,
            "targets": [
                {
                    "refId": "A",
                    "target": DATASET,
                    "payload": {
                        "measure": "events",
                        "groupBy": "blob1",
                        "topN": "10",
                        "index": [MID_CUSTOMER],
                    },
                }
            ],
        }
    ).encode()
    times = []
    for i in range(runs + 1):
        started = time.perf_counter()
        conn.request(
            "POST", "/grafana/json/query", body=body,
            headers={"Content-Type": "application/json", "X-Usagehouse-Account": ACCOUNT},
        )  # fmt: skip
        response = conn.getresponse()
        answer = response.read()
        assert response.status == 200, answer[:300]
        if i:  # the first run warms the caches
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per query (median)")
    args = parser.parse_args()

    from chdb import session as chdb_session

    from server.sql import query_settings, translate
    from server.sql.run import with_rows_before_limit
    from server.storage import schema
    from server.storage.clickhouse import render_settings

    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, chDB {_chdb()}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    now = int(time.time())
    first_day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0) - timedelta(
        days=DAYS
    )
    window = (first_day, first_day + timedelta(days=31))
    start, end = (t.strftime("%Y-%m-%d %H:%M:%S") for t in window)
    queries = recipe_queries(start, end)
    settings: dict[str, Any] = query_settings(
        timeout_s=10.0,
        max_rows_to_read=2_000_000_000,
        max_result_rows=1_000_000,
        max_result_bytes=256 * 1024 * 1024,
        max_memory_bytes=4 * 1024**3,
    )
    settings["output_format_json_quote_64bit_integers"] = 1
    settings["output_format_write_statistics"] = 0
    suffix = render_settings(settings)
    translated = {
        name: translate(text, account_id=ACCOUNT, database=DATABASE).sql
        for name, text in queries.items()
    }
    results: dict[str, tuple[float, float, int]] = {}

    with tempfile.TemporaryDirectory() as tmp:
        direct_dir, server_dir = os.path.join(tmp, "direct"), os.path.join(tmp, "server")
        session = chdb_session.Session(direct_dir)
        try:
            started = time.perf_counter()
            for ddl in schema.all_ddl(DATABASE, 92):
                session.query(ddl)
            session.query(generate_sql(args.points, now))
            session.query(f"OPTIMIZE TABLE {DATABASE}.points FINAL")
            print(f"generated {args.points:,} points in {time.perf_counter() - started:.1f} s")
            print(describe(session, start, end))
        finally:
            session.close()
        # Each directory has one owner: this process reopens its own, the server gets a copy.
        shutil.copytree(direct_dir, server_dir, symlinks=True)  # relative links
        session = chdb_session.Session(direct_dir)
        port, proc = start_server(server_dir)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for name, text in queries.items():

                def run_direct(sql: str = translated[name]) -> bytes:
                    body: bytes = session.query(sql + suffix, "JSON").bytes()
                    return with_rows_before_limit(body)

                def run_http(text: str = text) -> bytes:
                    conn.request("POST", SQL_PATH, body=text.encode())
                    response = conn.getresponse()
                    body = response.read()
                    assert response.status == 200, body[:300]
                    return body

                medians, answers = interleaved_ms(args.runs, http=run_http, direct=run_direct)
                if same_rows(answers["http"]) != same_rows(answers["direct"]):
                    raise AssertionError(f"query {name}: HTTP and direct answers differ")
                results[name] = (medians["http"], medians["direct"], rows(answers["direct"]))
            panel = grafana_panel_ms(conn, window, args.runs)
        finally:
            conn.close()
            proc.terminate()
            proc.wait()
            session.close()

    print(f"\nrecipe queries, median of {args.runs} runs after a warm-up (same rows both ways):")
    print(f"{'query':<26} {'rows':>8} {'HTTP ms':>9} {'direct ms':>10} {'ratio':>6}")
    for name, (over_http, direct, count) in results.items():
        print(
            f"{name:<26} {count:>8,} {over_http:>9.1f} {direct:>10.1f} {over_http / direct:>5.2f}x"
        )
    print(
        "\nGrafana JSON datasource, one customer's 30-day panel (builder: events by endpoint, "
        f"top 10 + other, 1-hour buckets): /query p50 {panel[0]:.1f} ms, p90 {panel[1]:.1f} ms "
        f"over {args.runs} runs"
    )
    warm, cold, coldest = translation_times(queries)
    print(
        f"\ntranslate(), median over the 4 queries: warm cache {warm:.2f} us, cold {cold:.0f} us, "
        f"cold with the dataset-subquery cache cleared too {coldest:.0f} us"
    )


def _chdb() -> str:
    import chdb

    return str(getattr(chdb, "__version__", "?"))


if __name__ == "__main__":
    main()
