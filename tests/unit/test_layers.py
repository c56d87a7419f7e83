"""The import graph of src/opentrade keeps the layers (docs/architecture.md):

    edges: cli, api, web          may import the shared HTTP package, services and everything below
    http (shared by api and web)  may import services and below — never an edge
    services                      use cases: may import domain, analytics, adapters, i18n
    domain, analytics             pure: the exception tree and the vocabulary only (no adapter, no I/O package)
    adapters: store, ingest, refdata   beside them: may import domain, never services or an edge

Nothing imports an edge except the wiring point (opentrade.app, opentrade.asgi, cli.main for ``serve``), and the
graph of modules has no cycles. Imports inside ``if TYPE_CHECKING:`` are not run and do not count; imports inside
functions do (they run when the function does).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "opentrade"

EDGES = {"cli", "api", "web"}
#: top-level part → the parts it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "cli": {"http", "services", "domain", "analytics", "store", "ingest", "refdata", "i18n", "base", "app"},
    "api": {"http", "services", "domain", "analytics", "store", "ingest", "refdata", "i18n", "base"},
    "web": {"http", "services", "domain", "analytics", "store", "ingest", "refdata", "i18n", "base"},
    "http": {"services", "domain", "analytics", "store", "ingest", "refdata", "i18n", "base"},
    "services": {"domain", "analytics", "store", "ingest", "refdata", "i18n", "base"},
    "i18n": {"base"},
    "domain": {"base"},
    "analytics": {"domain", "base"},
    "store": {"domain", "base"},
    "ingest": {"domain", "refdata", "base"},
    "refdata": {"domain", "base"},
    "base": {"domain", "refdata", "store", "base"},  # config, errors, options, bootstrap: beneath everything
    "app": {"api", "web", "http", "base", "store"},  # the wiring point
}
BASE_MODULES = {"opentrade", "opentrade.config", "opentrade.errors", "opentrade.options", "opentrade.bootstrap"}
WIRING = {"opentrade.app", "opentrade.asgi"}
#: single imports allowed across the rule, each with its reason
WIRING_USERS = {
    ("opentrade.cli.main", "opentrade.app"),  # an edge module that wires the application (``opentrade serve``)
    # The market model's inputs read the shipped geography's constants and pure helpers (Shanghai's coordinates,
    # great-circle distance, working-hours overlap), which live in refdata.reference; they belong in domain/
    # (a follow-up of the market-model work, whose files this change leaves alone).
    ("opentrade.analytics.market_inputs", "opentrade.refdata.reference"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    if module in BASE_MODULES:
        return "base"
    if module in WIRING:
        return "app"
    return module.split(".")[1] if module.count(".") >= 1 else "base"


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """The opentrade modules a file imports when it runs (``from x import y`` counts as x, or x.y if a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("opentrade"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                if base.startswith("opentrade"):
                    for alias in child.names:
                        candidate = f"{base}.{alias.name}"
                        found.add(candidate if candidate in MODULES else base)
            visit(child)

    visit(tree)
    return {m for m in found if m != me}


MODULES = {module_name(p) for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
GRAPH = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts}


def test_the_scan_sees_the_package() -> None:
    assert len(GRAPH) > 80 and "opentrade.http.access" in GRAPH["opentrade.api.routes.registry"]
    assert "opentrade.services.registry" in GRAPH["opentrade.http.disclosure"]


def layer_violations(module: str, graph: dict[str, set[str]]) -> list[str]:
    mine = part_of(module)
    wrong = []
    for target in sorted(graph[module]):
        theirs = part_of(target)
        if theirs == mine or (module, target) in WIRING_USERS or target == "opentrade":
            continue
        if theirs not in ALLOWED[mine]:
            wrong.append(f"{module} ({mine}) imports {target} ({theirs})")
    return wrong


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_layer_order(module: str) -> None:
    wrong = layer_violations(module, GRAPH)
    assert not wrong, "\n".join(wrong)


def test_edges_never_import_each_other() -> None:
    crossing = [(m, t) for m, targets in GRAPH.items() for t in targets
                if part_of(m) in EDGES and part_of(t) in EDGES and part_of(m) != part_of(t)]
    assert crossing == []


def test_nothing_imports_an_edge_but_the_wiring_point() -> None:
    into_edges = [(m, t) for m, targets in GRAPH.items() for t in targets
                  if part_of(t) in EDGES and part_of(m) not in EDGES and m not in WIRING]
    assert into_edges == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return cycles


def test_no_import_cycles() -> None:
    assert find_cycles(GRAPH) == []


def test_the_checks_can_fail() -> None:
    """What the old cockpit did — web importing the API's internals, pages ↔ operations held together — and a
    domain module reaching for the store are reported."""
    graph = {"opentrade.web.pages": {"opentrade.api.deps", "opentrade.web.operations"},
             "opentrade.web.operations": {"opentrade.web.pages"}, "opentrade.api.deps": set(),
             "opentrade.domain.kpi": {"opentrade.store.db"}, "opentrade.store.db": set()}
    assert find_cycles(graph) == [["opentrade.web.operations", "opentrade.web.pages"]]
    assert layer_violations("opentrade.web.pages", graph) == ["opentrade.web.pages (web) imports opentrade.api.deps (api)"]
    assert layer_violations("opentrade.domain.kpi", graph) != []
