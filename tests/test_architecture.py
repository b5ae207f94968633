"""The house's wings and the one direction of their arrows, read from the code's own imports.

Every import in src/ and harness/ counts, at module level or inside a function (a lazy import is
still a dependency). The service (handlers, policies, orgwarden.model, .engine, .aws) imports
nothing from the auditor's wing or the harness; within the service, arrows run handlers ->
engine -> policies, aws -> model; the harness may import everything. There is no import cycle
between the modules of src/.
"""

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREES = (ROOT / "src", ROOT / "harness")

# wing -> the wings it may import (itself always).
ALLOWED = {
    "model": set(),
    "policies": {"model"},
    "aws": {"model"},
    "engine": {"policies", "aws", "model"},
    "handlers": {"engine"},
    "audit": {"engine", "policies", "aws", "model"},
    "harness": {"audit", "engine", "policies", "aws", "model", "handlers"},
}
SERVICE = ("handlers", "policies", "model", "engine", "aws")


def wing(module: str) -> str | None:
    """The wing a module of ours belongs to; None for a third-party or standard module."""
    top, _, rest = module.partition(".")
    if top in ("handlers", "policies"):
        return top
    if top == "orgwarden_harness":
        return "harness"
    if top == "orgwarden":
        sub = rest.partition(".")[0]
        return sub if sub in ("model", "engine", "aws", "audit") else "orgwarden"
    return None


def module_name(path: Path) -> str:
    tree = next(t for t in TREES if t in path.parents)
    parts = list(path.relative_to(tree).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> Iterator[Path]:
    for tree in TREES:
        yield from sorted(tree.rglob("*.py"))


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in the file, resolved to the module it names."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:
                # `from orgwarden.engine import dead_letters` names the module dead_letters.
                yield node.lineno, f"{base}.{alias.name}"


def ours(candidate: str, known: set[str]) -> str | None:
    """The module of ours an import names (the longest known prefix), if any."""
    while candidate:
        if candidate in known:
            return candidate
        candidate = candidate.rpartition(".")[0]
    return None


def graph() -> dict[str, set[tuple[int, str]]]:
    paths = {module_name(p): p for p in sources()}
    known = set(paths)
    edges: dict[str, set[tuple[int, str]]] = {}
    for name, path in paths.items():
        found = edges.setdefault(name, set())
        for line, target in imports(path):
            resolved = ours(target, known)
            if resolved and resolved != name:
                found.add((line, resolved))
    return edges


def test_every_module_belongs_to_a_wing() -> None:
    loose = [m for m in graph() if wing(m) in (None, "orgwarden") and m != "orgwarden"]
    assert loose == [], f"modules outside the wings: {loose}"


def test_imports_run_one_way_between_the_wings() -> None:
    wrong = []
    for module, targets in graph().items():
        here = wing(module)
        for line, target in sorted(targets):
            there = wing(target)
            if here and there and there != here and there not in ALLOWED.get(here, set()):
                wrong.append(f"{module}:{line} ({here}) imports {target} ({there})")
    assert wrong == [], "\n".join(wrong)


def cycles(edges: dict[str, set[tuple[int, str]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for _, nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    # A package's __init__ re-exporting its own modules is not a cycle of the design: the edge
    # from a module to its own package's __init__ is left out.
    edges = {
        module: {(line, t) for line, t in targets if not module.startswith(f"{t}.")}
        for module, targets in graph().items()
    }
    assert cycles(edges) == []


def test_the_checker_sees_a_wrong_direction_and_a_cycle() -> None:
    # The checks above must be able to fail: a made-up graph with an engine -> audit import and
    # a two-module circle.
    edges = {
        "orgwarden.engine.x": {(1, "orgwarden.audit.y")},
        "orgwarden.audit.y": {(2, "orgwarden.engine.x")},
    }
    assert cycles(edges) == [["orgwarden.audit.y", "orgwarden.engine.x"]]
    assert "audit" not in ALLOWED[wing("orgwarden.engine.x") or ""]


SERVICE_IMPORT = """
import importlib, pkgutil, sys
import handlers, policies, orgwarden.model, orgwarden.engine, orgwarden.aws
for package in (handlers, policies, orgwarden.model, orgwarden.engine, orgwarden.aws):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


@pytest.fixture(scope="module")
def service_imports() -> set[str]:
    """The top-level packages loaded by importing every module of the service, in a fresh
    interpreter that sees only src/ (the harness is not on its path)."""
    done = subprocess.run(
        [sys.executable, "-c", SERVICE_IMPORT],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "AWS_DEFAULT_REGION": "us-east-1", "PATH": ""},
    )
    return set(done.stdout.split())


@pytest.mark.parametrize("forbidden", ["moto", "jinja2", "plotly", "rich", "orgwarden_harness"])
def test_the_service_wing_imports_no_harness_or_report_library(
    service_imports: set[str], forbidden: str
) -> None:
    assert {"orgwarden", "handlers", "policies", "boto3"} <= service_imports
    assert forbidden not in service_imports
