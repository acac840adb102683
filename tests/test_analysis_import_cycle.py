"""``analysis.python`` computes a module's DAGs and tasks with ``analysis.dags``, which names
``ModuleFacts`` only in annotations. These checks keep the cycle that once hid in
function-local imports from coming back unseen."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migrator.analysis import dags, python

MODULES = {python.__name__: Path(python.__file__), dags.__name__: Path(dags.__file__)}


def _imported_modules(node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.ImportFrom):
        return {node.module or ""}
    return {alias.name for alias in node.names}


def _function_local_imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found |= _imported_modules(node)
    return found


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


@pytest.mark.parametrize(("importer", "imported"), [(python.__name__, dags.__name__),
                                                    (dags.__name__, python.__name__)])
def test_neither_module_imports_the_other_inside_a_function(importer: str, imported: str) -> None:
    tree = ast.parse(MODULES[importer].read_text(encoding="utf-8"))
    assert imported not in _function_local_imports(tree)


def test_dags_names_module_facts_only_for_type_checking() -> None:
    """A run-time import of ``analysis.python`` from ``analysis.dags`` would close the cycle."""
    tree = ast.parse(MODULES[dags.__name__].read_text(encoding="utf-8"))
    runtime_imports: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            runtime_imports |= _imported_modules(statement)
        elif not _is_type_checking_block(statement):
            runtime_imports |= {m for node in ast.walk(statement)
                                if isinstance(node, (ast.Import, ast.ImportFrom)) for m in _imported_modules(node)}
    assert python.__name__ not in runtime_imports
    type_checking = [s for s in tree.body if _is_type_checking_block(s)]
    assert any(python.__name__ in _imported_modules(node) for block in type_checking
               for node in ast.walk(block) if isinstance(node, (ast.Import, ast.ImportFrom)))


def test_module_facts_structure_has_the_dags_types() -> None:
    source = "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n" \
             "with DAG('etl') as dag:\n    BashOperator(task_id='run', bash_command='true')\n"
    module = python.ModuleFacts.from_bytes("dags/etl.py", source.encode(), "etl")
    assert [type(d) for d in module.dags] == [dags.DagDef] and module.dags[0].dag_id == "etl"
    assert [(type(t), t.task_id) for t in module.tasks] == [(dags.TaskDef, "run")]
    assert {type(a) for a in module.arguments} == {dags.ArgumentSite}
