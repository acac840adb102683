"""No import cycle in ``migrator``: the imports a module executes when it is loaded (module
level, including ``try``/``if`` blocks, but not function bodies nor ``if TYPE_CHECKING:``) form
no loop anywhere in the package; nor do they with the imports in function bodies added, and the
rule modules the registry (``migrator.rules.all_rules``) imports, so no cycle hides in a
function-local import or behind the registry's walk."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

# compat/ and codemods/ sit at the top of the repository and install as migrator.compat and
# migrator.codemods: each package is read from where it is installed, without importing it.
PACKAGES = ("migrator", "migrator.compat", "migrator.codemods")


def _module_paths() -> dict[str, Path]:
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


def _load_time_imports(tree: ast.Module, function_bodies: bool = False) -> list[ast.Import | ast.ImportFrom]:
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


def _import_graph(added: dict[str, str] | None = None, function_bodies: bool = False) -> dict[str, set[str]]:
    """Module -> the package modules it imports at load time; ``added``: source to append to
    a module's own, to see what an import would do; ``function_bodies``: with the imports in
    functions, and the rule registry's imports of every rule module."""
    paths = _module_paths()
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        source = path.read_text(encoding="utf-8") + (added or {}).get(name, "")
        for node in _load_time_imports(ast.parse(source), function_bodies):
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
        targets |= {ancestor for target in targets for ancestor in _ancestors(target)
                    if ancestor != name and not name.startswith(f"{ancestor}.")}
        graph[name] = {target for target in targets if target in paths and target != name}
    if function_bodies:  # all_rules() imports each rule module: migrator.rules.<family>.<rule>
        graph["migrator.rules"] |= {name for name in paths if name.count(".") == 3
                                    and name.startswith("migrator.rules.")
                                    and not name.rpartition(".")[2].startswith("_")
                                    and name.rpartition(".")[2] != "base"}
    return graph


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
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


def test_no_module_of_the_package_is_part_of_a_load_time_import_cycle() -> None:
    graph = _import_graph()
    cycles = {name: cycle for name in sorted(graph) if (cycle := _cycle_through(name, graph))}
    assert cycles == {}


def test_the_graph_leaves_out_function_bodies_and_type_checking() -> None:
    tree = ast.parse("import a\ndef f():\n    from b import c\nif TYPE_CHECKING:\n    import d\n")
    assert [alias.name for node in _load_time_imports(tree) for alias in node.names] == ["a"]
    graph = _import_graph()
    assert "migrator.compat" in graph["migrator.analysis.config"]
    assert "migrator.compat.mwaa" in graph and "migrator.codemods" in graph


def test_no_cycle_hides_in_a_function_local_import_or_the_rule_registry() -> None:
    """Imports kept in functions are there to load a heavy library late (LibCST, boto3, the
    verify run on ``scan --verify``), not to dodge a loop: counted, they close none."""
    graph = _import_graph(function_bodies=True)
    cycles = {name: cycle for name in sorted(graph) if (cycle := _cycle_through(name, graph))}
    assert cycles == {}


def test_the_strict_graph_sees_function_bodies_and_the_registry() -> None:
    tree = ast.parse("import a\ndef f():\n    from b import c\nif TYPE_CHECKING:\n    import d\n")
    found = _load_time_imports(tree, function_bodies=True)
    assert sorted(getattr(node, "module", None) or node.names[0].name for node in found) == ["a", "b"]
    graph = _import_graph(function_bodies=True)
    assert "migrator.rules.mig.verify_results_unusable" in graph["migrator.rules"]
    assert "migrator.rules.mig._helpers" not in graph["migrator.rules"]
    # MIG1xx rules read verify results; were migrator.verify to import the rules back (it once
    # ran them, now migrator.verify_scan does), the registry would close a loop.
    looped = _import_graph({"migrator.verify.scan_results": "\nfrom migrator.rules import all_rules\n"}, True)
    assert _cycle_through("migrator.verify.scan_results", looped) is not None


def test_importing_a_submodule_runs_its_package_first() -> None:
    """dag_count imports ``migrator.sizing.facts`` at its top, which runs sizing's __init__
    first: were that __init__ to re-export the report again (report imports dag_count), the
    import would close a loop."""
    graph = _import_graph({"migrator.sizing": "\nfrom migrator.sizing.report import size_project\n"})
    assert "migrator.sizing" in graph["migrator.dag_count"]
    assert _cycle_through("migrator.dag_count", graph) is not None
    assert _cycle_through("migrator.dag_count", _import_graph()) is None
