"""The README documents every setting, and its quick-start commands are the real ones."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.cli import build_parser
from server.config import DEFAULT_ACCOUNT, Settings, env_name
from server.remote import ACCOUNT_ENV, URL_ENV
from tests.processes import served

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_readme_table():
    table_vars = set(re.findall(r"^\| `(USAGEHOUSE_[A-Z0-9_]+)` \|", README, re.M))
    fields = {env_name(f.name) for f in dataclasses.fields(Settings)}
    assert fields == table_vars


def test_readme_defaults_match_settings():
    rows = re.findall(r"^\| `(USAGEHOUSE_[A-Z0-9_]+)` \| [^|]* \| ([^|]*) \|", README, re.M)
    defaults = Settings()
    for var, documented in rows:
        value = getattr(defaults, var.removeprefix("USAGEHOUSE_").lower())
        documented = documented.strip().strip("`")
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert float(documented) == value, var
        elif value:
            assert documented == value, var


def test_ci_runs_the_readme_test_command():
    assert "scripts/check" in README
    assert "exec scripts/check" in (ROOT / ".ci" / "run").read_text()


def test_one_default_account_everywhere(monkeypatch):
    """The README's examples, `usagehouse demo`, `sql`, `bill` and `translate`, Grafana in
    local-dev mode (tests/grafana/test_datasource.py) and the compose stack all use
    DEFAULT_ACCOUNT, so data written by one step of the Quick start is where the next one
    looks."""
    for name in (URL_ENV, ACCOUNT_ENV):
        monkeypatch.delenv(name, raising=False)
    parser = build_parser()
    for argv in (["demo"], ["sql", "SELECT 1"], ["bill", "--month", "2026-11"], ["translate", "x"]):
        assert parser.parse_args(argv).account == DEFAULT_ACCOUNT, argv[0]
    compose = (ROOT / "compose.yaml").read_text()
    assert set(re.findall(r"\$\{UH_ACCOUNT:-([^}]*)\}", compose)) == {DEFAULT_ACCOUNT}
    assert f"\nUH_ACCOUNT={DEFAULT_ACCOUNT}\n" in (ROOT / ".env.example").read_text()
    accounts = set(re.findall(r"/accounts/([^/<{$]+)/", README))
    assert accounts == {DEFAULT_ACCOUNT}, f"README examples use {sorted(accounts)}"


def code_blocks(text: str = README) -> list[tuple[str, str]]:
    """(language, body) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)


def test_commands_call_the_virtual_environment_by_path():
    """After the install line, `usagehouse` and `python` are the venv's: a fresh shell has
    neither on its PATH (`command not found`, `No module named 'aiohttp'`)."""
    for lang, body in code_blocks():
        if lang not in ("sh", "console"):
            continue
        for line in body.splitlines():
            command = line.removeprefix("$ ").strip()
            assert not re.match(
                r"(usagehouse|python3?|pip|pytest)\b", command
            ) or command.startswith("python3 -m venv .venv"), f"call it as .venv/bin/...: {line}"
    for inline in re.findall(r"`([^`\n]+)`", README):
        if re.match(r"(python3?|pip|pytest) ", inline):
            raise AssertionError(f"call it as .venv/bin/...: {inline}")
        if inline.startswith("usagehouse "):  # a synopsis in the CLI table
            assert inline.split()[1] in {
                "serve",
                "sql",
                "translate",
                "bill",
                "demo",
                "schema",
                "import",
            }, inline


# --- the README followed verbatim ----------------------------------------------------------
#
# The Quick start's commands, then the billing section's and the command-line section's, run in
# README order through bash against a real `usagehouse serve` started with the Quick start's own
# flags; where the README shows the output, the output must be that.

RUN_SECTIONS = ("Quick start", "Billing: invoices from exact usage", "Command line")
SKIPPED = ("python3 -m venv", "scripts/check", "docker ", "cp .env.example")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def commands(block: str) -> list[str]:
    """The commands of an `sh` block: a line ending in `\\` or inside an open quote goes on."""
    found, current = [], ""
    for line in block.splitlines():
        current = f"{current}\n{line}" if current else line
        try:
            shlex.split(current)
        except ValueError:  # no closing quotation
            continue
        if not current.endswith("\\"):
            found.append(current)
            current = ""
    return found


def examples(text: str) -> list[tuple[str, str | None, str]]:
    """(command, shown output or None, output kind) in document order. An `sh` block with one
    command may be followed at once by its output (```json / ```text); a ```console block holds
    `$ command` lines, each followed by its output (stdout and stderr)."""
    found: list[tuple[str, str | None, str]] = []
    blocks = list(re.finditer(r"^```(\w*)\n(.*?)^```\n", text, re.M | re.S))
    for i, block in enumerate(blocks):
        lang, body = block.group(1), block.group(2)
        if lang == "sh":
            cmds = commands(body)
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            shown = following if following and following.start() == block.end() else None
            if len(cmds) == 1 and shown is not None and shown.group(1) in ("json", "text"):
                found.append((cmds[0], shown.group(2), shown.group(1)))
            else:
                found.extend((cmd, None, "any") for cmd in cmds)
        elif lang == "console":
            for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
                lines = chunk.splitlines()
                n = 1
                while n < len(lines) and not _complete(" ".join(lines[:n])):
                    n += 1
                found.append(("\n".join(lines[:n]), "\n".join(lines[n:]) + "\n", "console"))
    return [(cmd, shown, kind) for cmd, shown, kind in found if not cmd.startswith(SKIPPED)]


def _complete(command: str) -> bool:
    try:
        shlex.split(command)
    except ValueError:
        return False
    return True


def test_examples_are_found_where_the_readme_has_them():
    quick = examples(section("Quick start"))
    kinds = [kind for _, _, kind in quick]
    assert kinds == ["json", "json", "text", "text", "any", "json"], quick
    assert [kind for _, _, kind in examples(section("Command line"))] == ["console"] * 3


@pytest.fixture(scope="module")
def readme_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`usagehouse serve` with the Quick start's flags, on a port of its own, in a fresh
    directory."""
    [install] = [c for _, body in code_blocks(section("Quick start")) for c in commands(body)][:1]
    serve = install.split(".venv/bin/usagehouse serve", 1)[1].split()
    assert serve == ["--pricing", "pricing.example.toml"], "the Quick start serves with pricing"
    with served(tmp_path_factory.mktemp("readme"), *serve, cwd=ROOT) as base:
        yield base


@pytest.mark.slow
def test_the_readme_examples_run_and_print_what_it_shows(readme_server):
    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGEHOUSE_")}
    env["USAGEHOUSE_URL"] = readme_server  # the CLI's default is the README's 127.0.0.1:8787
    month = time.strftime("%Y-%m", time.gmtime())
    python = shlex.quote(sys.executable)
    programs = {"usagehouse": f"{python} -m server", "python": python}
    ran = 0
    for title in RUN_SECTIONS:
        for command, shown, kind in examples(section(title)):
            script = re.sub(
                r"\.venv/bin/(usagehouse|python)",
                lambda m: programs[m.group(1)],
                command.replace("http://127.0.0.1:8787", readme_server),
            )
            done = subprocess.run(
                ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=300,
            )  # fmt: skip
            where = f"{title}: {command}\n{done.stdout}{done.stderr}"
            ran += 1
            if kind == "console":
                assert done.stdout + done.stderr == shown, where
                continue
            assert done.returncode == 0, where
            if kind == "json":
                assert json.loads(done.stdout) == json.loads(shown or ""), where
            elif kind == "text":
                assert done.stdout == re.sub(r"\b20\d\d-\d\d\b", month, shown or ""), where
            else:
                assert done.stdout and '"ok": false' not in done.stdout, where
    assert ran >= 11
