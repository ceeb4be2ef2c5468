"""The layout's rules, read from the source: no import cycles, dependencies
pointing one way (plugin -> library, CLI -> library), the plugin using only
public names."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hret", "pytest_hret")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


MODULES = source_modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path, top_level_only: bool) -> Iterator[tuple[str, str, int]]:
    """(module, imported name or "", line) of every import in ``path``;
    ``top_level_only``: those that run when the module is imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]

    def visit(nodes: list[ast.stmt]) -> Iterator[tuple[str, str, int]]:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield alias.name, "", node.lineno
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                for alias in node.names:
                    yield base, alias.name, node.lineno
            elif isinstance(node, ast.If) and _is_type_checking(node):
                continue
            elif top_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        yield from visit([c for c in children if isinstance(c, ast.stmt)] + [
                            s for h in children if isinstance(h, ast.ExceptHandler) for s in h.body])

    yield from visit(tree.body)


def graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, at import time or later (a
    deferred import that points back is a cycle all the same)."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, imported, _ in imports(path, top_level_only=False):
            target = f"{module}.{imported}" if f"{module}.{imported}" in MODULES else module
            if target in MODULES and target != name:
                edges[name].add(target)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycles() -> None:
    assert find_cycle(graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("hret")))
def test_the_library_never_imports_the_plugin_pytest_or_the_cli(name: str) -> None:
    forbidden = ("pytest_hret", "pytest", "_pytest")
    for module, _, line in imports(MODULES[name], top_level_only=False):
        assert module.split(".")[0] not in forbidden, f"{name}:{line} imports {module}"
        if not name.startswith("hret.cli"):
            assert not (module == "hret.cli" or module.startswith("hret.cli.")), \
                f"{name}:{line} imports the CLI ({module})"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("pytest_hret")))
def test_the_plugin_imports_only_public_names_of_hret(name: str) -> None:
    for module, imported, line in imports(MODULES[name], top_level_only=False):
        if module.split(".")[0] == "hret":
            private = [part for part in [*module.split("."), imported] if part.startswith("_")]
            assert not private, f"{name}:{line} imports {module} {imported}"


def test_the_context_stays_thin() -> None:
    """The run's lifecycle, sinks and saving; evaluation lives in hret.evaluation."""
    import inspect

    from hret.context import EvaluationContext

    lines, _ = inspect.getsourcelines(EvaluationContext)
    assert len(lines) < 150
