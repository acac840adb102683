"""SubDAGs: which ``SubDagOperator(subdag=factory(...))`` uses, and which factories, can be
rewritten into TaskGroup factories (``codemods/subdag_to_taskgroup.py`` applies it).

The pattern: a function builds ``DAG("<parent>.<child>", default_args=...)`` from its
parameters, adds tasks with ``dag=`` and returns it; a ``SubDagOperator`` inside a ``with DAG``
block calls it. The factory often lives in another module than its operators, so the index
pre-pass (``quick_subdag_factories``) looks at every module that mentions ``SubDagOperator``
and at the factories they import: a factory is rewritten only when it and every operator that
calls it can be, so no operator is left calling a factory that no longer returns a DAG.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from migrator.analysis.dags import is_dag_class
from migrator.analysis.python import ModuleFacts
from migrator.analysis.source import Problem, read_bytes
from migrator.cache import FileFacts
from migrator.observed import for_facts, holds_any


def _is_subdag_operator(qualname: str | None) -> bool:
    return bool(qualname) and qualname.startswith("airflow.") and qualname.rsplit(".", 1)[-1] == "SubDagOperator"


# SubDagOperator arguments that only served the sub-DAG run: a TaskGroup's tasks run in the
# parent's run, in their own slots (pool= usually kept SubDAGs from starving other tasks).
_SUBDAG_OPERATOR_ONLY = frozenset({"task_id", "subdag", "pool", "executor", "mode", "poke_interval",
                                   "timeout", "soft_fail", "propagate_skipped_state"})
# DAG arguments that only matter to a separately scheduled DAG: a TaskGroup runs in its parent's
# runs, so these have nothing left to do; dag_id and default_args carry over.
_SUBDAG_DAG_ONLY = frozenset({"dag_id", "default_args", "schedule_interval", "schedule", "timetable",
                              "start_date", "end_date", "catchup", "max_active_runs", "max_active_tasks",
                              "concurrency", "dagrun_timeout", "is_paused_upon_creation", "tags",
                              "description", "doc_md"})


def _id_parts(node: ast.expr | None) -> tuple[ast.expr, ast.expr] | None:
    """``(<parent>, <child>)`` of a sub-DAG id spelt ``"<parent>.<child>"`` (SubDagOperator
    requires it): ``"{}.{}".format(p, c)``, ``"%s.%s" % (p, c)``, ``f"{p}.{c}"`` or ``p + "." + c``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and isinstance(node.func.value, ast.Constant) and node.func.value.value == "{}.{}" \
            and len(node.args) == 2 and not node.keywords:
        return node.args[0], node.args[1]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and node.left.value == "%s.%s" and isinstance(node.right, ast.Tuple) and len(node.right.elts) == 2:
        return node.right.elts[0], node.right.elts[1]
    if isinstance(node, ast.JoinedStr) and len(node.values) == 3:
        first, dot, last = node.values
        if isinstance(first, ast.FormattedValue) and isinstance(last, ast.FormattedValue) \
                and isinstance(dot, ast.Constant) and dot.value == "." \
                and last.conversion == -1 and last.format_spec is None:
            return first.value, last.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.BinOp) \
            and isinstance(node.left.op, ast.Add) and isinstance(node.left.right, ast.Constant) \
            and node.left.right.value == ".":
        return node.left.left, node.right
    return None


def _child_id(node: ast.expr | None) -> ast.expr | None:
    parts = _id_parts(node)
    return parts[1] if parts else None


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    return {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}


def _dag_id(call: ast.Call) -> ast.expr | None:
    return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "dag_id"), None)


def subdag_factory_dag(module: ModuleFacts, call: ast.Call, factories: frozenset[str] = frozenset()) -> bool:
    """A sub-DAG factory's DAG, which runs inside its parent and is never scheduled on its own:
    built in a function that a ``SubDagOperator(subdag=...)`` calls (in this module, or named
    in ``factories``, the qualnames the index pre-pass found other modules calling), or with an
    id ``"<parent>.<child>"`` whose parent or child part comes from the function's parameters
    (``parent_dag_name``, ``parent_dag.dag_id``)."""
    function = module.enclosing_function(call)
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    if function in module.tree.body and (
            f"{module.module_name}.{function.name}" in factories
            or any((name := _factory_name(c)) is not None and name.id == function.name
                   for c in subdag_operator_calls(module))):
        return True
    parameters = _parameters(function)
    return any(_from_parameter(part, parameters) for part in _id_parts(_dag_id(call)) or ())


def _from_parameter(node: ast.expr, parameters: set[str]) -> bool:
    """``name`` or ``name.dag_id`` for a parameter ``name``."""
    if isinstance(node, ast.Attribute) and node.attr == "dag_id":
        node = node.value
    return isinstance(node, ast.Name) and node.id in parameters


@dataclass(frozen=True)
class SubdagRewrite:
    """How a SubDagOperator and its factory become a TaskGroup factory, or why they cannot."""

    factory: str | None = None
    group_id: str | None = None   # the factory parameter holding the child id
    variable: str | None = None   # the name the factory binds its DAG to
    reason: str | None = None     # why not, naming the construct that blocks it
    defined_in: str | None = None  # the factory's qualname when another module defines it


def _factory_rewrite(module: ModuleFacts, function: ast.FunctionDef) -> SubdagRewrite:
    name = function.name
    dags = [n for n in ast.walk(function) if isinstance(n, ast.Call) and is_dag_class(module.qualname(n.func))]
    if len(dags) != 1:
        return SubdagRewrite(reason=f"{name}() builds {len(dags)} DAGs, not one")
    (dag,) = dags
    variable = None
    for statement in function.body:
        if isinstance(statement, ast.Assign) and statement.value is dag and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name):
            variable = statement.targets[0].id
        elif isinstance(statement, ast.With) and any(i.context_expr is dag and isinstance(i.optional_vars, ast.Name)
                                                     for i in statement.items):
            variable = next(i.optional_vars.id for i in statement.items if i.context_expr is dag)
    if variable is None:
        return SubdagRewrite(reason=f"{name}() does not bind its DAG to a name in its own body")
    child = _child_id(_dag_id(dag))
    if not (isinstance(child, ast.Name) and child.id in _parameters(function)):
        return SubdagRewrite(reason=f"the dag_id in {name}() is not '<parent>.<child>' built from its parameters")
    extra = sorted({k.arg or "**" for k in dag.keywords} - _SUBDAG_DAG_ONLY) + (["positional"] if len(dag.args) > 1 else [])
    if extra:
        return SubdagRewrite(reason=f"the sub-DAG's DAG() sets {', '.join(extra)}, which a TaskGroup has no "
                                    "place for (move it to the parent DAG)")
    parents = {child: node for node in ast.walk(function) for child in ast.iter_child_nodes(node)}
    returns = [n for n in ast.walk(function) if isinstance(n, ast.Return)]
    if not returns or not all(isinstance(r.value, ast.Name) and r.value.id == variable for r in returns):
        return SubdagRewrite(reason=f"{name}() does not always return {variable}")
    for use in ast.walk(function):
        if isinstance(use, ast.Name) and use.id == variable and isinstance(use.ctx, ast.Load):
            parent = parents.get(use)
            if isinstance(parent, ast.Return) or (isinstance(parent, ast.keyword) and parent.arg == "dag"):
                continue
            return SubdagRewrite(reason=f"{name}() uses {variable} other than dag={variable} and return "
                                        f"(line {use.lineno})")
    return SubdagRewrite(name, child.id, variable)


def _dag_names(module: ModuleFacts) -> set[str]:
    """Names a module binds to a DAG at its top level (``dag = DAG(...)``, used as ``with dag:``)."""
    return {t.id for node in module.tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and is_dag_class(module.qualname(node.value.func)) for t in node.targets if isinstance(t, ast.Name)}


def _inside_dag_block(module: ModuleFacts, node: ast.AST) -> bool:
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, ast.With) and any(
                (isinstance(i.context_expr, ast.Call) and is_dag_class(module.qualname(i.context_expr.func)))
                or (isinstance(i.context_expr, ast.Name) and i.context_expr.id in _dag_names(module))
                for i in ancestor.items):
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                (module.qualname(d.func if isinstance(d, ast.Call) else d) or "").rsplit(".", 1)[-1] == "dag"
                for d in ancestor.decorator_list):
            return True
    return False


def _local_factory(module: ModuleFacts, name: str) -> ast.FunctionDef | None:
    found = [f for f in module.function_defs.get(name, ()) if f in module.tree.body]
    return found[0] if len(found) == 1 and isinstance(found[0], ast.FunctionDef) else None


def _operator_blocker(module: ModuleFacts, call: ast.Call) -> str | None:
    """Why this SubDagOperator call cannot become a call of its factory (None: it can)."""
    extra = sorted({k.arg or "**" for k in call.keywords} - _SUBDAG_OPERATOR_ONLY)
    if call.args or extra:
        return (f"the SubDagOperator passes {', '.join(extra) or 'positional arguments'}, which a "
                "TaskGroup has no place for")
    subdag = next((k.value for k in call.keywords if k.arg == "subdag"), None)
    if not (isinstance(subdag, ast.Call) and isinstance(subdag.func, ast.Name)):
        return "subdag= is not a call of a factory function"
    if not _inside_dag_block(module, call):
        return ("the SubDagOperator is not inside a `with DAG(...)` block or @dag function, where a "
                "TaskGroup finds its DAG")
    return None


def subdag_operator_calls(module: ModuleFacts) -> list[ast.Call]:
    return [t.node for t in module.tasks if isinstance(t.node, ast.Call) and _is_subdag_operator(t.operator)]


def _factory_name(call: ast.Call) -> ast.Name | None:
    subdag = next((k.value for k in call.keywords if k.arg == "subdag"), None)
    return subdag.func if isinstance(subdag, ast.Call) and isinstance(subdag.func, ast.Name) else None


def subdag_rewrites(module: ModuleFacts, elsewhere: dict[str, SubdagRewrite]) -> dict[int, SubdagRewrite]:
    """For each SubDagOperator call (by id): the rewrite, or why there is none. ``elsewhere``
    holds the verdicts on factories other modules define (the index pre-pass). Every call of a
    factory must be rewritable, or none is: a factory turned into a TaskGroup factory would
    break a SubDagOperator still calling it."""
    found: dict[int, SubdagRewrite] = {}
    by_factory: dict[str, list[int]] = {}
    for call in subdag_operator_calls(module):
        blocker = _operator_blocker(module, call)
        name = _factory_name(call)
        if blocker or name is None:
            found[id(call)] = SubdagRewrite(reason=blocker)
            continue
        function = _local_factory(module, name.id)
        if function is None:
            qualname = module.qualname(name) or name.id
            verdict = elsewhere.get(qualname)
            if verdict is None:
                verdict = SubdagRewrite(reason=f"its factory {qualname} is not a function of this project "
                                               "the rewrite can read")
            found[id(call)] = verdict if verdict.reason else SubdagRewrite(
                name.id, verdict.group_id, verdict.variable, defined_in=qualname)
            continue
        found[id(call)] = _factory_rewrite(module, function)
        if found[id(call)].factory:
            by_factory.setdefault(name.id, []).append(id(call))
    for factory, calls in by_factory.items():
        uses = [n for n in module.nodes_of(ast.Name) if n.id == factory and isinstance(n.ctx, ast.Load)]
        if len(uses) != len(calls):
            for key in calls:
                found[key] = SubdagRewrite(reason=f"{factory}() is also used outside a rewritable "
                                                  "SubDagOperator(subdag=...) in this file")
    return found


def factories_defined_here(module: ModuleFacts, elsewhere: dict[str, SubdagRewrite]) -> list[tuple[ast.Call, SubdagRewrite]]:
    """(the DAG call, rewrite) of each factory this module defines for SubDagOperators in other
    modules that the pre-pass found rewritable."""
    found = []
    for qualname, verdict in sorted(elsewhere.items()):
        module_name, _, name = qualname.rpartition(".")
        if verdict.reason or module_name != module.module_name:
            continue
        function = _local_factory(module, name)
        if function is None:
            continue
        dag = next(n for n in ast.walk(function) if isinstance(n, ast.Call) and is_dag_class(module.qualname(n.func)))
        found.append((dag, verdict))
    return found


def quick_subdag_factories(workspace, texts: Mapping[str, bytes],
                           file_facts: FileFacts | None = None) -> tuple[tuple[str, str, str, str], ...]:
    """The index pre-pass: ``(factory qualname, group_id, variable, reason)`` for every factory
    a module mentioning ``SubDagOperator`` imports from another project module (reason empty
    when the factory and all those calls can be rewritten). ``texts``: the project's Python
    files (``project_python_bytes``). What it takes of each file is a fact of the file
    (``file_facts``): a comment added to a caller or a factory's module changes none."""
    file_facts = file_facts or FileFacts()
    by_module = {workspace.module_name(rel): rel for rel in workspace.python_files}
    callers: dict[str, list[str | None]] = {}
    for rel in workspace.python_files:
        if rel not in texts or not holds_any(texts, rel, (b"SubDagOperator",)):
            continue
        name = workspace.module_name(rel)
        calls = file_facts.of("subdag_factory_calls", rel, for_facts(texts)[rel],
                              partial(_imported_factory_calls, rel, name), (name,))
        for qualname, blocked in calls:
            if qualname.rpartition(".")[0] in by_module:
                callers.setdefault(qualname, []).append(blocked and rel)
    verdicts = []
    for qualname, blocked in sorted(callers.items()):
        module_name, _, name = qualname.rpartition(".")
        rel = by_module[module_name]
        data = read_bytes(workspace.path(rel), for_facts=True)
        found, used, rewrite = (False, False, None) if isinstance(data, Problem) else file_facts.of(
            "subdag_factory", rel, data, partial(_factory_in_module, rel, module_name, name), (module_name, name))
        if not found:
            verdict = SubdagRewrite(reason=f"{qualname} is not a top-level function of {rel}")
        elif any(blocked):
            verdict = SubdagRewrite(reason=f"a SubDagOperator calling {name}() in {min(filter(None, blocked))} "
                                           "cannot be rewritten")
        elif used:
            verdict = SubdagRewrite(reason=f"{name}() is also used in {rel}")
        else:
            verdict = rewrite
        verdicts.append((qualname, verdict.group_id or "", verdict.variable or "", verdict.reason or ""))
    return tuple(verdicts)


def _imported_factory_calls(rel: str, module_name: str, data: bytes) -> tuple[tuple[str, bool], ...]:
    """``(factory qualname, whether the call cannot be rewritten)`` of each SubDagOperator of
    the module whose factory it imports (the pre-pass's look at a caller)."""
    module = ModuleFacts.from_bytes(rel, data, module_name)
    if module.tree is None:
        return ()
    calls = []
    for call in subdag_operator_calls(module):
        name = _factory_name(call)
        if name is None or _local_factory(module, name.id) is not None:
            continue
        qualname = module.qualname(name)
        if qualname:
            calls.append((qualname, bool(_operator_blocker(module, call))))
    return tuple(calls)


def _factory_in_module(rel: str, module_name: str, name: str, data: bytes) -> tuple[bool, bool, SubdagRewrite | None]:
    """Whether the module defines the factory ``name`` at the top level, whether it also uses
    the name, and the rewrite of the factory (the pre-pass's look at a factory's module)."""
    module = ModuleFacts.from_bytes(rel, data, module_name)
    function = _local_factory(module, name) if module.tree is not None else None
    if function is None:
        return False, False, None
    used = any(n.id == name and isinstance(n.ctx, ast.Load) for n in module.nodes_of(ast.Name))
    return True, used, None if used else _factory_rewrite(module, function)


def index_verdicts(entries: tuple[tuple[str, str, str, str], ...]) -> dict[str, SubdagRewrite]:
    return {q: SubdagRewrite(q.rsplit(".", 1)[-1], g, v) if not r else SubdagRewrite(reason=r)
            for q, g, v, r in entries}
