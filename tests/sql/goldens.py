"""Reading and writing tests/sql/golden/*.sql, in sqlglot's fixture style.

A case is `# title: ...` (one or more lines), optional `# key: value` headers (`error`,
`wae`, `execute`, `columns`, `result`), the WAE query ending in `;` at the end of a line,
then, unless the case expects an error, the expected ClickHouse SQL ending in `;`. To keep
goldens readable, the 44-column list of a scoped dataset is written `<WAE columns>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from server.storage.schema import WAE_COLUMNS

GOLDEN_DIR = Path(__file__).parent / "golden"
COLUMNS_LIST = ", ".join(WAE_COLUMNS)
COLUMNS_ABBREVIATION = "<WAE columns>"
HEADERS = ("error", "wae", "execute", "columns", "result")


@dataclass
class Case:
    path: Path
    title: str
    query: str
    expected: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.path.stem}: {self.title}"

    def render(self) -> str:
        lines = [f"# title: {self.title}"]
        lines += [f"# {key}: {value}" for key, value in self.headers.items()]
        lines.append(f"{self.query};")
        if self.expected is not None:
            lines.append(f"{self.expected};")
        return "\n".join(lines) + "\n"


def abbreviate(sql: str) -> str:
    return sql.replace(COLUMNS_LIST, COLUMNS_ABBREVIATION)


def read(path: Path) -> tuple[str, list[Case]]:
    """The file's preamble (text before the first case) and its cases."""
    preamble: list[str] = []
    cases: list[Case] = []
    title: list[str] = []
    headers: dict[str, str] = {}
    statements: list[str] = []
    current: list[str] = []

    def finish() -> None:
        if not title:
            return
        wants = 1 if "error" in headers else 2
        if len(statements) != wants:
            raise ValueError(f"{path}: case {' '.join(title)!r} has {len(statements)} statements")
        expected = statements[1] if wants == 2 else None
        cases.append(Case(path, " ".join(title), statements[0], expected, dict(headers)))

    for line in path.read_text().splitlines():
        in_statement = bool(current)
        if not in_statement and line.startswith("# title:"):
            if statements:
                finish()
                title, headers, statements = [], {}, []
            title.append(line.removeprefix("# title:").strip())
        elif not in_statement and not statements and title and _header(line):
            key, _, value = line.removeprefix("# ").partition(":")
            headers[key.strip()] = value.strip()
        elif not title:
            preamble.append(line)
        elif line.strip() or in_statement:
            current.append(line)
            if line.rstrip().endswith(";"):
                statements.append("\n".join(current).rstrip()[:-1])
                current = []
    finish()
    return "\n".join(preamble).strip(), cases


def _header(line: str) -> bool:
    return any(line.startswith(f"# {key}:") for key in HEADERS)


def write(path: Path, preamble: str, cases: list[Case]) -> None:
    head = f"{preamble}\n\n" if preamble else ""
    path.write_text(head + "\n".join(case.render() for case in cases))


def all_cases() -> list[Case]:
    return [case for path in sorted(GOLDEN_DIR.glob("*.sql")) for case in read(path)[1]]
