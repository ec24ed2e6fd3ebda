"""The package's import graph: no cycles, and the behaviour check independent of what it checks.

The graph is read with `ast` from the source (no import runs): every `import` statement counts, at module
level, inside functions (the lazy imports that keep start-up fast) and under `TYPE_CHECKING`, since each is
a dependency a reader must follow. `from a.b import c` is an edge to module `a.b.c` when that module exists,
otherwise to `a.b` (the convention of import-linter's graph builder, grimp).

`verify/` proves the conversion by routing probes through independent models of ingress-nginx and Istio;
the proof holds only while it shares none of the translator's assumptions, so it must not import the
translator, the annotation families or the emitter, directly or through another module.

The other rules (RULES) keep each layer to its job: the stage list lives in `pipeline.migrate`, so the
core translation does not call into the annotation families; the families fill the model and never
import the emitter. The library never imports the command line (`cli/`): only the entry points do
(`__main__`, and `completion`, the path installed completion launchers import).

A test of the graph rather than an import-linter contract: the two rules need a page of `ast`, no new test
dependency and no second configuration file, and the failure message shows the offending import chain.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = "kubectl_meshify"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# verify/ may not import these (a module or anything under a package).
VERIFY_FORBIDDEN = (
    f"{PACKAGE}.translate",
    f"{PACKAGE}.annotations",
    f"{PACKAGE}.emit",
)


# (importer, what it may not reach directly or through another module, why)
RULES = [
    (
        f"{PACKAGE}.translate",
        (f"{PACKAGE}.annotations", f"{PACKAGE}.pipeline"),
        "the stage list is pipeline.migrate; core translation does not call into the families",
    ),
    (
        f"{PACKAGE}.annotations",
        (f"{PACKAGE}.emit", f"{PACKAGE}.pipeline"),
        "families fill the model; the emitter alone turns it into manifests (generated.py for metadata)",
    ),
]


def module_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """module → the package modules it imports."""
    names = module_names()
    graph: dict[str, set[str]] = {name: set() for name in names}
    for module, path in names.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, path.name == "__init__.py", node)
                targets = [
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in names else source
                    for alias in node.names
                ]
            for target in targets:
                # `import a.b.c` names module a.b.c; keep the longest prefix that is one of ours
                while target and target not in names:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(found)


def cycle_path(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete cycle through the component's first module, for the failure message."""
    members = set(component)
    start = component[0]
    paths: dict[str, list[str]] = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & members):
            if target == start:
                return paths[node] + [start]
            if target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    return component


def _is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_graph_sees_the_package() -> None:
    """The reader finds the imports we know are there (a reader that saw nothing would pass every rule)."""
    graph = import_graph()
    assert f"{PACKAGE}.pipeline" in graph[f"{PACKAGE}.cli.file"]  # a lazy import inside a function
    assert f"{PACKAGE}.verify.compare" in graph[f"{PACKAGE}.verify.attach"]
    assert f"{PACKAGE}.annotations.ingress_nginx.canary" in graph[f"{PACKAGE}.annotations"]
    assert len(graph) > 50


def test_cycles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycle_path(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = [" -> ".join(cycle_path(graph, component)) for component in cycles(graph)]
    assert found == [], "import cycles:\n" + "\n".join(found)


def reach(graph: dict[str, set[str]], start: str) -> dict[str, list[str]]:
    """Every module `start` imports directly or through others → one import chain to it."""
    chains = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node]):
            if target not in chains:
                chains[target] = chains[node] + [target]
                queue.append(target)
    return chains


def test_verify_is_independent_of_the_translator() -> None:
    """Directly or through another module (verify/ importing the pipeline would reach the translator)."""
    graph = import_graph()
    bad = sorted(
        " -> ".join(chain)
        for module in graph
        if _is_under(module, f"{PACKAGE}.verify")
        for target, chain in reach(graph, module).items()
        if any(_is_under(target, forbidden) for forbidden in VERIFY_FORBIDDEN)
    )
    assert bad == []


def test_the_independence_check_would_catch_an_indirect_import() -> None:
    graph = {
        f"{PACKAGE}.verify.x": {f"{PACKAGE}.pipeline"},
        f"{PACKAGE}.pipeline": {f"{PACKAGE}.translate"},
        f"{PACKAGE}.translate": set(),
    }
    chain = reach(graph, f"{PACKAGE}.verify.x")[f"{PACKAGE}.translate"]
    assert chain == [f"{PACKAGE}.verify.x", f"{PACKAGE}.pipeline", f"{PACKAGE}.translate"]


def _reached(graph: dict[str, set[str]], importer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        " -> ".join(chain)
        for module in graph
        if _is_under(module, importer)
        for target, chain in reach(graph, module).items()
        if any(_is_under(target, f) for f in forbidden) and not _is_under(target, importer)
    )


@pytest.mark.parametrize(("importer", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_layer_rules(importer: str, forbidden: tuple[str, ...], why: str) -> None:
    graph = import_graph()
    assert importer in graph, f"{importer} is gone: update RULES"
    assert _reached(graph, importer, forbidden) == [], why


def test_the_rules_would_catch_a_violation() -> None:
    graph = {
        f"{PACKAGE}.translate": {f"{PACKAGE}.gateways"},
        f"{PACKAGE}.gateways": {f"{PACKAGE}.annotations.x"},
        f"{PACKAGE}.annotations.x": set(),
    }
    assert _reached(graph, f"{PACKAGE}.translate", (f"{PACKAGE}.annotations",)) == [
        f"{PACKAGE}.translate -> {PACKAGE}.gateways -> {PACKAGE}.annotations.x"
    ]


# Modules outside cli/ that may import it: the entry points.
CLI_ENTRY_POINTS = {f"{PACKAGE}.__main__", f"{PACKAGE}.completion"}


def test_the_library_never_imports_the_cli() -> None:
    graph = import_graph()
    library = [m for m in graph if not _is_under(m, f"{PACKAGE}.cli") and m not in CLI_ENTRY_POINTS]
    bad = sorted(
        " -> ".join(chain)
        for module in library
        for target, chain in reach(graph, module).items()
        if _is_under(target, f"{PACKAGE}.cli")
    )
    assert bad == []


def test_smoke_is_independent_of_the_translator() -> None:
    """The smoke test judges a live gateway against the behaviour check's Istio model: the same independence."""
    graph = import_graph()
    assert any(_is_under(m, f"{PACKAGE}.smoke") for m in graph)
    bad = sorted(
        " -> ".join(chain)
        for module in graph
        if _is_under(module, f"{PACKAGE}.smoke")
        for target, chain in reach(graph, module).items()
        if any(_is_under(target, forbidden) for forbidden in VERIFY_FORBIDDEN)
    )
    assert bad == []
