"""What the load benchmarks share: a real `python -m server serve` subprocess on a loopback
port (started as the tests start it, by tests/processes.py), synthetic usage points,
percentiles, and `wrk` posting one prepared body."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's packages
import tests.processes

ROOT = tests.processes.ROOT
ENDPOINTS = [f"/api/v1/endpoint{i}" for i in range(20)]


def make_points(n: int, seed: int = 0, customers: int = 10_000) -> list[dict[str, object]]:
    """Points with a Pareto-distributed customer index, as usage traffic has."""
    rng = random.Random(seed)
    return [
        {
            "indexes": [f"customer-{int(rng.paretovariate(1.2)) % customers}"],
            "blobs": [rng.choice(ENDPOINTS), rng.choice(["GET", "POST"]), "200"],
            "doubles": [rng.random() * 100, float(rng.randint(100, 50_000))],
        }
        for _ in range(n)
    ]


async def start_server(data_dir: str, **settings: str) -> tuple[str, asyncio.subprocess.Process]:
    """Start this checkout's server (embedded storage in `data_dir`) with `settings` as its
    USAGEHOUSE_* variables (any others in the environment are dropped); return its base URL
    once it listens. Its log goes to this benchmark's stderr."""
    env = {f"USAGEHOUSE_{name.upper()}": value for name, value in settings.items()}
    return await tests.processes.start_server(Path(data_dir), env=env, stderr=None)


def pct(values: list[float], q: float) -> float:
    """The q-quantile of `values` (nearest rank); NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. %(token)s
for name, value in pairs(%(headers)s) do wrk.headers[name] = value end
local f = assert(io.open(%(body)s, "rb"))
wrk.body = f:read("*a")
f:close()

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
%(response)s
function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do counts[tostring(k)] = (counts[tostring(k)] or 0) + v end
  end
  if next(counts) == nil then  -- statuses not collected: wrk counts the answers not 2xx/3xx
    counts["2xx/3xx"] = summary.requests - summary.errors.status
    if summary.errors.status > 0 then counts["other"] = summary.errors.status end
  end
  local parts = {}
  for k, v in pairs(counts) do table.insert(parts, string.format('"%%s": %%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"errors": %%d, "statuses": {%%s}}\\n',
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""
#: Counts each status, which makes wrk hand every answer's body to Lua: fine for short
#: answers, a cost of its own for megabytes (run_wrk's `statuses=False` leaves it out).
COUNT_STATUSES = """
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: its length, latency percentiles of the answered requests, and the count of
    each HTTP status (plus "socket errors/timeouts")."""

    seconds: float
    p50_s: float
    p99_s: float
    max_s: float
    statuses: dict[str, int]


async def run_wrk(
    url: str,
    body_path: str,
    token: str,
    seconds: float,
    connections: int,
    threads: int = 2,
    *,
    headers: dict[str, str] | None = None,
    statuses: bool = True,
) -> WrkResult:
    """POST the body in `body_path` to `url` for `seconds` (whole seconds: wrk's own unit) over
    `connections` keep-alive connections (`wrk`, a C load generator: `apt-get install -y wrk`),
    with `headers` besides the token (JSON by default). Without `statuses`, answers are told
    apart only as 2xx/3xx or not, and wrk reads bodies without handing them to Lua."""
    script = Path(body_path).with_suffix(".lua")
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    lua_table = (
        "{"
        + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in all_headers.items())
        + "}"
    )
    script.write_text(
        WRK_SCRIPT
        % {
            "token": json.dumps(token),
            "headers": lua_table,
            "body": json.dumps(body_path),
            "response": COUNT_STATUSES if statuses else "",
        }
    )
    proc = await asyncio.create_subprocess_exec(
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{round(seconds)}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    line = next(x for x in out.decode().splitlines() if x.startswith("RESULT "))
    r = json.loads(line.removeprefix("RESULT "))
    statuses = {k: int(v) for k, v in r["statuses"].items()}
    if r["errors"]:
        statuses["socket errors/timeouts"] = r["errors"]
    return WrkResult(
        r["duration_us"] / 1e6, r["p50_us"] / 1e6, r["p99_us"] / 1e6, r["max_us"] / 1e6, statuses
    )
