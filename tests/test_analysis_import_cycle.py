"""No import cycle runs through ``migrator.analysis``: every import a module executes (at module
level or inside a function, which once hid ``analysis.python`` <-> ``analysis.dags``) is
followed; only imports under ``if TYPE_CHECKING:`` (annotations) are left out. ``ModuleFacts``
builds on ``ParsedModule`` and the DAG records of ``analysis.facts``, which import neither."""

from __future__ import annotations

import ast

from import_graph import cycle_through, import_graph, load_time_imports

from migrator.analysis import dags, facts, python


def test_no_analysis_module_is_part_of_an_import_cycle() -> None:
    graph = import_graph(function_bodies=True)
    cycles = {name: cycle for name in sorted(graph) if name.startswith("migrator.analysis.")
              if (cycle := cycle_through(name, graph))}
    assert cycles == {}


def test_the_graph_sees_a_function_local_import() -> None:
    """The check above would pass vacuously if function bodies were not read."""
    tree = ast.parse("def f():\n    from a import b\nif TYPE_CHECKING:\n    import c\n")
    found = load_time_imports(tree, function_bodies=True)
    assert [node.module for node in found if isinstance(node, ast.ImportFrom)] == ["a"]
    assert "migrator.analysis.dags" in import_graph(function_bodies=True)["migrator.analysis.python"]


def test_dags_and_the_records_need_no_module_facts() -> None:
    graph = import_graph(function_bodies=True)
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
