"""``subdag-to-taskgroup``: turn a sub-DAG factory into a TaskGroup factory and call it in place
of the ``SubDagOperator``.

Params: ``factory`` (the function the operator's ``subdag=`` calls), ``part`` (``both`` when the
factory is in the same file; ``operator`` or ``factory`` when they are in two modules, each
file's fix doing its half), ``group_id`` (its parameter holding the child id of ``"<parent>.<child>"``), ``variable`` (the
name the factory binds its DAG to) and ``task_group`` (the TaskGroup class's dotted path on the
target). The rule checked the pattern; this applies it:

- ``sub = DAG(dag_id=..., default_args=args, schedule_interval=...)`` ->
  ``sub = TaskGroup(group_id=child, default_args=args)`` (``with DAG(...) as sub:`` likewise);
- ``dag=sub`` on the factory's tasks -> ``task_group=sub``;
- ``SubDagOperator(task_id=..., subdag=factory(...), pool=...)`` -> ``factory(...)``.

Several SubDagOperators calling one factory give one rewrite of it (the staged changes are
equal). Imports the pass leaves unused (``DAG``, ``SubDagOperator``) go.

Unsafe: the task ids stay ``<child>.<task>``, but the sub-DAG's own schedule, catchup and
concurrency, and the operator's pool and retries, no longer apply: the tasks run in the parent's
runs and slots. A human reads the result.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._planner import Planner

SAFETY = FixSafety.UNSAFE
RATIONALE = "a TaskGroup runs in its parent's runs: the sub-DAG's schedule and the operator's pool go"


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def plan(edit: Edit, planner: Planner) -> None:
    fix = edit.fix
    factory, group_id, variable, task_group, part = fix.factory, fix.group_id, fix.variable, fix.task_group, fix.part
    if part != "operator":
        functions = [f for f in planner.nodes(cst.FunctionDef)
                     if f.name.value == factory and isinstance(planner.parent(f), cst.Module)]
        if len(functions) != 1:
            raise CannotFix(f"no single top-level function {factory}() in this file")
        _plan_factory(planner, functions[0], group_id, variable, task_group)
    if part == "factory":
        return
    operators = [c for c in planner.at(edit.location, cst.Call) if _keyword(c, "subdag") is not None]
    operator = planner.locate(edit.location, operators, "SubDagOperator(subdag=...) call")
    subdag = _keyword(operator, "subdag").value
    if not (isinstance(subdag, cst.Call) and isinstance(subdag.func, cst.Name) and subdag.func.value == factory):
        raise CannotFix(f"subdag= does not call {factory}()")
    # Tagged with the code that replaces it, so the pass sees SubDagOperator's import unused.
    planner.replace(operator, ("expr", planner.code(subdag)), lambda n: _keyword(n, "subdag").value)
    planner.forget_binding_of(operator.func)


def _plan_factory(planner: Planner, function: cst.FunctionDef, group_id: str, variable: str,
                  task_group: str) -> None:
    parameters = {p.name.value for p in (*function.params.posonly_params, *function.params.params,
                                         *function.params.kwonly_params)}
    if group_id not in parameters:
        raise CannotFix(f"{function.name.value}() has no parameter {group_id!r}")
    calls = [c for c in _walk(function) if isinstance(c, cst.Call) and _is_dag(planner, c)]
    if len(calls) != 1:
        raise CannotFix(f"{function.name.value}() does not build exactly one DAG")
    (dag,) = calls
    reference = planner.reference_to(task_group, dag)
    default_args = _keyword(dag, "default_args")
    arguments = f"group_id={group_id}"
    if default_args is not None:
        arguments += f", default_args={planner.code(default_args.value)}"
    code = f"{cst.Module([]).code_for_node(reference)}({arguments})"
    planner.replace(dag, ("expr", code), lambda n: cst.parse_expression(code))
    planner.forget_binding_of(dag.func)
    for node in _walk(function):
        if isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value == "dag" \
                and isinstance(node.value, cst.Name) and node.value.value == variable:
            planner.replace(node, ("keyword", "task_group"),
                            lambda n: n.with_changes(keyword=cst.Name("task_group")))


def _is_dag(planner: Planner, call: cst.Call) -> bool:
    return any(q.startswith("airflow.") and q.rsplit(".", 1)[-1] == "DAG" for q in planner.qualnames(call.func))


def _walk(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _walk(child)
