"""compose.yaml, the Dockerfile, .env.example and prometheus.yml agree with each other and the code.

No Docker engine is needed: the files are parsed and checked against pyproject, Settings and the
CLI, so a renamed setting or console script breaks this test rather than `docker compose up`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
import yaml

from server.auth import Authenticator
from server.billing import load_pricing
from server.cli import build_parser
from server.config import Settings, env_name, load_settings
from server.demo import DEFAULT_DATASET, TOKEN_ENV, add_demo_command
from server.storage.clickhouse import parse_url

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"clickhouse", "usagehouse", "grafana", "prometheus", "demo"}
PLUGINS = {
    "simpod-json-datasource",
    "yesoreyeram-infinity-datasource",
    "vertamedia-clickhouse-datasource",
}
PLUGIN_VARS = ("GF_PLUGINS_PREINSTALL_SYNC", "GF_PLUGINS_PREINSTALL", "GF_INSTALL_PLUGINS")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}; `$$` is a literal dollar.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


@pytest.fixture(scope="module")
def dotenv() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(value: object, env: dict[str, str] | None = None) -> str:
    """What compose makes of a value with an empty environment (or `env`): defaults applied."""
    env = env or {}

    def substitute(match: re.Match[str]) -> str:
        name, operator, default = match.group(1), match.group(2), match.group(3) or ""
        if name in env and (env[name] or operator != ":-"):
            return env[name]
        return default if operator in (":-", "-") else ""

    return VARIABLE.sub(substitute, str(value)).replace("$$", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: interpolate(value) for key, value in env.items()}


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, rest = line.strip().partition(" ")
            pairs.append((instruction.upper(), rest.strip()))
    return pairs


def test_compose_defines_the_stack(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) >= SERVICES


def test_every_image_is_pinned_to_a_tag(services: dict[str, dict[str, Any]]) -> None:
    images = [service["image"] for service in services.values() if "image" in service]
    images += [args.split()[0] for kind, args in dockerfile() if kind == "FROM"]
    for name, service in services.items():
        assert "image" in service or "build" in service, name
    for image in images:
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{image} has no tag"
        assert tag != "latest", f"{image} is not pinned"


def test_clickhouse_and_usagehouse_have_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    for name in ("clickhouse", "usagehouse"):
        check = services[name]["healthcheck"]
        assert check["test"] and check["test"][0] in ("CMD", "CMD-SHELL"), name
    assert "/ready" in " ".join(services["usagehouse"]["healthcheck"]["test"])


def test_dependencies_exist_and_wait_for_health(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if spec.get("condition") == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"


def test_dashboards_and_metrics_do_not_wait_for_a_healthy_usagehouse(
    services: dict[str, dict[str, Any]],
) -> None:
    """Grafana and Prometheus start even when usagehouse is unhealthy: that is exactly when the
    health dashboard is needed."""
    for name in ("grafana", "prometheus"):
        spec = (services[name].get("depends_on") or {}).get("usagehouse", {})
        assert spec.get("condition", "service_started") == "service_started", name


def test_built_images_are_rebuilt_on_up(services: dict[str, dict[str, Any]]) -> None:
    """A service built from the repository rebuilds on `docker compose up`, so an update never
    runs a stale usagehouse:local."""
    built = [name for name, service in services.items() if "build" in service]
    assert built
    for name in built:
        assert services[name].get("pull_policy") == "build", name


def test_env_example_says_the_admin_password_is_set_once(dotenv: dict[str, str]) -> None:
    text = (ROOT / ".env.example").read_text()
    block = text[: text.index("GRAFANA_ADMIN_PASSWORD=")].rsplit("\n\n", 1)[-1]
    assert "reset-admin-password" in block and "first" in block


def test_storage_url_points_at_the_clickhouse_service(services: dict[str, dict[str, Any]]) -> None:
    clickhouse = environment(services["clickhouse"])
    url = parse_url(environment(services["usagehouse"])["USAGEHOUSE_STORAGE"])
    assert url["host"] == "clickhouse"
    assert url["port"] == 8123
    assert url["database"] == clickhouse["CLICKHOUSE_DB"]
    assert url["username"] == clickhouse["CLICKHOUSE_USER"]
    assert url["password"] == clickhouse["CLICKHOUSE_PASSWORD"]


def test_usagehouse_environment_is_valid_settings(services: dict[str, dict[str, Any]]) -> None:
    env = environment(services["usagehouse"])
    settings = load_settings(env)
    assert not settings.is_loopback and settings.tokens
    Authenticator(settings.tokens)  # raises on a malformed token list
    assert [str(settings.port)] == [p.split(":")[-1] for p in services["usagehouse"]["ports"]]


def test_usagehouse_variables_are_real_settings(services: dict[str, dict[str, Any]]) -> None:
    known = {env_name(f.name) for f in dataclasses.fields(Settings)} | {TOKEN_ENV}
    for name, service in services.items():
        for key in environment(service):
            if key.startswith("USAGEHOUSE_"):
                assert key in known, f"{name}: {key} is not a Settings field"


def test_grafana_installs_the_three_plugins(services: dict[str, dict[str, Any]]) -> None:
    env = environment(services["grafana"])
    assert "GF_INSTALL_PLUGINS" not in env, "deprecated since Grafana 12.1: use PREINSTALL_SYNC"
    listed = {
        entry.strip().split("@")[0]
        for var in PLUGIN_VARS
        for entry in env.get(var, "").split(",")
        if entry.strip()
    }
    assert listed >= PLUGINS


def test_grafana_plugins_are_pinned_and_documented(services: dict[str, dict[str, Any]]) -> None:
    """Each plugin is installed as id@version (GF_PLUGINS_PREINSTALL_SYNC), never auto-updated,
    and docs/compose.md names the versions the stack runs."""
    env = environment(services["grafana"])
    entries = [e.strip() for e in env["GF_PLUGINS_PREINSTALL_SYNC"].split(",") if e.strip()]
    page = (ROOT / "docs" / "compose.md").read_text()
    for entry in entries:
        plugin, _, version = entry.partition("@")
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{entry}: pin it as {plugin}@x.y.z"
        assert f"`{plugin}` {version}" in page, f"docs/compose.md: name `{plugin}` {version}"
    assert env.get("GF_PLUGINS_PREINSTALL_AUTO_UPDATE") == "false"
    mounts = {v.split(":")[1] for v in services["grafana"]["volumes"] if v.startswith("./")}
    assert {"/etc/grafana/provisioning", "/var/lib/grafana/dashboards"} <= mounts


def test_the_stack_is_closed_unless_opened_in_env(
    services: dict[str, dict[str, Any]], dotenv: dict[str, str]
) -> None:
    """Every published port binds to 127.0.0.1 unless UH_PUBLISH_ADDRESS says otherwise, and
    Grafana lets nobody in anonymously unless GRAFANA_ANONYMOUS_VIEWERS=true."""
    published = [(name, port) for name, s in services.items() for port in s.get("ports", [])]
    assert {name for name, _ in published} >= {"usagehouse", "grafana", "prometheus"}
    for name, port in published:
        host = interpolate(port).rsplit(":", 2)[0]
        assert host == "127.0.0.1", f"{name} publishes {port} beyond this machine"
        if name != "clickhouse":  # ClickHouse stays on loopback whatever .env says
            assert interpolate(port, {"UH_PUBLISH_ADDRESS": "0.0.0.0"}).startswith("0.0.0.0:")
    assert dotenv["UH_PUBLISH_ADDRESS"] == "127.0.0.1"
    grafana = services["grafana"]["environment"]
    assert interpolate(grafana["GF_AUTH_ANONYMOUS_ENABLED"]) == "false"
    opened = {"GRAFANA_ANONYMOUS_VIEWERS": "true"}
    assert interpolate(grafana["GF_AUTH_ANONYMOUS_ENABLED"], opened) == "true"
    assert interpolate(grafana["GF_AUTH_ANONYMOUS_ORG_ROLE"]) == "Viewer"


def test_metrics_need_the_token_prometheus_sends(
    compose: dict[str, Any], services: dict[str, dict[str, Any]], dotenv: dict[str, str]
) -> None:
    """/metrics lists every tenant's datasets: compose sets USAGEHOUSE_METRICS_TOKEN and hands
    the same value to Prometheus as the credentials file its scrape config reads."""
    config = yaml.safe_load((ROOT / "prometheus" / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "usagehouse")
    path = job["authorization"]["credentials_file"]
    [mount] = [c for c in services["prometheus"]["configs"] if c["target"] == path]
    content = compose["configs"][mount["source"]]["content"]
    raw = services["usagehouse"]["environment"]["USAGEHOUSE_METRICS_TOKEN"]
    for env in ({}, dotenv, {"UH_METRICS_TOKEN": "s3cret"}):
        token = interpolate(raw, env)
        assert token and interpolate(content, env) == token
        assert load_settings({"USAGEHOUSE_METRICS_TOKEN": token}).metrics_token == token


def bind_mounts(service: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Container path -> (host path, options) of a service's bind mounts, defaults applied."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, *options = interpolate(volume).split(":")
        if source.startswith(("./", "/")):
            mounts[target] = (source, ",".join(options))
    return mounts


def test_bind_mounts_exist(services: dict[str, dict[str, Any]]) -> None:
    missing = [
        source
        for service in services.values()
        for source, _ in bind_mounts(service).values()
        if source.startswith("./") and not (ROOT / source).exists()
    ]
    if missing and all(source.startswith("./grafana/") for source in missing):
        pytest.skip(f"{missing}: Grafana provisioning lands with its own change")
    assert not missing


def test_usagehouse_prices_invoices_with_the_mounted_example(
    services: dict[str, dict[str, Any]], dotenv: dict[str, str]
) -> None:
    """USAGEHOUSE_PRICING names a read-only mount of pricing.example.toml (or the .env's own
    file), which loads and meters the dataset `usagehouse demo` writes."""
    service = services["usagehouse"]
    path = load_settings(environment(service)).pricing
    source, options = bind_mounts(service)[path]
    assert source == "./pricing.example.toml" and "ro" in options.split(",")
    assert dotenv["UH_PRICING_FILE"] == source
    pricing = load_pricing(str(ROOT / source))
    assert {meter.dataset for meter in pricing.meters} == {DEFAULT_DATASET}
    assert pricing.currency == "USD" and pricing.timezone == "UTC"  # Grafana's bill panel


def test_prometheus_scrapes_the_usagehouse_service(services: dict[str, dict[str, Any]]) -> None:
    config = yaml.safe_load((ROOT / "prometheus" / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "usagehouse")
    assert job.get("metrics_path", "/metrics") == "/metrics"
    targets = [t for group in job["static_configs"] for t in group["targets"]]
    port = load_settings(environment(services["usagehouse"])).port
    assert targets == [f"usagehouse:{port}"]
    mount = "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
    assert mount in services["prometheus"]["volumes"]


def test_demo_service_runs_usagehouse_demo(services: dict[str, dict[str, Any]]) -> None:
    demo = services["demo"]
    assert demo["profiles"] == ["demo"]
    assert demo["image"] == services["usagehouse"]["image"]
    command = [interpolate(part) for part in demo["command"]]
    assert command[:2] == ["usagehouse", "demo"]
    parser = argparse.ArgumentParser()
    add_demo_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(command[1:])
    assert urlsplit(args.url).hostname == "usagehouse"
    assert args.live == -1
    # The demo's token may write to the demo's account on the usagehouse service.
    auth = Authenticator(load_settings(environment(services["usagehouse"])).tokens)
    auth.authorize(f"Bearer {environment(demo)[TOKEN_ENV]}", args.account, "w")


def test_dockerfile_command_is_the_console_script() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    cmd = json.loads(next(args for kind, args in dockerfile() if kind == "CMD"))
    assert cmd[0] in pyproject["project"]["scripts"]
    args = build_parser().parse_args(cmd[1:])
    assert args.command == "serve" and args.host == "0.0.0.0"


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    instructions = dockerfile()
    users = [args for kind, args in instructions if kind == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    healthcheck = next(args for kind, args in instructions if kind == "HEALTHCHECK")
    assert "/health" in healthcheck and "curl" not in healthcheck
    assert ("EXPOSE", "8787") in instructions


def test_env_example_documents_every_compose_variable(dotenv: dict[str, str]) -> None:
    uses = list(VARIABLE.finditer((ROOT / "compose.yaml").read_text()))
    missing = {m.group(1) for m in uses} - set(dotenv)
    assert not missing, f"missing from .env.example: {sorted(missing)}"
    for m in uses:
        if m.group(3) is not None:
            assert dotenv[m.group(1)] == m.group(3), f"{m.group(0)} disagrees with .env.example"


def test_env_example_values_give_the_same_stack(
    services: dict[str, dict[str, Any]], dotenv: dict[str, str]
) -> None:
    raw = services["usagehouse"]["environment"]
    with_env = {k: interpolate(v, dotenv) for k, v in raw.items()}
    assert with_env == environment(services["usagehouse"])


# --- the `cluster` profile ------------------------------------------------------------------

CLUSTER_SERVICES = {
    "ch-keeper",
    "ch-s1r1",
    "ch-s1r2",
    "ch-s2r1",
    "ch-s2r2",
    "uh-1",
    "uh-2",
    "lb",
    "grafana-cluster",
    "prometheus-cluster",
}
CLICKHOUSE_NODES = ("ch-s1r1", "ch-s1r2", "ch-s2r1", "ch-s2r2")
REPLICAS = ("uh-1", "uh-2")


def xml(path: str) -> ElementTree.Element:
    return ElementTree.parse(ROOT / path).getroot()


def haproxy_sections() -> dict[str, list[str]]:
    """`backend NAME` / `frontend NAME` -> its lines."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for raw in (ROOT / "haproxy" / "haproxy.cfg").read_text().splitlines():
        line = raw.split("#")[0].strip()
        if not line:
            continue
        if not raw.startswith((" ", "\t")):
            current = sections.setdefault(line, [])
        else:
            current.append(line)
    return sections


def test_cluster_profile_defines_its_own_stack(services: dict[str, dict[str, Any]]) -> None:
    profiled = {name for name, s in services.items() if s.get("profiles") == ["cluster"]}
    assert profiled == CLUSTER_SERVICES
    for name in CLUSTER_SERVICES:
        networks = services[name]["networks"]
        assert list(networks) == ["cluster"], name
    for name in SERVICES:  # the default stack is untouched by the profile
        assert "networks" not in services[name], name


def test_every_cluster_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name in CLUSTER_SERVICES:
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
    for name in REPLICAS:
        assert "/ready" in " ".join(services[name]["healthcheck"]["test"])


def test_remote_servers_name_the_cluster_the_replicas_use(
    services: dict[str, dict[str, Any]],
) -> None:
    config = xml("clickhouse/cluster/cluster.xml")
    clusters = {c.tag: c for c in config.find("remote_servers") or []}
    for name in REPLICAS:
        settings = load_settings(environment(services[name]))
        assert settings.clickhouse_cluster in clusters, name
        assert settings.clickhouse_insert_quorum == 2  # both replicas of a shard
        Authenticator(settings.tokens)
    shards = clusters["usagehouse"].findall("shard")
    assert len(shards) == 2
    for number, shard in enumerate(shards, 1):
        assert shard.findtext("internal_replication") == "true"
        replicas = shard.findall("replica")
        assert len(replicas) == 2
        for replica in replicas:
            host = replica.findtext("host", "")
            env = environment(services[host])
            assert env["CLICKHOUSE_SHARD"] == str(number) and env["CLICKHOUSE_REPLICA"] == host
            assert replica.findtext("port") == "9000"
            for credential in ("user", "password"):
                element = replica.find(credential)
                assert element is not None and element.get("from_env") in env
    hosts = [r.findtext("host", "") for s in shards for r in s.findall("replica")]
    assert sorted(hosts) == sorted(CLICKHOUSE_NODES)


def test_every_node_reads_the_cluster_config_and_finds_keeper(
    services: dict[str, dict[str, Any]],
) -> None:
    config = xml("clickhouse/cluster/cluster.xml")
    macros = config.find("macros")
    assert macros is not None
    assert {m.tag: m.get("from_env") for m in macros} == {
        "shard": "CLICKHOUSE_SHARD",
        "replica": "CLICKHOUSE_REPLICA",
    }
    for name in CLICKHOUSE_NODES:
        mounts = bind_mounts(services[name])
        source, options = mounts["/etc/clickhouse-server/config.d/cluster.xml"]
        assert source == "./clickhouse/cluster/cluster.xml" and options == "ro"
        assert services[name]["depends_on"]["ch-keeper"]["condition"] == "service_healthy"
    keeper = xml("clickhouse/cluster/keeper.xml").find("keeper_server")
    assert keeper is not None
    node = config.find("zookeeper/node")
    assert node is not None and node.findtext("host") == "ch-keeper"
    assert node.findtext("port") == keeper.findtext("tcp_port")
    assert keeper.findtext("raft_configuration/server/hostname") == "ch-keeper"
    keeper_mounts = bind_mounts(services["ch-keeper"])
    assert "--config-file=/etc/clickhouse-keeper/keeper.xml" in services["ch-keeper"]["command"]
    assert (
        keeper_mounts["/etc/clickhouse-keeper/keeper.xml"][0] == "./clickhouse/cluster/keeper.xml"
    )


def test_the_load_balancer_fronts_the_replicas_and_the_nodes(
    services: dict[str, dict[str, Any]],
) -> None:
    sections = haproxy_sections()
    api = sections["backend usagehouse"]
    assert "balance hdr(Idempotency-Key)" in api and "hash-type consistent" in api
    assert sorted(line.split()[1] for line in api if line.startswith("server")) == list(REPLICAS)
    nodes = sections["backend clickhouse"]
    assert sorted(line.split()[1] for line in nodes if line.startswith("server")) == sorted(
        CLICKHOUSE_NODES
    )
    assert "bind :8787" in sections["frontend usagehouse"]
    assert "bind :8123" in sections["frontend clickhouse"]
    assert "monitor-uri /health" in sections["frontend health"]
    assert "8404" in " ".join(services["lb"]["healthcheck"]["test"])
    for name in REPLICAS:
        url = parse_url(environment(services[name])["USAGEHOUSE_STORAGE"])
        assert (url["host"], url["port"], url["database"]) == ("lb", 8123, "usagehouse")
        node_env = environment(services["ch-s1r1"])
        assert (url["username"], url["password"]) == (
            node_env["CLICKHOUSE_USER"],
            node_env["CLICKHOUSE_PASSWORD"],
        )
    assert bind_mounts(services["lb"])["/usr/local/etc/haproxy/haproxy.cfg"][0] == (
        "./haproxy/haproxy.cfg"
    )


def test_cluster_grafana_and_prometheus_watch_the_cluster_stack(
    services: dict[str, dict[str, Any]],
) -> None:
    grafana = environment(services["grafana-cluster"])
    assert urlsplit(grafana["UH_URL"]).hostname == "lb"
    assert (
        bind_mounts(services["grafana-cluster"]).keys() == bind_mounts(services["grafana"]).keys()
    )
    datasources = yaml.safe_load(
        (ROOT / "grafana/provisioning/datasources/usagehouse.yaml").read_text()
    )["datasources"]
    prometheus_url = next(d["url"] for d in datasources if d["type"] == "prometheus")
    aliases = services["prometheus-cluster"]["networks"]["cluster"]["aliases"]
    assert urlsplit(prometheus_url).hostname in aliases
    config = yaml.safe_load((ROOT / "prometheus" / "prometheus-cluster.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "usagehouse")
    targets = [t for group in job["static_configs"] for t in group["targets"]]
    assert targets == [f"{name}:8787" for name in REPLICAS]
