"""The import graph of server/: the domain packages stay free of the web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import server

ROOT = Path(server.__file__).parent
#: Packages that hold the domain: they raise server.errors' classes and know nothing of HTTP.
DOMAIN = ("server.sql", "server.storage", "server.billing", "server.ingest", "server.grafana")
FORBIDDEN = ("aiohttp", "server.web", "server.app")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports (at any depth of the file, TYPE_CHECKING blocks included)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the modules it imports, for every module under server/."""
    return {module_name(path): imports_of(path) for path in sorted(ROOT.rglob("*.py"))}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """The modules `start` imports, directly or through other modules of server/."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for name in graph.get(todo.pop(), ()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def test_the_graph_sees_relative_and_absolute_imports():
    graph = import_graph()
    assert "aiohttp" in graph["server.web.errors"]
    assert "server.errors" in graph["server.web.errors"]  # `from ..errors import AppError`
    assert "server.web" in graph["server.app"]  # `from .web import billing, ...`


def test_no_domain_module_imports_the_web_framework_even_indirectly():
    graph = import_graph()
    domain = [name for name in graph if _within(name, DOMAIN)]
    assert len(domain) > 20
    offenders = {
        name: sorted(n for n in reachable(graph, name) if _within(n, FORBIDDEN)) for name in domain
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_errors_are_framework_free():
    assert not [n for n in reachable(import_graph(), "server.errors") if _within(n, FORBIDDEN)]


#: The domain's layers, lowest first: a package reaches (directly or not) only the layers below
#: its own, never a package beside it or above. The engine knows nothing of its users, SQL
#: nothing of Grafana's dialect of it or of billing, ingest nothing of Grafana.
LAYERS = (
    ("server.storage",),
    ("server.sql", "server.billing"),
    ("server.grafana", "server.ingest"),
)


def reaches_upward(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """Module → the modules of its own layer's other packages, or of a higher layer, it reaches."""
    offenders: dict[str, list[str]] = {}
    for level, layer in enumerate(LAYERS):
        for package in layer:
            others = tuple(p for tier in LAYERS[level:] for p in tier if p != package)
            for name in (n for n in graph if _within(n, (package,))):
                found = sorted(n for n in reachable(graph, name) if _within(n, others))
                if found:
                    offenders[name] = found
    return offenders


def test_each_domain_layer_imports_only_the_layers_below():
    assert reaches_upward(import_graph()) == {}


def test_the_layer_rule_sees_an_indirect_reach_upward():
    graph = {
        "server.sql.run": {"server.sql.helper"},
        "server.sql.helper": {"server.grafana.macros"},
        "server.grafana.macros": {"server.sql.parse"},
        "server.storage.schema": {"server.errors"},
    }
    assert reaches_upward(graph) == {
        "server.sql.helper": ["server.grafana.macros"],
        "server.sql.run": ["server.grafana.macros"],
    }


def test_the_console_names_no_storage_engine():
    """The console is a client of the HTTP API (and the translator, for `translate`): of storage
    it may name the schema's vocabulary (tables, resolutions), never an engine."""
    graph = import_graph()
    named = {
        imported
        for name in graph
        if _within(name, ("server.console",))
        for imported in graph[name]
        if _within(imported, ("server.storage",)) and imported in graph
    }
    assert named == {"server.storage", "server.storage.schema"}
