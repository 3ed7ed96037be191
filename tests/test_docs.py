"""The README documents every setting, and its quick-start commands are the real ones."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from server.cli import build_parser
from server.config import DEFAULT_ACCOUNT, Settings, env_name
from server.console import ACCOUNT_ENV, URL_ENV

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
    local-dev mode (tests/test_grafana.py) and the compose stack all use DEFAULT_ACCOUNT, so
    data written by one step of the Quick start is where the next one looks."""
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
            assert inline.split()[1] in {"serve", "sql", "translate", "bill", "demo"}, inline
