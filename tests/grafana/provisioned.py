"""What compose provisions for Grafana (grafana/): the datasources and dashboards, read once, and
how to walk a dashboard's panels."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from server.billing import load_pricing

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "grafana"
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
GRAFANA_ENV: dict[str, str] = COMPOSE["services"]["grafana"]["environment"]
PROVISIONING = {
    path.relative_to(GRAFANA).as_posix(): yaml.safe_load(path.read_text())
    for path in sorted((GRAFANA / "provisioning").rglob("*.y*ml"))
}
DATASOURCES = {
    ds["uid"]: ds
    for name, doc in PROVISIONING.items()
    if name.startswith("provisioning/datasources/")
    for ds in doc.get("datasources") or []
}
DASHBOARDS = {
    path.stem: json.loads(path.read_text())
    for path in sorted((GRAFANA / "dashboards").glob("*.json"))
}
JSON_DS = "simpod-json-datasource"
INFINITY = "yesoreyeram-infinity-datasource"
ALTINITY = "vertamedia-clickhouse-datasource"
PROMETHEUS = "prometheus"
CORE_TYPES = {PROMETHEUS, "grafana", "datasource"}  # shipped with Grafana, nothing to install
NO_QUERY_PANELS = {"row", "text", "news", "dashlist"}
BILLING = "usagehouse-billing"  # the Infinity datasource on the billing API
# The pricing compose mounts; loaded here, outside any event loop (blockbuster).
PRICING = load_pricing(str(ROOT / "pricing.example.toml"))


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those inside collapsed rows."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def query_panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in panels(board) if p["type"] not in NO_QUERY_PANELS]


def ds_type(node: dict[str, Any]) -> str:
    """The plugin id of the datasource a panel or variable uses ("unknown" if unprovisioned)."""
    return str(DATASOURCES.get(node["datasource"]["uid"], {}).get("type", "unknown"))


def references(node: object) -> Iterator[dict[str, Any]]:
    """Every `datasource` reference in a dashboard, wherever it sits."""
    if isinstance(node, dict):
        ref = node.get("datasource")
        if isinstance(ref, dict):
            yield ref
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def provisioned(value: str, env: dict[str, str]) -> str:
    """A provisioning value after Grafana's `$VAR`/`${VAR}` environment interpolation."""
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)", lambda m: env[m.group(1) or m.group(2)], value.replace("$$", "\0")
    ).replace("\0", "$")
