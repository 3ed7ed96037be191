"""The README and docs/ document every setting, their examples are the real ones, and their
links lead somewhere."""

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

from server.billing.pricing import parse_pricing
from server.cli import build_parser
from server.config import DEFAULT_ACCOUNT, Settings, env_name
from server.remote import ACCOUNT_ENV, URL_ENV
from server.sql import translate
from tests.processes import served

ROOT = Path(__file__).resolve().parent.parent
#: The user's documentation: the README (the front door) and the reference pages in docs/.
PAGES = {
    path.relative_to(ROOT).as_posix(): path.read_text()
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
}
README = PAGES["README.md"]
#: The page whose settings table lists every `Settings` field.
SETTINGS_PAGE = "docs/operations.md"


def test_every_setting_is_in_the_settings_table():
    table = PAGES[SETTINGS_PAGE]
    table_vars = set(re.findall(r"^\| `(USAGEHOUSE_[A-Z0-9_]+)` \|", table, re.M))
    fields = {env_name(f.name) for f in dataclasses.fields(Settings)}
    assert fields == table_vars


def test_documented_defaults_match_settings():
    table = PAGES[SETTINGS_PAGE]
    rows = re.findall(r"^\| `(USAGEHOUSE_[A-Z0-9_]+)` \| [^|]* \| ([^|]*) \|", table, re.M)
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
    for page, text in PAGES.items():
        accounts = set(re.findall(r"/accounts/([^/<{$]+)/", text))
        assert accounts <= {DEFAULT_ACCOUNT}, f"{page}'s examples use {sorted(accounts)}"


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)


def test_commands_call_the_virtual_environment_by_path():
    """After the install line, `usagehouse` and `python` are the venv's: a fresh shell has
    neither on its PATH (`command not found`, `No module named 'aiohttp'`)."""
    blocks = [block for text in PAGES.values() for block in code_blocks(text)]
    for lang, body in blocks:
        if lang not in ("sh", "console"):
            continue
        for line in body.splitlines():
            command = line.removeprefix("$ ").strip()
            assert not re.match(
                r"(usagehouse|python3?|pip|pytest)\b", command
            ) or command.startswith("python3 -m venv .venv"), f"call it as .venv/bin/...: {line}"
    inlines = [code for text in PAGES.values() for code in re.findall(r"`([^`\n]+)`", text)]
    for inline in inlines:
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


# --- the documentation followed verbatim ---------------------------------------------------
#
# The README's Quick start, then docs/billing.md and the command-line section of
# docs/operations.md, run in that order through bash against a real `usagehouse serve` started
# with the Quick start's own flags; where a page shows the output, the output must be that.

RUN_SECTIONS = (
    ("README.md", "Quick start"),
    ("docs/billing.md", "Billing: invoices from exact usage"),
    ("docs/operations.md", "Command line"),
)
#: Commands no test runs here: the install and check lines (CI runs them itself) and Docker's
#: (no engine on this project's machines; the public CI's compose smoke test starts the stack).
SKIPPED = ("python3 -m venv", "scripts/check", "docker ", "cp .env.example")
#: A command with a `<placeholder>` to fill in (a Cloudflare account, a token) is a template.
PLACEHOLDER = re.compile(r"<[a-z][^<>\n]*>")


def section(title: str, page: str = "README.md") -> str:
    """A page's section, from its heading (any level) to the next heading of the same or a
    higher level."""
    text = PAGES[page]
    heading = re.search(rf"^(#+) {re.escape(title)}\n", text, re.M)
    assert heading, f"{page} has no heading {title!r}"
    level = len(heading.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, heading.end())
    return text[heading.start() : end.start() if end else None]


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


def test_examples_are_found_where_the_pages_have_them():
    quick = examples(section("Quick start"))
    kinds = [kind for _, _, kind in quick]
    assert kinds == ["json", "json", "text", "text", "any", "json"], quick
    billing = examples(section("Billing: invoices from exact usage", "docs/billing.md"))
    assert [kind for _, _, kind in billing] == ["any"] * 3
    cli = examples(section("Command line", "docs/operations.md"))
    assert [kind for _, _, kind in cli] == ["console"] * 3


def test_every_shell_example_is_run_or_is_a_template():
    """A shell example outside the sections the test below runs would go unchecked: each one
    is a Docker or install command, or has a `<placeholder>` to fill in."""
    run = [section(title, page) for page, title in RUN_SECTIONS]
    for page, text in PAGES.items():
        for lang, body in code_blocks(text):
            if lang not in ("sh", "console") or any(body in part for part in run):
                continue
            unchecked = [c for c, _, _ in examples(f"```{lang}\n{body}```\n")]
            assert all(PLACEHOLDER.search(c) for c in unchecked), (page, unchecked)


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
    for page, title in RUN_SECTIONS:
        for command, shown, kind in examples(section(title, page)):
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


# --- other examples -------------------------------------------------------------------------


def test_sql_examples_translate():
    """Every ```sql block is a statement the SQL API accepts."""
    statements = [
        body for text in PAGES.values() for lang, body in code_blocks(text) if lang == "sql"
    ]
    assert statements
    for statement in statements:
        translate(statement, account_id=DEFAULT_ACCOUNT, database="usagehouse")


def test_pricing_examples_load():
    """Every ```toml block is a pricing file the server starts with."""
    files = [body for text in PAGES.values() for lang, body in code_blocks(text) if lang == "toml"]
    assert files
    for text in files:
        assert parse_pricing(text, "docs").meters


# --- the pages and their links --------------------------------------------------------------

#: Markdown files whose relative links are checked: the user's pages and the contributor's.
LINKED = {
    **PAGES,
    **{
        name: (ROOT / name).read_text()
        for name in ("CONTRIBUTING.md", "CHANGELOG.md", "clients/worker/README.md")
    },
}


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, markup and punctuation other than `-` and `_`
    dropped, spaces as `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a page's headings (outside code blocks); a repeated one gets `-1`, `-2`."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose, re.M):
        name, n = anchor(heading), 0
        while (f"{name}-{n}" if n else name) in found:
            n += 1
        found.add(f"{name}-{n}" if n else name)
    return found


def broken_links(pages: dict[str, str]) -> list[str]:
    """Each relative link (outside code) whose file does not exist, or whose `#anchor` is not a
    heading of that file."""
    broken = []
    for page, text in pages.items():
        prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
        prose = re.sub(r"`[^`\n]*`", "", prose)  # the text of a link may be code: drop code only
        for target in re.findall(r"\]\(([^)\s]+)\)", prose):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            path, _, fragment = target.partition("#")
            file = (ROOT / page).parent / path
            if path and not file.exists():
                broken.append(f"{page}: {target} (no such file)")
            elif fragment and fragment not in anchors(file.read_text() if path else text):
                broken.append(f"{page}: {target} (no such heading)")
    return broken


def test_anchors_follow_github():
    assert anchor("From a Worker: the `writeDataPoint()` binding") == (
        "from-a-worker-the-writedatapoint-binding"
    )
    assert anchor("Sampling: how a hot customer stays affordable") == (
        "sampling-how-a-hot-customer-stays-affordable"
    )
    assert anchors("# A\n```sh\n# not a heading\n```\n## A\n## a_b-c\n") == {"a", "a-1", "a_b-c"}


def test_relative_links_lead_to_a_file_and_a_heading():
    assert broken_links(LINKED) == []


def test_a_broken_link_is_found():
    page = "docs/new.md"
    text = "# New\n[a](sql.md#sql-dialect) [b](sql.md#no-such) [c](nope.md) [d](#new) [e](#old)\n"
    assert broken_links({page: text}) == [
        f"{page}: sql.md#no-such (no such heading)",
        f"{page}: nope.md (no such file)",
        f"{page}: #old (no such heading)",
    ]


def test_the_readme_is_the_front_door():
    """Two commands, a tour, a performance section, and a way to every page in docs/."""
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings[0] == "Quick start"
    assert {"Performance", "Documentation"} <= set(headings)
    table = section("Documentation")
    assert set(re.findall(r"\]\((docs/[^)#]+)\)", table)) == set(PAGES) - {"README.md"}
