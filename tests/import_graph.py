"""The import graph of the installed packages, read from their source without importing them:
what the import-cycle tests walk."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

# compat/ and codemods/ sit at the top of the repository and install as migrator.compat and
# migrator.codemods: each package is read from where it is installed, without importing it.
PACKAGES = ("migrator", "migrator.compat", "migrator.codemods")


def module_paths() -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations
        folder = Path(next(iter(spec.submodule_search_locations)))
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join([package, *(parts[:-1] if parts[-1] == "__init__" else parts)])
            paths.setdefault(name, path)
    return paths


def load_time_imports(tree: ast.Module, function_bodies: bool = False) -> list[ast.Import | ast.ImportFrom]:
    """The imports a module runs when loaded; ``function_bodies``: those its functions run too."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        if not function_bodies and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def import_graph(added: dict[str, str] | None = None, function_bodies: bool = False) -> dict[str, set[str]]:
    """Module -> the package modules it imports at load time; ``added``: source to append to
    a module's own, to see what an import would do; ``function_bodies``: with the imports in
    functions, and the rule registry's imports of every rule module."""
    paths = module_paths()
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        source = path.read_text(encoding="utf-8") + (added or {}).get(name, "")
        for node in load_time_imports(ast.parse(source), function_bodies):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
                continue
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            targets |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base for alias in node.names}
        # Importing ``a.b.c`` first runs ``a.b``'s __init__: an edge to each package above the
        # target that the importing module is not itself inside (there it is already running).
        targets |= {ancestor for target in targets for ancestor in ancestors(target)
                    if ancestor != name and not name.startswith(f"{ancestor}.")}
        graph[name] = {target for target in targets if target in paths and target != name}
    if function_bodies:  # all_rules() imports each rule module: migrator.rules.<family>.<rule>
        graph["migrator.rules"] |= {name for name in paths if name.count(".") == 3
                                    and name.startswith("migrator.rules.")
                                    and not name.rpartition(".")[2].startswith("_")
                                    and name.rpartition(".")[2] != "base"}
    return graph


def ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    pending = [(start, [start])]
    seen: set[str] = set()
    while pending:
        name, path = pending.pop()
        for target in sorted(graph.get(name, ())):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                pending.append((target, [*path, target]))
    return None
