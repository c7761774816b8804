"""The layering rules of ARCHITECTURE.md, checked on the installed package's sources.

- no import cycles among nnla's modules;
- no nnla import inside a function (a lazy import hides a cycle), except in the ``nnla`` command;
- no underscore name imported from another subpackage or module, except the shared internal
  modules ``_validate``, ``_native``, ``_threads`` and ``_dask``, whose names have no underscore
  either;
  ``_core`` is reached only through ``nnla._native``;
- no private attribute of another nnla module read through a module alias (``mod._name``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import nnla
import pytest

ROOT = Path(nnla.__file__).resolve().parent
SHARED = {
    "nnla._validate",
    "nnla._native",
    "nnla._blas",
    "nnla._threads",
    "nnla._dask",
    "nnla.errors",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}
TREES = {m: ast.parse(p.read_text(encoding="utf-8")) for m, p in MODULES.items()}


def _unit(module: str) -> str:
    """The subpackage or top-level module a module belongs to (``nnla.relu``, ``nnla.cli``)."""
    return ".".join(module.split(".")[:2])


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_pkg = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_pkg else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, str, ast.AST]]:
    """(target module, imported name or '', node) for each nnla import of ``module``."""
    out = []
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target == "nnla" or target.startswith("nnla."):
                out.extend((target, a.name, node) for a in node.names)
        elif isinstance(node, ast.Import):
            out.extend((a.name, "", node) for a in node.names if a.name.split(".")[0] == "nnla")
    return out


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for m in MODULES:
        for target, name, _ in _imports(m):
            full = f"{target}.{name}"
            dest = full if full in MODULES else target
            if dest in MODULES and dest != m and not m.startswith(dest + "."):
                graph[m].add(dest)
    return graph


def test_no_import_cycles() -> None:
    graph = _edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_no_imports_inside_functions() -> None:
    found = []
    for m, tree in TREES.items():
        if m == "nnla.cli":  # the command imports what a subcommand needs when it runs
            continue
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                        n is node for _, _, n in _imports(m)
                    ):
                        found.append(f"{m}.{fn.name}")
    assert not found, f"nnla imports inside functions: {found}"


def test_no_private_names_across_units() -> None:
    found = []
    for m in MODULES:
        for target, name, _ in _imports(m):
            if _unit(target) == _unit(m):
                continue
            full = f"{target}.{name}" if name else target
            if name == "_core" and (target == "nnla._native" or m == "nnla._native"):
                continue  # the extension module, loaded by _native and reached through it
            private_module = any(
                part.startswith("_") for part in full.split(".")[1:] if not part.startswith("__")
            )
            if private_module and (target if full not in MODULES else full) not in SHARED:
                found.append(f"{m}: {full}")
            elif (
                name.startswith("_")
                and not name.startswith("__")
                and name != "_core"
                and full not in SHARED
            ):
                found.append(f"{m}: {full}")
    assert not found, f"private names imported across subpackages: {found}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_attributes_of_other_modules(module: str) -> None:
    aliases = {}
    for target, name, node in _imports(module):
        full = f"{target}.{name}" if name else target
        if full in MODULES or full == "nnla._native._core":
            alias = next(a.asname or a.name for a in node.names if a.name == (name or target))
            aliases[alias.split(".")[0]] = full
    found = []
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            full = aliases.get(node.value.id)
            if full is None or full == "nnla._native._core" or _unit(full) == _unit(module):
                continue
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                found.append(f"{node.value.id}.{node.attr}")
    assert not found, f"{module} reads private names of other modules: {found}"
