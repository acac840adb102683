"""No import cycle in ``migrator``: the imports a module executes when it is loaded (module
level, including ``try``/``if`` blocks, but not function bodies nor ``if TYPE_CHECKING:``) form
no loop anywhere in the package; nor do they with the imports in function bodies added, and the
rule modules the registry (``migrator.rules.all_rules``) imports, so no cycle hides in a
function-local import or behind the registry's walk."""

from __future__ import annotations

import ast

from import_graph import cycle_through, import_graph, load_time_imports


def test_no_module_of_the_package_is_part_of_a_load_time_import_cycle() -> None:
    graph = import_graph()
    cycles = {name: cycle for name in sorted(graph) if (cycle := cycle_through(name, graph))}
    assert cycles == {}


def test_the_graph_leaves_out_function_bodies_and_type_checking() -> None:
    tree = ast.parse("import a\ndef f():\n    from b import c\nif TYPE_CHECKING:\n    import d\n")
    assert [alias.name for node in load_time_imports(tree) for alias in node.names] == ["a"]
    graph = import_graph()
    assert "migrator.compat" in graph["migrator.analysis.config"]
    assert "migrator.compat.mwaa" in graph and "migrator.codemods" in graph


def test_no_cycle_hides_in_a_function_local_import_or_the_rule_registry() -> None:
    """Imports kept in functions are there to load a heavy library late (LibCST, boto3, the
    verify run on ``scan --verify``), not to dodge a loop: counted, they close none."""
    graph = import_graph(function_bodies=True)
    cycles = {name: cycle for name in sorted(graph) if (cycle := cycle_through(name, graph))}
    assert cycles == {}


def test_the_strict_graph_sees_function_bodies_and_the_registry() -> None:
    tree = ast.parse("import a\ndef f():\n    from b import c\nif TYPE_CHECKING:\n    import d\n")
    found = load_time_imports(tree, function_bodies=True)
    assert sorted(getattr(node, "module", None) or node.names[0].name for node in found) == ["a", "b"]
    graph = import_graph(function_bodies=True)
    assert "migrator.rules.mig.verify_results_unusable" in graph["migrator.rules"]
    assert "migrator.rules.mig._helpers" not in graph["migrator.rules"]
    # MIG1xx rules read verify results; were migrator.verify to import the rules back (it once
    # ran them, now migrator.verify_scan does), the registry would close a loop.
    looped = import_graph({"migrator.verify.scan_results": "\nfrom migrator.rules import all_rules\n"}, True)
    assert cycle_through("migrator.verify.scan_results", looped) is not None


def test_importing_a_submodule_runs_its_package_first() -> None:
    """dag_count imports ``migrator.sizing.facts`` at its top, which runs sizing's __init__
    first: were that __init__ to re-export the report again (report imports dag_count), the
    import would close a loop."""
    graph = import_graph({"migrator.sizing": "\nfrom migrator.sizing.report import size_project\n"})
    assert "migrator.sizing" in graph["migrator.dag_count"]
    assert cycle_through("migrator.dag_count", graph) is not None
    assert cycle_through("migrator.dag_count", import_graph()) is None
