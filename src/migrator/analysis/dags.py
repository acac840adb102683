"""DAGs and tasks defined by a module: who builds them, with which arguments, how many.

Recognition is structural (a callable under ``airflow.`` named ``DAG``; a class name ending in
``Operator``/``Sensor``; ``@dag``/``@task`` decorators), so it works for every Airflow version's
import paths and for custom operators in the project.
"""

from __future__ import annotations

import ast

from migrator.analysis.facts import (
    ArgumentSite,
    DagDef,
    ImportedDags,
    TaskDef,
    call_kwargs,
    const_str,
    decorator_target,
    is_dag_class,
    is_dag_decorator,
    is_task_class,
    task_decorator_kind,
)
from migrator.analysis.literals import UNKNOWN
from migrator.analysis.parsed_module import ParsedModule
from migrator.analysis.strings import static_string

# The records and name tests live in analysis/facts.py; importers of this module keep them here.
__all__ = [
    "ArgumentSite", "DagDef", "ImportedDags", "TaskDef", "argument_sites", "call_kwargs", "const_str",
    "dags_of", "default_args_dicts", "find_dags", "find_tasks", "imported_dags", "is_dag_class",
    "is_task_class", "spread_dict", "task_callables", "tasks_of",
]

def _decorator_qualname(module: ParsedModule, decorator: ast.expr) -> str | None:
    return module.qualname(decorator_target(decorator))


def _in_loop_or_factory(module: ParsedModule, node: ast.AST) -> bool:
    return any(isinstance(a, (ast.For, ast.AsyncFor, ast.While, ast.comprehension, ast.ListComp,
                              ast.FunctionDef, ast.AsyncFunctionDef))
               for a in module.ancestors(node))


def _static_id(module: ParsedModule, node: ast.expr | None) -> str | None:
    """A DAG id known without running the code: a literal, or built only from literals and
    module-level constants (``f"{PROJECT}.{WORKFLOW}"``)."""
    if (literal := const_str(node)) is not None:
        return literal
    concatenation = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
    if not (concatenation or isinstance(node, (ast.JoinedStr, ast.Name))):
        return None  # "etl_%s" % x keeps only its format string
    value = static_string(module, node)
    return value.text if value is not None and value.text and UNKNOWN not in value.text else None


def find_dags(module: ParsedModule) -> list[DagDef]:
    if module.tree is None:
        return []
    dags: list[DagDef] = []
    for call, qualname in module.calls:
        if is_dag_class(qualname):
            kwargs = call_kwargs(call)
            dag_id = _static_id(module, call.args[0] if call.args else kwargs.get("dag_id"))
            dags.append(DagDef(call, dag_id, kwargs, False, _in_loop_or_factory(module, call)))
    for node in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if is_dag_decorator(_decorator_qualname(module, decorator)):
                    kwargs = call_kwargs(decorator) if isinstance(decorator, ast.Call) else {}
                    given = decorator.args[0] if isinstance(decorator, ast.Call) and decorator.args \
                        else kwargs.get("dag_id")  # @dag("etl_daily", ...) names the DAG too
                    dag_id = _static_id(module, given) or node.name
                    dags.append(DagDef(node, dag_id, kwargs, True, _in_loop_or_factory(module, node)))
    return dags


def dags_of(module: ParsedModule) -> list[DagDef]:
    """``find_dags(module)``, computed once per module."""
    return module.memo(find_dags, find_dags)


def tasks_of(module: ParsedModule) -> list[TaskDef]:
    """``find_tasks(module)``, computed once per module."""
    return module.memo(find_tasks, find_tasks)


def find_tasks(module: ParsedModule) -> list[TaskDef]:
    if module.tree is None:
        return []
    tasks: list[TaskDef] = []
    for call, qualname in module.calls:
        if is_task_class(qualname):
            kwargs = call_kwargs(call)
            tasks.append(TaskDef(call, qualname, const_str(kwargs.get("task_id")), kwargs))
    for node in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                kind = task_decorator_kind(_decorator_qualname(module, decorator))
                if kind:
                    kwargs = call_kwargs(decorator) if isinstance(decorator, ast.Call) else {}
                    tasks.append(TaskDef(node, kind, const_str(kwargs.get("task_id")) or node.name, kwargs))
    return tasks


def task_callables(module: ParsedModule) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions whose body runs as a task and receives the template context: ``@task``
    functions and local functions passed as ``python_callable=`` (or another ``*_callable``)."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for task in tasks_of(module):
        if isinstance(task.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(task.node)
            continue
        for name, value in task.kwargs.items():
            if name.endswith("_callable") and isinstance(value, ast.Name):
                found.extend(module.function_defs.get(value.id, ()))
    unique: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for function in found:
        if function not in unique:
            unique.append(function)
    return unique


def _dict_entries(node: ast.AST) -> list[tuple[str, ast.AST, ast.expr]]:
    """(key, key node, value) of a dict literal or a ``dict(a=...)`` call with string keys."""
    if isinstance(node, ast.Dict):
        return [(k.value, k, v) for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        entries = [(kw.arg, kw, kw.value) for kw in node.keywords if kw.arg]
        for arg in node.args:
            entries += _dict_entries(arg)
        return entries
    return []


def default_args_dicts(module: ParsedModule) -> list[ast.Dict | ast.Call]:
    """The dicts a module passes as ``default_args``: inline, or through a variable assigned a
    dict literal (anywhere in the module, so factory functions count)."""
    if module.tree is None:
        return []
    found: list[ast.Dict | ast.Call] = []
    assigned: dict[str, list[ast.expr]] = {}
    for node in module.nodes_of(ast.Assign):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    names: set[str] = set()
    for call, _ in module.calls:
        for keyword in call.keywords:
            if keyword.arg == "default_args":
                if isinstance(keyword.value, ast.Name):
                    names.add(keyword.value.id)
                elif _dict_entries(keyword.value) or isinstance(keyword.value, ast.Dict):
                    found.append(keyword.value)
    # A module of shared defaults never passes them itself; the name says what they are.
    names.update(n for n in assigned if n.lower().endswith("default_args"))
    for name in sorted(names):
        for value in assigned.get(name, ()):
            is_dict = isinstance(value, ast.Dict) or (isinstance(value, ast.Call) and _dict_entries(value))
            if is_dict and value not in found:
                found.append(value)
    return found


def spread_dict(module: ParsedModule, value: ast.expr) -> ast.Dict | ast.Call | None:
    """The dict literal (or ``dict(...)`` call) a ``**name`` given to a DAG visibly holds: the
    name is bound once in the module, by a plain assignment of that dict, and used nowhere but
    as ``**name`` in DAG calls (or ``@dag(...)``). Anything else (rebound, mutated, read, passed
    elsewhere, built by a function) is None: its keys are not the DAG's for certain."""
    if not isinstance(value, ast.Name) or module.tree is None:
        return None
    name = value.id
    stores: list[ast.Name] = []
    for node in module.nodes_of(ast.Name):
        if node.id != name:
            continue
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            stores.append(node)
            continue
        parent = module.parents.get(node)
        call = module.parents.get(parent) if isinstance(parent, ast.keyword) and parent.arg is None else None
        if not isinstance(call, ast.Call):
            return None
        qualname = module.qualname(call.func)
        if not (is_dag_class(qualname) or is_dag_decorator(qualname)):
            return None
    other_bindings = any(
        (isinstance(n, ast.arg) and n.arg == name)
        or (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == name)
        or (isinstance(n, ast.alias) and (n.asname or n.name.split(".")[0]) == name)
        or (isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names)
        for n in module.nodes_of(ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.alias,
                                 ast.Global, ast.Nonlocal))
    if len(stores) != 1 or other_bindings:
        return None
    assignment = module.parents.get(stores[0])
    if not (isinstance(assignment, ast.Assign) and assignment.targets == [stores[0]]) and not (
            isinstance(assignment, ast.AnnAssign) and assignment.target is stores[0] and assignment.value):
        return None
    mapping = assignment.value
    if isinstance(mapping, ast.Dict):
        return mapping
    if isinstance(mapping, ast.Call) and isinstance(mapping.func, ast.Name) and mapping.func.id == "dict" \
            and "dict" not in module.bindings and not any(
                isinstance(n, ast.Name) and n.id == "dict" and isinstance(n.ctx, ast.Store)
                for n in module.nodes_of(ast.Name)):
        return mapping
    return None


def argument_sites(module: ParsedModule) -> list[ArgumentSite]:
    """Every keyword given to a DAG (call or ``@dag``) or a task, every key of a dict a DAG
    visibly gets as ``**name`` (``spread_dict``), and every ``default_args`` key."""
    sites: list[ArgumentSite] = []
    spread: list[ast.AST] = []
    for dag in dags_of(module):
        call = dag.node
        if dag.via_decorator:
            call = next((d for d in dag.node.decorator_list if isinstance(d, ast.Call)
                         and is_dag_decorator(_decorator_qualname(module, d))), None)
            if call is None:
                continue
        qualname = module.qualname(call.func)
        sites += [ArgumentSite(kw.arg, kw, kw.value, "dag", call, qualname) for kw in call.keywords if kw.arg]
        for keyword in call.keywords:
            mapping = spread_dict(module, keyword.value) if keyword.arg is None else None
            if mapping is not None:
                spread.append(mapping)
                sites += [ArgumentSite(key, node, value, "dag", call, qualname, spread=keyword.value.id)
                          for key, node, value in _dict_entries(mapping)]
    for task in tasks_of(module):
        if isinstance(task.node, ast.Call):
            sites += [ArgumentSite(kw.arg, kw, kw.value, "task", task.node, task.operator)
                      for kw in task.node.keywords if kw.arg]
        else:
            for decorator in task.node.decorator_list:
                if isinstance(decorator, ast.Call):
                    sites += [ArgumentSite(kw.arg, kw, kw.value, "task", decorator, task.operator)
                              for kw in decorator.keywords if kw.arg]
    for mapping in default_args_dicts(module):
        if mapping in spread:
            continue  # the DAG's own arguments, above
        sites += [ArgumentSite(key, node, value, "default_args", None)
                  for key, node, value in _dict_entries(mapping)]
    return sites


def imported_dags(module: ParsedModule) -> ImportedDags:
    """What an importer of ``module`` registers again (``ImportedDags``)."""
    plain: set[str] = set()
    registered = False
    for dag in dags_of(module):
        if dag.via_decorator:
            registered = registered or dag.node in module.import_time_functions
            continue
        if not module.runs_at_import(dag.node):
            continue
        parent = module.parents.get(dag.node)
        if isinstance(parent, ast.withitem):
            registered = True
        elif isinstance(parent, ast.Assign) and module.executing_function(dag.node) is None:
            plain.update(t.id for t in parent.targets if isinstance(t, ast.Name))
    # `dag = DAG(...)` then `with dag:` registers it as the block closes.
    registered = registered or any(isinstance(item.context_expr, ast.Name) and item.context_expr.id in plain
                                   and module.runs_at_import(item.context_expr)
                                   for item in module.nodes_of(ast.withitem))
    return ImportedDags(registered, tuple(sorted(plain)))
