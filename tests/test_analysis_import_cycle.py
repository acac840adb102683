"""No import cycle runs through ``migrator.analysis``: every import a module executes (at module
level or inside a function, which once hid ``analysis.python`` <-> ``analysis.dags``) is
followed; only imports under ``if TYPE_CHECKING:`` (annotations) are left out. ``ModuleFacts``
builds on ``ParsedModule`` and the DAG records of ``analysis.facts``, which import neither."""

from __future__ import annotations

import ast
from pathlib import Path

import migrator
from migrator.analysis import dags, facts, python

SOURCE = Path(migrator.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _executed_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if _is_type_checking_block(node):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _import_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in SOURCE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _executed_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
                continue
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            targets |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base for alias in node.names}
        graph[name] = {target for target in targets if target in paths and target != name}
    return graph


def _cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
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


def test_no_analysis_module_is_part_of_an_import_cycle() -> None:
    graph = _import_graph()
    cycles = {name: cycle for name in sorted(graph) if name.startswith("migrator.analysis.")
              if (cycle := _cycle_through(name, graph))}
    assert cycles == {}


def test_the_graph_sees_a_function_local_import() -> None:
    """The check above would pass vacuously if function bodies were not read."""
    tree = ast.parse("def f():\n    from a import b\nif TYPE_CHECKING:\n    import c\n")
    assert [node.module for node in _executed_imports(tree) if isinstance(node, ast.ImportFrom)] == ["a"]
    assert "migrator.analysis.dags" in _import_graph()["migrator.analysis.python"]


def test_dags_and_the_records_need_no_module_facts() -> None:
    graph = _import_graph()
    assert python.__name__ not in graph[dags.__name__]
    assert graph[facts.__name__] == set()


def test_module_facts_structure_has_the_dags_types() -> None:
    source = "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n" \
             "with DAG('etl') as dag:\n    BashOperator(task_id='run', bash_command='true')\n"
    module = python.ModuleFacts.from_bytes("dags/etl.py", source.encode(), "etl")
    assert [type(d) for d in module.dags] == [dags.DagDef] and module.dags[0].dag_id == "etl"
    assert [(type(t), t.task_id) for t in module.tasks] == [(dags.TaskDef, "run")]
    assert {type(a) for a in module.arguments} == {dags.ArgumentSite}
    assert module.dags is module.dags  # computed once
