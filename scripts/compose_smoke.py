"""Smoke check of a running compose stack: usagehouse takes points and answers SQL, and Grafana's
provisioned datasources pass their health checks and every panel of every provisioned
dashboard returns data. `scripts/compose-smoke` starts the stack and runs this; it needs only
the standard library, so it runs with any python3.

    python3 scripts/compose_smoke.py --api http://127.0.0.1:8787 --grafana http://127.0.0.1:3000

How Grafana is asked (as its admin):
- datasources: `GET /api/datasources/uid/<uid>/health` for plugins with a backend; the simPod
  JSON plugin has none (its "Save & test" is a GET of its URL from the browser), so for it the
  same GET goes through Grafana's datasource proxy, with the headers Grafana adds;
- panels: each target of each panel, dashboard variables replaced as Grafana's frontend would
  (`$customer` by a customer written here, `${__timeTo:date:YYYY-MM}` and the like by the
  range), through `POST /api/ds/query` for backend plugins and, for simPod JSON, the
  DataQueryRequest its frontend sends, POSTed through the datasource proxy to `/query`.
  A panel returns data when some frame (or series, or table) has a value. Panels are asked
  again until `--timeout`: Prometheus needs two scrapes before a rate has a value.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

DATASET = "usage_indexed_by_customer_id"  # what `usagehouse demo` writes and the dashboards read
CUSTOMERS = ("smoke-a", "smoke-b", "smoke-c")
ENDPOINTS = ("/api/v1/users", "/api/v1/payments", "/api/v1/files")
POINTS_PER_CUSTOMER = 20
#: Plugins without a backend: Grafana cannot run their health check or /api/ds/query.
FRONTEND_ONLY = {"simpod-json-datasource"}
VARIABLE = re.compile(r"\$\{([A-Za-z_][\w.]*)(?::([^}]*))?\}|\$([A-Za-z_]\w*)")


class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


def call(
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 30,
) -> tuple[int, bytes]:
    """(status, body) of one HTTP request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if call(url, timeout=5)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SmokeFailure(f"{url} did not answer 200 within {timeout:.0f} s")
        time.sleep(1)


def smoke_points(now: float) -> list[dict[str, Any]]:
    """POINTS_PER_CUSTOMER points per customer in the last half hour, one in ten a 5xx."""
    points = []
    for c, customer in enumerate(CUSTOMERS):
        for i in range(POINTS_PER_CUSTOMER):
            status = "503" if i % 10 == 0 else "200"
            points.append(
                {
                    "indexes": [customer],
                    "blobs": [ENDPOINTS[(c + i) % len(ENDPOINTS)], "GET", status, "eu"],
                    "doubles": [10.0 + i, 1000.0 * (c + 1)],
                    "timestamp": int((now - 60 * (i % 30)) * 1000),
                }
            )
    return points


def write_points(api: str, account: str, token: str, now: float) -> int:
    """Write the smoke points with an Idempotency-Key, then retry them with the same key: the
    retry must answer the same and store nothing. Also send one invalid point (a rejection
    the health dashboard counts). Returns the number of points written."""
    points = smoke_points(now)
    url = f"{api}/v1/accounts/{account}/datasets/{DATASET}/points"
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": f"compose-smoke-{int(now)}",
    }
    answers = [call(url, json.dumps(points).encode(), headers) for _ in range(2)]
    expected = {"ok": True, "accepted": len(points), "stored": len(points)}
    for status, body in answers:
        if status != 200 or json.loads(body) != expected:
            raise SmokeFailure(f"write answered {status} {body[:300]!r}, expected {expected}")
    del headers["Idempotency-Key"]
    status, _ = call(url, json.dumps([{"blobs": ["x"] * 21}]).encode(), headers)
    if status != 400:
        raise SmokeFailure(f"an invalid point answered {status}, expected 400")
    return len(points)


def check_sql(api: str, account: str, token: str, expected: int) -> None:
    """The SQL API sees exactly the points written (once, despite the retry)."""
    sql = (
        f"SELECT sum(_sample_interval) AS n FROM {DATASET} "
        f"WHERE index1 IN ({', '.join(repr(c) for c in CUSTOMERS)}) FORMAT JSONEachRow"
    )
    url = f"{api}/client/v4/accounts/{account}/analytics_engine/sql"
    status, body = call(url, sql.encode(), {"Authorization": f"Bearer {token}"})
    if status != 200:
        raise SmokeFailure(f"SQL API answered {status}: {body[:300]!r}")
    got = int(json.loads(body)["n"])
    if got != expected:
        raise SmokeFailure(f"SQL API counts {got} smoke points, expected {expected}")


@dataclass(frozen=True)
class Window:
    """A dashboard's time range, resolved at `now` (epoch seconds)."""

    raw_from: str
    raw_to: str
    from_s: float
    to_s: float


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def resolve(raw: str, now: float) -> float:
    """Grafana's relative time `now-7d` (or `now`) as epoch seconds."""
    match = re.fullmatch(r"now(?:-(\d+)([smhdw]))?(?:/[smhdwMy])?", raw)
    if not match:
        raise SmokeFailure(f"time {raw!r} is not of the form now-<n><unit>")
    return now - (int(match.group(1)) * UNITS[match.group(2)] if match.group(1) else 0)


def window_of(board: dict[str, Any], now: float) -> Window:
    time_range = board.get("time") or {"from": "now-6h", "to": "now"}
    raw_from, raw_to = time_range["from"], time_range["to"]
    return Window(raw_from, raw_to, resolve(raw_from, now), resolve(raw_to, now))


def interpolate(text: str, variables: dict[str, str], window: Window) -> str:
    """What Grafana's frontend does to a query before sending it, for the forms the
    provisioned dashboards use: `$name`, `${name}`, `${name:percentencode}`, and the range as
    `${__timeFrom:date:seconds}` or `${__timeTo:date:YYYY-MM}`. Others are left to the
    datasource (usagehouse's own `$__timeFilter(...)` macros, Prometheus's `$__range`)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        fmt = match.group(2) or ""
        if name in ("__timeFrom", "__timeTo"):
            instant = window.from_s if name == "__timeFrom" else window.to_s
            if fmt == "date:seconds":
                return str(int(instant))
            if fmt == "date:YYYY-MM":
                return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m")
            return str(int(instant * 1000))
        if name not in variables:
            return match.group(0)
        return quote(variables[name], safe="") if fmt == "percentencode" else variables[name]

    return VARIABLE.sub(replace, text)


def substitute(value: Any, variables: dict[str, str], window: Window) -> Any:
    """`interpolate` applied to every string inside a target."""
    if isinstance(value, str):
        return interpolate(value, variables, window)
    if isinstance(value, list):
        return [substitute(v, variables, window) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables, window) for k, v in value.items()}
    return value


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel with targets, rows' nested panels included."""
    found = []
    stack = list(board.get("panels", []))
    while stack:
        panel = stack.pop(0)
        stack.extend(panel.get("panels", []))
        if panel.get("targets"):
            found.append(panel)
    return found


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass(frozen=True)
class PanelQuery:
    """One panel's request: to `path` under Grafana, `body` as JSON."""

    dashboard: str
    panel: str
    datasource: str
    path: str
    body: dict[str, Any]


def panel_queries(board: dict[str, Any], variables: dict[str, str], now: float) -> list[PanelQuery]:
    """The request that asks each panel of `board` for its data."""
    window = window_of(board, now)
    queries = []
    for panel in panels(board):
        targets = [t for t in panel["targets"] if not t.get("hide")]
        default = panel.get("datasource") or {}
        for target in targets:
            source = target.get("datasource") or default
            sent = substitute(target, variables, window)
            sent["datasource"] = source
            if source.get("type") in FRONTEND_ONLY:
                if isinstance(sent.get("payload"), str):
                    sent["payload"] = json.loads(sent["payload"])
                path = f"/api/datasources/proxy/uid/{source['uid']}/query"
                body = {
                    "range": {"from": iso(window.from_s), "to": iso(window.to_s)},
                    "intervalMs": 60_000,
                    "maxDataPoints": 500,
                    "targets": [sent],
                    "adhocFilters": [],
                }
            else:
                path = "/api/ds/query"
                sent.setdefault("intervalMs", 60_000)
                sent.setdefault("maxDataPoints", 500)
                body = {
                    "from": str(int(window.from_s * 1000)),
                    "to": str(int(window.to_s * 1000)),
                    "queries": [sent],
                }
            title = f"{panel.get('title', panel.get('id'))} [{target.get('refId', 'A')}]"
            queries.append(PanelQuery(board.get("title", ""), title, source["uid"], path, body))
    return queries


def has_data(path: str, answer: Any) -> bool:
    """Whether a /api/ds/query answer has a frame with a value, or a simPod answer a series
    with a point, a table with a row or a data frame with a value."""
    if path == "/api/ds/query":
        for result in answer.get("results", {}).values():
            for frame in result.get("frames") or []:
                values = frame.get("data", {}).get("values") or []
                if any(len(column) for column in values):
                    return True
        return False
    return any(
        item.get("datapoints")
        or item.get("rows")
        or any(field.get("values") for field in item.get("fields") or [])
        for item in answer
    )


class Grafana:
    """Grafana's HTTP API as its admin."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def get(self, path: str) -> tuple[int, Any]:
        status, body = call(self.url + path, headers=self.headers)
        return status, json.loads(body) if body.strip() else None

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        status, raw = call(self.url + path, json.dumps(body).encode(), self.headers, "POST")
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def check_datasources(self) -> list[str]:
        """Every provisioned datasource's health; the names of those that pass."""
        status, sources = self.get("/api/datasources")
        if status != 200 or not sources:
            raise SmokeFailure(f"Grafana lists no datasources ({status})")
        passed = []
        for source in sources:
            uid = source["uid"]
            if source["type"] in FRONTEND_ONLY:
                status, body = call(
                    f"{self.url}/api/datasources/proxy/uid/{uid}/", None, self.headers
                )
                ok = status == 200
            else:
                status, answer = self.get(f"/api/datasources/uid/{uid}/health")
                ok = status == 200 and (answer or {}).get("status") == "OK"
                body = json.dumps(answer).encode()
            if not ok:
                raise SmokeFailure(
                    f"datasource {uid} fails its health check: {status} {body[:300]!r}"
                )
            passed.append(uid)
        return passed

    def dashboards(self) -> list[dict[str, Any]]:
        status, found = self.get("/api/search?type=dash-db")
        if status != 200 or not found:
            raise SmokeFailure(f"Grafana lists no dashboards ({status})")
        boards = []
        for item in found:
            status, answer = self.get(f"/api/dashboards/uid/{item['uid']}")
            if status != 200:
                raise SmokeFailure(f"dashboard {item['uid']} answers {status}")
            boards.append(answer["dashboard"])
        return boards

    def check_panels(self, queries: list[PanelQuery], timeout: float) -> None:
        """Ask each panel until it has data or `timeout` passes; fail naming the empty ones."""
        pending = list(queries)
        deadline = time.monotonic() + timeout
        problems: dict[str, str] = {}
        while pending:
            still = []
            for query in pending:
                status, answer = self.post(query.path, query.body)
                name = f"{query.dashboard} / {query.panel} ({query.datasource})"
                if status == 200 and has_data(query.path, answer):
                    problems.pop(name, None)
                    continue
                problems[name] = f"{status} {str(answer)[:200]}"
                still.append(query)
            pending = still
            if pending and time.monotonic() > deadline:
                lines = "\n  ".join(f"{name}: {why}" for name, why in problems.items())
                raise SmokeFailure(f"{len(pending)} panel queries returned no data:\n  {lines}")
            if pending:
                time.sleep(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api", default="http://127.0.0.1:8787")
    parser.add_argument("--grafana", default="http://127.0.0.1:3000")
    parser.add_argument("--account", default="demo")
    parser.add_argument("--write-token", default="demo-write-token-change-me")
    parser.add_argument("--read-token", default="demo-read-token-change-me")
    parser.add_argument("--grafana-user", default="admin")
    parser.add_argument("--grafana-password", default="change-me-grafana")
    parser.add_argument("--timeout", type=float, default=180, help="seconds for each wait")
    parser.add_argument("--skip-grafana", action="store_true", help="check the API only")
    args = parser.parse_args(argv)
    try:
        wait_for(f"{args.api}/ready", args.timeout)
        now = time.time()
        written = write_points(args.api, args.account, args.write_token, now)
        check_sql(args.api, args.account, args.read_token, written)
        print(f"ok: {written} points written once (retried with one Idempotency-Key) and counted")
        if args.skip_grafana:
            return 0
        wait_for(f"{args.grafana}/api/health", args.timeout)
        grafana = Grafana(args.grafana, args.grafana_user, args.grafana_password)
        print(f"ok: datasources healthy: {', '.join(grafana.check_datasources())}")
        queries = [
            q
            for board in grafana.dashboards()
            for q in panel_queries(board, {"customer": CUSTOMERS[0]}, time.time())
        ]
        grafana.check_panels(queries, args.timeout)
        print(f"ok: {len(queries)} panel queries returned data")
    except SmokeFailure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
