"""Grafana's view of one running usagehouse filled by `usagehouse demo`: the provisioned
datasources resolved against it, and each panel's queries sent as its plugin sends them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient

from server.demo import DemoOptions, TrafficModel
from tests.grafana.plugins import (
    Window,
    altinity_sql,
    infinity_allows,
    infinity_macros,
    infinity_url,
    interpolate,
    iso,
    simpod_request,
)
from tests.grafana.provisioned import (
    ALTINITY,
    DASHBOARDS,
    DATASOURCES,
    INFINITY,
    JSON_DS,
    ds_type,
    panels,
    provisioned,
    query_panels,
)

ACCOUNT = "demo"
READ, WRITE, PROBE, HARD = "uh-read", "uh-write", "uh-probe", "uh-hard"
HARD_ACCOUNT = "hard-ids"  # the customers of test_every_customer_panel_carries_a_hard_customer_id
TOKENS = f"{READ}:{ACCOUNT}:r,{WRITE}:{ACCOUNT}:w,{PROBE}:probe:rw,{HARD}:{HARD_ACCOUNT}:rw"
DEMO_POINTS = 20_000
CUSTOMERS = set(TrafficModel(random.Random(0), DemoOptions().customers).customers)
USERS = "/api/v1/users"  # the busiest demo endpoint: an ad hoc filter that keeps data
ADHOC_FILTER = {"key": "blob1", "operator": "=", "value": USERS}


class Grafana:
    """Grafana's view of one running usagehouse: the provisioned datasources, resolved."""

    def __init__(
        self, client: TestClient[Any, Any], account: str = ACCOUNT, token: str = READ
    ) -> None:
        self.client = client
        base = str(client.make_url("")).rstrip("/")
        self.env = {"UH_URL": base, "UH_ACCOUNT": account, "UH_READ_TOKEN": token}
        self.base = base

    def url(self, uid: str) -> str:
        return provisioned(DATASOURCES[uid]["url"], self.env)

    def headers(self, uid: str) -> dict[str, str]:
        ds = DATASOURCES[uid]
        name = ds["jsonData"]["httpHeaderName1"]
        return {name: provisioned(ds["secureJsonData"]["httpHeaderValue1"], self.env)}

    def path(self, url: str) -> str:
        assert url.startswith(self.base), f"{url} is not on the server"
        return url[len(self.base) :]

    def target_url(self, uid: str, suffix: str, params: list[dict[str, str]] | None = None) -> str:
        """The URL the datasource's plugin requests for a query URL (`suffix`): Infinity joins
        them its own way (`infinity_url`, with a target's `params`) and checks its allowed
        hosts; the others append."""
        base = self.url(uid)
        if DATASOURCES[uid]["type"] != INFINITY:
            assert not params
            return base + suffix
        url = infinity_url(base, suffix, params)
        hosts = [provisioned(h, self.env) for h in DATASOURCES[uid]["jsonData"]["allowedHosts"]]
        assert infinity_allows(url, hosts), f"{url} not in allowedHosts {hosts}"
        return url

    async def send(self, method: str, uid: str, suffix: str, **kw: Any) -> Any:
        """The plugin's request for `suffix`, with the datasource's headers; the raw response.
        `infinity_params` are an Infinity target's `url_options.params`."""
        url = self.target_url(uid, suffix, kw.pop("infinity_params", None))
        headers = {**self.headers(uid), **kw.pop("headers", {})}
        return await self.client.request(method, self.path(url), headers=headers, **kw)

    async def request(self, method: str, uid: str, suffix: str, **kwargs: Any) -> Any:
        resp = await self.send(method, uid, suffix, **kwargs)
        text = await resp.text()
        assert resp.status == 200, f"{resp.status} from {method} {suffix}: {text[:500]}"
        return orjson.loads(text)

    async def post(self, uid: str, suffix: str, **kwargs: Any) -> Any:
        return await self.request("POST", uid, suffix, **kwargs)

    async def variables(self, board: dict[str, Any], window: Window) -> dict[str, str]:
        """Query variables resolved as Grafana does on load: /variable, first option."""
        values: dict[str, str] = {}
        for variable in board["templating"]["list"]:
            if variable["type"] != "query":
                continue
            assert ds_type(variable) == JSON_DS, "only JSON datasource variables are emulated"
            query = variable["query"]
            assert query["format"] == "string"
            body = {
                "payload": {"target": interpolate(query["query"], values, "regex")},
                "range": {
                    "from": iso(window.from_ms),
                    "to": iso(window.to_ms),
                    "raw": {"from": window.raw_from, "to": "now"},
                },
            }
            options = await self.post(variable["datasource"]["uid"], "/variable", json=body)
            assert options, f"variable {variable['name']} has no options"
            values[variable["name"]] = options[0]["__value"]
        return values

    async def run_panel(
        self,
        board: dict[str, Any],
        panel: dict[str, Any],
        filters: list[dict[str, str]] | None = None,
        to_ms: int | None = None,
        variables: dict[str, str] | None = None,
    ) -> list[Any]:
        """Every target of the panel, sent as its plugin sends it; answers in target order.
        The time range is the dashboard's, ending now or at `to_ms`; dashboard variables take
        their first option, unless `variables` gives their values."""
        window = Window(board["time"]["from"], max(100, panel["gridPos"]["w"] * 75), to_ms)
        if variables is None:
            variables = await self.variables(board, window)
        uid = panel["datasource"]["uid"]
        kind = ds_type(panel)
        if kind == JSON_DS:
            body = simpod_request(board, panel, variables, window, filters or [])
            return [await self.post(uid, "/query", json=body)]
        answers = []
        for target in panel["targets"]:
            if kind == INFINITY:
                # The frontend replaces dashboard variables, then the backend its macros.
                url = infinity_macros(interpolate(target["url"], variables, "raw"), window)
                options = target["url_options"]
                if options.get("method", "GET") == "GET":  # GET sends no body
                    assert not options.get("params") and "$" not in url, url
                    accept = {"Accept": "application/json;q=0.9,text/plain"}
                    answers.append(await self.request("GET", uid, url, headers=accept))
                    continue
                sql = infinity_macros(interpolate(options["data"], variables, "raw"), window)
                headers = {"Content-Type": options.get("body_content_type", "text/plain")}
                headers["Accept"] = "application/json;q=0.9,text/plain"
            else:
                assert kind == ALTINITY, kind
                url, sql = "", altinity_sql(board, target, variables, window)
                headers = {"Content-Type": "text/plain"}
            assert "$" not in sql and "$" not in url, f"unexpanded macro or variable: {sql}"
            params = options.get("params") if kind == INFINITY else None
            answers.append(
                await self.post(
                    uid, url, data=sql.encode(), headers=headers, infinity_params=params
                )
            )
        return answers


def bill_to_ms(now: datetime | None = None) -> int:
    """Where the bill panels' time range ends: now, unless the UTC month began less than three
    days ago. Then the demo's top customer may not yet have used up the free units (the demo
    writes ~750 of its requests a day), so the range ends in the last millisecond of the previous
    month, as a dashboard set to an absolute range would."""
    now = now or datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if now - month_start >= timedelta(days=3):
        return int(now.timestamp() * 1000)
    return int(month_start.timestamp() * 1000) - 1


def live_panels(*names: str, kinds: tuple[str, ...] = (JSON_DS, INFINITY, ALTINITY)) -> list[Any]:
    return [
        pytest.param(name, panel["id"], id=f"{name}/{panel['title']}")
        for name in names
        for panel in query_panels(DASHBOARDS[name])
        if ds_type(panel) in kinds
    ]


def panel_by_id(name: str, panel_id: int) -> dict[str, Any]:
    return next(p for p in panels(DASHBOARDS[name]) if p["id"] == panel_id)
