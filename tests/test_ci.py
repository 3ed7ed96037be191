"""The public CI definition (.github/workflows/ci.yml) parses and runs what it promises: the
project's checks, the storage tests on a pinned ClickHouse server, and the compose smoke test
of both stacks. It cannot run here (no Docker engine); its pieces are tested where they can be
(tests/test_compose_smoke.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.storage.clickhouse import parse_url
from tests.storage.conftest import CLICKHOUSE_IMAGE

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return data


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_ci_runs_on_pushes_and_pull_requests(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    assert workflow["permissions"] == {"contents": "read"}


def test_every_action_is_pinned_to_a_version(workflow):
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+(\.\d+)*", step["uses"]), (name, step)
        assert job["runs-on"] != "ubuntu-latest", name
        assert job["timeout-minutes"] <= 90, name


def test_the_check_job_runs_scripts_check_and_shellcheck(workflow):
    commands = runs(workflow["jobs"]["check"])
    assert "scripts/check" in commands
    shellcheck = next(c for c in commands if c.startswith("shellcheck"))
    for script in shellcheck.split()[1:]:
        assert (ROOT / script).is_file(), script


def test_storage_tests_run_on_the_pinned_server_they_are_written_for(workflow):
    job = workflow["jobs"]["storage-on-clickhouse-server"]
    service = job["services"]["clickhouse"]
    assert service["image"] == CLICKHOUSE_IMAGE
    url = parse_url(job["env"]["USAGEHOUSE_TEST_CLICKHOUSE_URL"])
    env = service["env"]
    assert (url["username"], url["password"], url["database"]) == (
        env["CLICKHOUSE_USER"],
        env["CLICKHOUSE_PASSWORD"],
        env["CLICKHOUSE_DB"],
    )
    assert f"{url['port']}:8123" in service["ports"]
    assert "--health-cmd" in service["options"]
    assert any(c.startswith("python -m pytest tests/storage") for c in runs(job))


def test_the_smoke_job_runs_both_stacks_through_scripts_compose_smoke(workflow):
    job = workflow["jobs"]["compose-smoke"]
    assert job["strategy"]["matrix"]["stack"] == ["default", "cluster"]
    assert runs(job) == ["scripts/compose-smoke ${{ matrix.stack }}"]
    script = ROOT / "scripts" / "compose-smoke"
    assert os.access(script, os.X_OK)
    usage = script.read_text()
    for stack in ("default)", "cluster)"):
        assert stack in usage
