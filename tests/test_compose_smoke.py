"""scripts/compose_smoke.py, the parts that run without Docker: its API checks against a live
server on loopback, and its panel requests: one per target of every provisioned dashboard,
variables replaced, and the simPod JSON ones answered with data by a live server (as Grafana's
datasource proxy would forward them)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from server.app import create_app

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("compose_smoke", ROOT / "scripts/compose_smoke.py")
assert _spec and _spec.loader
smoke: Any = importlib.util.module_from_spec(_spec)
sys.modules["compose_smoke"] = smoke  # dataclasses look their module up
_spec.loader.exec_module(smoke)

ACCOUNT, WRITE, READ = "demo", "smoke-write", "smoke-read"
DASHBOARDS = {
    p.stem: json.loads(p.read_text()) for p in (ROOT / "grafana/dashboards").glob("*.json")
}


@pytest.fixture
async def api(aiohttp_client, make_settings, storage) -> str:
    settings = make_settings(tokens=f"{WRITE}:{ACCOUNT}:w,{READ}:{ACCOUNT}:r", sampling="equitable")
    client = await aiohttp_client(create_app(settings, storage=storage))
    return str(client.make_url("")).rstrip("/")


def run(argv: list[str]) -> int:
    result: int = smoke.main(argv)
    return result


async def test_the_api_checks_pass_on_a_live_server(api, capsys):
    argv = ["--api", api, "--account", ACCOUNT, "--write-token", WRITE, "--read-token", READ]
    assert await asyncio.to_thread(run, [*argv, "--skip-grafana", "--timeout", "10"]) == 0
    assert "ok: 60 points written once" in capsys.readouterr().out


async def test_the_api_checks_fail_with_a_wrong_token(api, capsys):
    argv = ["--api", api, "--account", ACCOUNT, "--write-token", READ, "--read-token", READ]
    assert await asyncio.to_thread(run, [*argv, "--skip-grafana", "--timeout", "10"]) == 1
    assert "FAIL: write answered 403" in capsys.readouterr().err


def test_every_target_of_every_dashboard_is_asked_with_its_variables_replaced():
    now = time.time()
    for name, board in DASHBOARDS.items():
        queries = smoke.panel_queries(board, {"customer": "smoke-a"}, now)
        targets = [t for p in smoke.panels(board) for t in p["targets"] if not t.get("hide")]
        assert len(queries) == len(targets) > 0, name
        for query in queries:
            text = json.dumps(query.body)
            assert "$customer" not in text and "${customer" not in text, query.panel
            assert "${__time" not in text, query.panel
            frontend = query.path.startswith("/api/datasources/proxy/uid/")
            assert frontend == (
                query.body.get("targets", [{}])[0].get("datasource", {}).get("type")
                in smoke.FRONTEND_ONLY
            )


def test_interpolation_follows_grafanas_formats():
    window = smoke.Window("now-7d", "now", 1_798_761_600 - 86_400, 1_798_761_600 - 1)
    text = (
        "'$customer' ${customer} ${customer:percentencode} ${__timeFrom:date:seconds} "
        "${__timeTo:date:YYYY-MM} $__timeFilter(timestamp) $other"
    )
    assert smoke.interpolate(text, {"customer": "a b/c"}, window) == (
        "'a b/c' a b/c a%20b%2Fc 1798675200 2026-12 $__timeFilter(timestamp) $other"
    )


async def test_the_simpod_panels_get_data_from_a_live_server(api):
    now = time.time()
    await asyncio.to_thread(smoke.write_points, api, ACCOUNT, WRITE, now)
    asked = 0
    for board in DASHBOARDS.values():
        for query in smoke.panel_queries(board, {"customer": smoke.CUSTOMERS[0]}, now):
            if not query.path.startswith("/api/datasources/proxy/uid/usagehouse-json/"):
                continue
            # Grafana's proxy: the datasource URL (${UH_URL}/grafana/json) + the path's rest.
            url = f"{api}/grafana/json/query"
            headers = {"Authorization": f"Bearer {READ}", "Content-Type": "application/json"}
            status, body = await asyncio.to_thread(
                smoke.call, url, json.dumps(query.body).encode(), headers
            )
            assert status == 200, (query.panel, body[:300])
            assert smoke.has_data(query.path, json.loads(body)), query.panel
            asked += 1
    assert asked == 17  # every simPod JSON panel target of the two usage dashboards
