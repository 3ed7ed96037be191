"""Query benchmark: the usage-billing recipe through the HTTP API, against the same question
asked of chDB directly on a plain table.

For each `--points` size (default 1 million, then 10 million; Pareto shape 1.16 across 10,000
customers, 20 endpoints, 30 days ending now) it generates the same rows twice in embedded chDB
in a temp dir, with ClickHouse generating them (`INSERT ... SELECT ... FROM numbers(N)`,
deterministic hashes): into the product's points table, and into `direct`, a table with the
same columns, the same partitioning and sort key and every MergeTree setting at its default
(no TTL, no skip index, no EPHEMERAL columns). Neither is OPTIMIZEd: both are left as their
inserts and background merges leave them (the wait ends when no merge is running). The
directory is then copied so that each has one owning process. For the four queries of
Cloudflare's usage-based billing recipe it times, interleaved round by round:

- HTTP: the WAE SQL POSTed to a real `python -m server serve` on loopback (on the copy) by
  `wrk -t1 -c1` (a C client, as Grafana's Go client is: one keep-alive connection, the next
  request sent when the last is answered; `apt-get install -y wrk`), with a token, at full
  resolution (`Usagehouse-Resolution: full`, so the same rows are read): auth, translation,
  limits, chDB, response. (Python's http.client, the client of earlier runs, added 0.5-0.9 ms
  of its own to each request: no part of the product's cost.)
- direct: the recipe's own SQL with `FROM usagehouse.direct` and the account and dataset in
  its WHERE (the plain table has those columns too, so this is the same question), on a chDB
  session in this process (on the original), default settings, JSON output; also without that
  filter, to show what scoping costs;
- ours in-process: the SQL and settings the server sends chDB for the question (the account's
  scoped subquery on the points table, the user-query limits and niceness, WAE's JSON), on the
  same session: it splits the difference into the part spent in the engine and the part spent
  in the server and HTTP around it.

Each round runs one side back to back for `--seconds`; each wall figure is the median over
`--rounds` rounds (after a warm-up round) of each round's median, and beside it the CPU each
side spent per query (the server process's threads, from /proc's schedstat; this process's for
direct): on a shared machine the wall ratio moves with the load (the server runs user queries
niced, direct runs at the default priority), the CPU ratio much less. Both answers must hold the
same rows. Then the fixed cost of a query (`SELECT 1` both ways), translation time (warm cache,
cold, and cold including the per-dataset subquery cache) and a Grafana panel.

    python benchmarks/query.py [--points 1000000 10000000] [--rounds 6] [--seconds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's `server`, not an installed one

from loadgen import run_wrk  # noqa: E402

from server.config import Settings  # noqa: E402
from server.sql import translate  # noqa: E402
from server.sql.run import user_query_settings  # noqa: E402
from server.storage import schema  # noqa: E402
from server.storage.clickhouse import render_settings  # noqa: E402
from tests.processes import run_server  # noqa: E402

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
TOKEN = "bench-token"
DIRECT = "direct"


def uniform(salt: int) -> str:
    """A deterministic uniform in [0, 1) per row: the top 53 bits of a hash of (row, salt)."""
    return f"(bitShiftRight(intHash64(number * 8 + {salt}), 11) / 9007199254740992.0)"


def generate_sql(points: int, now: int, days: int = DAYS, table: str = "points") -> str:
    """INSERT ... SELECT that writes `points` recipe points over the `days` ending at `now`
    (epoch seconds), into `table`.

    Customer rank r = floor(N * x), x with density proportional to x^(-1/shape) on [0.5/N, 1]
    (inverse CDF below): the continuous form of Pareto volumes by rank, so the top 20 % of
    customers send ~75 % of the traffic and the largest ~3 %. Endpoints are skewed too.
    """
    beta = 1 - 1 / PARETO_SHAPE
    low = (0.5 / CUSTOMERS) ** beta
    rank = f"toUInt32(floor({CUSTOMERS} * pow({low} + {uniform(1)} * {1 - low}, {1 / beta})))"
    endpoint = f"toUInt32(floor({ENDPOINTS} * pow({uniform(2)}, 2)))"
    span = days * 86_400
    return f"""INSERT INTO {DATABASE}.{table}
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


#: One contender: a round of about the given seconds -> its median wall time (s) per query
#: in that round and the CPU time (s) it spent per query.
Round = Callable[[float], tuple[float, float]]


def interleaved_ms(
    rounds: int, seconds: float, **contenders: Round
) -> dict[str, tuple[float, float]]:
    """Each contender's wall time (the median of its rounds' medians) and CPU time (the mean
    per query), in ms, over `rounds` rounds of `seconds` after a warm-up round. Rounds
    alternate the contenders (ABBA order), so load from elsewhere on the machine falls on all
    alike; CPU time is what such load does not stretch (but for cache effects)."""
    for run in contenders.values():
        run(1)
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    order = list(contenders.items())
    for round_ in range(rounds):
        for name, run in order if round_ % 2 == 0 else order[::-1]:
            wall, cpu = run(seconds)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {
        name: (statistics.median(walls[name]) * 1000, statistics.fmean(cpus[name]) * 1000)
        for name in contenders
    }


def in_process(call: Callable[[], object]) -> Round:
    """A round of `call` on this thread, back to back: its median wall time and this
    process's CPU time per call."""

    def round_(seconds: float) -> tuple[float, float]:
        walls = []
        cpu = time.process_time()
        deadline = time.perf_counter() + seconds
        while (started := time.perf_counter()) < deadline:
            call()
            walls.append(time.perf_counter() - started)
        return statistics.median(walls), (time.process_time() - cpu) / len(walls)

    return round_


def over_http(port: int, text: str, served: Callable[[], float], tmp: str) -> Round:
    """A round of `text` POSTed by `wrk -t1 -c1` (one keep-alive connection, each request
    sent when the last is answered, bodies read in C and not kept): its median latency and the
    server's CPU time per request."""
    body_path = os.path.join(tmp, f"query-{abs(hash(text))}.sql")
    Path(body_path).write_text(text)
    url = f"http://127.0.0.1:{port}{SQL_PATH}"
    headers = {"Content-Type": "text/plain", "Usagehouse-Resolution": "full"}

    def round_(seconds: float) -> tuple[float, float]:
        cpu = served()
        r = asyncio.run(
            run_wrk(url, body_path, TOKEN, seconds, 1, 1, headers=headers, statuses=False)
        )
        answered = r.statuses.pop("2xx/3xx", 0)
        if r.statuses or not answered:
            raise AssertionError(f"wrk: {answered} answered, besides {r.statuses}")
        return r.p50_s, (served() - cpu) / answered

    return round_


def server_cpu(pid: int) -> Callable[[], float]:
    """The CPU clock (seconds) of a process, all its threads (schedstat counts nanoseconds;
    /proc's stat only clock ticks)."""

    def clock() -> float:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                continue  # a thread that ended between the listing and the read
        return total / 1e9

    return clock


def same_rows(body: bytes) -> list[tuple[str, ...]]:
    """A JSON answer's rows as strings, in a fixed order: GROUP BY without ORDER BY may order
    rows differently from run to run, and 64-bit integers may or may not be quoted."""
    data = orjson.loads(body)["data"]
    return sorted(tuple(str(value) for value in row.values()) for row in data)


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


def start_server(data_dir: str) -> tuple[int, subprocess.Popen[bytes]]:
    """This checkout's server on `data_dir` with the benchmark's token (its log beside the
    directory): its port and process."""
    data = Path(data_dir)
    tokens = {"USAGEHOUSE_TOKENS": f"{TOKEN}:{ACCOUNT}:r"}
    base, proc = run_server(data, data.with_suffix(".log"), env=tokens, cwd=ROOT)
    port = urlsplit(base).port
    assert port is not None
    return port, proc


def direct_ddl() -> str:
    """The plain table: the points table's columns, partitioning and sort key, and nothing else
    of ours (MergeTree's default settings, so Wide parts from 10 MiB)."""
    columns = [
        ("account_id", "LowCardinality(String)"),
        ("dataset", "LowCardinality(String)"),
        *((c, schema.WAE_COLUMN_TYPES[c]) for c in schema.WAE_COLUMNS if c != "dataset"),
        ("_batch", "UInt64"),
    ]
    body = ",\n    ".join(f"{name} {kind}" for name, kind in columns)
    return (
        f"CREATE TABLE {DATABASE}.{DIRECT} (\n    {body}\n) ENGINE = MergeTree "
        "PARTITION BY toYYYYMM(timestamp) ORDER BY (account_id, dataset, index1, timestamp)"
    )


def product_sql(text: str) -> str:
    """What the server sends chDB for `text` at full resolution: the translation (the
    account's scoped subquery) and a user query's settings (limits, niceness, WAE's JSON)."""
    translation = translate(text, account_id=ACCOUNT, database=DATABASE)
    return translation.sql + render_settings(user_query_settings(Settings()))


def direct_sql(text: str, tenant: bool = True) -> str:
    """The recipe question as one asks chDB directly: the same SQL on the plain table, for the
    account's dataset (`tenant`: the table has their columns, so the same question names them)."""
    sql = text.replace(f"FROM {DATASET}", f"FROM {DATABASE}.{DIRECT}")
    if not tenant:
        return sql
    scope = f"account_id = '{ACCOUNT}' AND dataset = '{DATASET}'"
    if " WHERE " in sql:
        return sql.replace(" WHERE ", f" WHERE {scope} AND ", 1)
    return sql.replace(" GROUP BY ", f" WHERE {scope} GROUP BY ", 1)


def settle(session: Any, timeout_s: float = 600) -> None:
    """Wait until no merge has run for a second: the tables as background work leaves them."""
    deadline = time.monotonic() + timeout_s
    quiet = 0
    while quiet < 5 and time.monotonic() < deadline:
        merges = session.query("SELECT count() FROM system.merges", "TSV").bytes().strip()
        quiet = quiet + 1 if merges == b"0" else 0
        time.sleep(0.2)


def parts(session: Any, table: str) -> str:
    """How a table is stored: its active parts by format."""
    answer = session.query(
        f"SELECT part_type, count(), sum(rows) FROM system.parts WHERE database = '{DATABASE}' "
        f"AND table = '{table}' AND active GROUP BY part_type ORDER BY part_type",
        "TSV",
    )
    kinds = [line.split("\t") for line in answer.bytes().decode().splitlines()]
    return ", ".join(f"{n} {kind} ({int(rows):,} rows)" for kind, n, rows in kinds)


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
    port: int, window: tuple[datetime, datetime], runs: int
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
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for i in range(runs + 1):
        started = time.perf_counter()
        conn.request(
            "POST", "/grafana/json/query", body=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        )  # fmt: skip
        response = conn.getresponse()
        answer = response.read()
        assert response.status == 200, answer[:300]
        if i:  # the first run warms the caches
            times.append((time.perf_counter() - started) * 1000)
    conn.close()
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def http_query(port: int, text: str) -> bytes:
    """The answer at full resolution: the question the direct table answers (at 10M points the
    adaptive choice would read a 10 % copy, sql/resolution.py)."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Usagehouse-Resolution": "full"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", SQL_PATH, body=text.encode(), headers=headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 200, body[:300]
    return body


class Timings(NamedTuple):
    """One query's (wall ms, CPU ms) each way (medians, means) and its answer's rows."""

    http: tuple[float, float]
    engine: tuple[float, float]  # the product's SQL and settings, in this process
    direct: tuple[float, float]
    unscoped: tuple[float, float]
    rows: int


Result = dict[str, Timings]


def one_size(
    points: int,
    rounds: int,
    seconds: float,
    queries: dict[str, str],
    now: int,
    window: tuple[str, str],
) -> tuple[Result, dict[str, tuple[float, float]], tuple[float, float]]:
    """Wall and CPU ms (HTTP, ours in-process, direct, unscoped) and rows per recipe query at
    `points` points; the fixed cost of `SELECT 1` both ways; a Grafana panel's p50/p90."""
    from chdb import session as chdb_session

    results: Result = {}
    with tempfile.TemporaryDirectory() as tmp:
        direct_dir, server_dir = os.path.join(tmp, "direct"), os.path.join(tmp, "server")
        session = chdb_session.Session(direct_dir)
        try:
            started = time.perf_counter()
            for ddl in schema.all_ddl(DATABASE, 92):
                session.query(ddl)
            session.query(direct_ddl())
            session.query(generate_sql(points, now))
            session.query(generate_sql(points, now, table=DIRECT))
            settle(session)
            print(f"\n{points:,} points, generated twice in {time.perf_counter() - started:.1f} s")
            print(describe(session, *window))
            print(f"points table: {parts(session, schema.TABLE)}; direct: {parts(session, DIRECT)}")
        finally:
            session.close()
        # Each directory has one owner: this process reopens its own, the server gets a copy.
        shutil.copytree(direct_dir, server_dir, symlinks=True)  # relative links
        session = chdb_session.Session(direct_dir)
        port, proc = start_server(server_dir)
        served = server_cpu(proc.pid)
        try:
            for name, text in queries.items():
                sqls = {
                    "engine": product_sql(text),
                    "direct": direct_sql(text),
                    "unscoped": direct_sql(text, tenant=False),
                }
                answers = {"HTTP": http_query(port, text)}
                for kind, sql in sqls.items():
                    answers[kind] = session.query(sql, "JSON").bytes()
                    if same_rows(answers["HTTP"]) != same_rows(answers[kind]):
                        raise AssertionError(f"query {name}: HTTP and {kind} answers differ")
                medians = interleaved_ms(
                    rounds,
                    seconds,
                    http=over_http(port, text, served, tmp),
                    **{
                        kind: in_process(lambda sql=sql: session.query(sql, "JSON").bytes())
                        for kind, sql in sqls.items()
                    },
                )
                results[name] = Timings(
                    medians["http"],
                    medians["engine"],
                    medians["direct"],
                    medians["unscoped"],
                    rows(answers["direct"]),
                )
            fixed = interleaved_ms(
                rounds,
                seconds,
                http=over_http(port, "SELECT 1 AS one", served, tmp),
                direct=in_process(lambda: session.query("SELECT 1 AS one", "JSON").bytes()),
            )
            start, end = (datetime.fromisoformat(t).replace(tzinfo=UTC) for t in window)
            panel = grafana_panel_ms(port, (start, end), 30)
        finally:
            proc.terminate()
            proc.wait()
            session.close()
    return results, fixed, panel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=6, help="timed rounds per query and side")
    parser.add_argument("--seconds", type=int, default=2, help="length of each round")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

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
    for points in args.points:
        results, fixed, panel = one_size(
            points, args.rounds, args.seconds, queries, now, (start, end)
        )
        print(
            f"recipe queries, median of {args.rounds} rounds of {args.seconds} s after a warm-up "
            "(same rows both ways), "
            f"load average {os.getloadavg()[0]:.1f}:"
        )
        print(
            f"{'query':<26} {'rows':>8} {'HTTP ms':>8} {'direct':>7} {'ratio':>6}   "
            f"{'CPU ms: HTTP':>12} {'direct':>7} {'ratio':>6}   "
            f"{'ours in-process':>15} {'/direct':>7} {'HTTP/it':>7}   {'unscoped':>8}"
        )
        ratios, cpu_ratios, engine_ms, server_ms = [], [], [], []
        for name, t in results.items():
            ratios.append(t.http[0] / t.direct[0])
            cpu_ratios.append(t.http[1] / t.direct[1])
            engine_ms.append(t.engine[0] - t.direct[0])
            server_ms.append(t.http[0] - t.engine[0])
            print(
                f"{name:<26} {t.rows:>8,} {t.http[0]:>8.1f} {t.direct[0]:>7.1f} "
                f"{ratios[-1]:>5.2f}x   {t.http[1]:>12.1f} {t.direct[1]:>7.1f} "
                f"{cpu_ratios[-1]:>5.2f}x   {t.engine[0]:>15.1f} "
                f"{t.engine[0] / t.direct[0]:>6.2f}x {t.http[0] / t.engine[0]:>6.2f}x   "
                f"{t.unscoped[0]:>8.1f}"
            )
        print(
            f"wall: median {statistics.median(ratios):.2f}x, worst {max(ratios):.2f}x "
            "(targets: median <= 1.2x, worst <= 1.4x); "
            f"CPU: median {statistics.median(cpu_ratios):.2f}x, worst {max(cpu_ratios):.2f}x"
        )
        print(
            "where the difference goes (median over the queries): the product's SQL and settings "
            f"in chDB {statistics.median(engine_ms):+.2f} ms, the server and HTTP around it "
            f"{statistics.median(server_ms):+.2f} ms"
        )
        http_fixed, direct_fixed = fixed["http"], fixed["direct"]
        print(
            f"SELECT 1: HTTP {http_fixed[0]:.2f} ms ({http_fixed[1]:.2f} ms CPU), "
            f"direct {direct_fixed[0]:.2f} ms ({direct_fixed[1]:.2f} ms CPU)"
        )
        print(
            "Grafana JSON datasource, one customer's 30-day panel (builder: events by endpoint, "
            f"top 10 + other, 1-hour buckets): /query p50 {panel[0]:.1f} ms, p90 {panel[1]:.1f} "
            "ms over 30 runs (Python client)"
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
