"""The README documents every setting, and its quick-start commands are the real ones."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from server.config import Settings, env_name

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
