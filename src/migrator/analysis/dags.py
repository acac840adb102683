"""DAGs and tasks defined by a module: who builds them, with which arguments, how many.

Recognition is structural (a callable under ``airflow.`` named ``DAG``; a class name ending in
``Operator``/``Sensor``; ``@dag``/``@task`` decorators), so it works for every Airflow version's
import paths and for custom operators in the project.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migrator.analysis.strings import UNKNOWN, static_string

if TYPE_CHECKING:
    # Only named in annotations: ModuleFacts computes its DAGs and tasks with this module.
    from migrator.analysis.python import ModuleFacts

TASK_CLASS_SUFFIXES = ("Operator", "Sensor")


@dataclass
class DagDef:
    node: ast.AST  # the DAG(...) call, or the @dag-decorated function
    dag_id: str | None
    kwargs: dict[str, ast.expr]
    via_decorator: bool
    in_loop: bool  # built inside a loop or a factory function: the count is an estimate


@dataclass
class TaskDef:
    node: ast.Call | ast.FunctionDef | ast.AsyncFunctionDef
    operator: str  # qualified class name, or "@task" / "@task.<kind>"
    task_id: str | None
    kwargs: dict[str, ast.expr] = field(default_factory=dict)


def const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def call_kwargs(call: ast.Call) -> dict[str, ast.expr]:
    return {kw.arg: kw.value for kw in call.keywords if kw.arg}


def is_dag_class(qualname: str | None) -> bool:
    return bool(qualname) and qualname.startswith("airflow.") and qualname.rsplit(".", 1)[-1] == "DAG"


def is_task_class(qualname: str | None) -> bool:
    if not qualname:
        return False
    last = qualname.rsplit(".", 1)[-1]
    return last.endswith(TASK_CLASS_SUFFIXES) and last[:1].isupper() and not last.startswith("Base")


def _decorator_qualname(module: ModuleFacts, decorator: ast.expr) -> str | None:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return module.qualname(target)


def _is_dag_decorator(qualname: str | None) -> bool:
    return bool(qualname) and qualname.startswith("airflow.") and qualname.rsplit(".", 1)[-1] == "dag"


def _task_decorator_kind(qualname: str | None) -> str | None:
    if not qualname or not qualname.startswith("airflow."):
        return None
    parts = qualname.split(".")
    if parts[-1] == "task":
        return "@task"
    if len(parts) >= 2 and parts[-2] == "task":
        return f"@task.{parts[-1]}"
    return None


def _in_loop_or_factory(module: ModuleFacts, node: ast.AST) -> bool:
    return any(isinstance(a, (ast.For, ast.AsyncFor, ast.While, ast.comprehension, ast.ListComp,
                              ast.FunctionDef, ast.AsyncFunctionDef))
               for a in module.ancestors(node))


def _static_id(module: ModuleFacts, node: ast.expr | None) -> str | None:
    """A DAG id known without running the code: a literal, or built only from literals and
    module-level constants (``f"{PROJECT}.{WORKFLOW}"``)."""
    if (literal := const_str(node)) is not None:
        return literal
    concatenation = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
    if not (concatenation or isinstance(node, (ast.JoinedStr, ast.Name))):
        return None  # "etl_%s" % x keeps only its format string
    value = static_string(module, node)
    return value.text if value is not None and value.text and UNKNOWN not in value.text else None


def find_dags(module: ModuleFacts) -> list[DagDef]:
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
                if _is_dag_decorator(_decorator_qualname(module, decorator)):
                    kwargs = call_kwargs(decorator) if isinstance(decorator, ast.Call) else {}
                    given = decorator.args[0] if isinstance(decorator, ast.Call) and decorator.args \
                        else kwargs.get("dag_id")  # @dag("etl_daily", ...) names the DAG too
                    dag_id = _static_id(module, given) or node.name
                    dags.append(DagDef(node, dag_id, kwargs, True, _in_loop_or_factory(module, node)))
    return dags


def find_tasks(module: ModuleFacts) -> list[TaskDef]:
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
                kind = _task_decorator_kind(_decorator_qualname(module, decorator))
                if kind:
                    kwargs = call_kwargs(decorator) if isinstance(decorator, ast.Call) else {}
                    tasks.append(TaskDef(node, kind, const_str(kwargs.get("task_id")) or node.name, kwargs))
    return tasks


def is_task_function(module: ModuleFacts, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True for a function decorated with ``@task`` / ``@task.<kind>`` (its body runs in a task)."""
    return any(_task_decorator_kind(_decorator_qualname(module, d)) for d in function.decorator_list)


def task_callables(module: ModuleFacts) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions whose body runs as a task and receives the template context: ``@task``
    functions and local functions passed as ``python_callable=`` (or another ``*_callable``)."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for task in module.tasks:
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


@dataclass(frozen=True)
class ArgumentSite:
    """One argument given to a DAG or a task: a keyword in a call, or a ``default_args`` key.

    ``node`` is what a finding points at (the ``keyword`` node, or the dict key);
    ``owner`` is "dag", "task" or "default_args"; ``call`` the DAG/operator call (None for a
    ``default_args`` entry).
    """

    name: str
    node: ast.AST
    value: ast.expr
    owner: str
    call: ast.AST | None
    qualname: str | None = None  # the DAG / operator class called
    spread: str | None = None  # the variable holding the dict, for a key passed as ``**name``


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


def default_args_dicts(module: ModuleFacts) -> list[ast.Dict | ast.Call]:
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


def spread_dict(module: ModuleFacts, value: ast.expr) -> ast.Dict | ast.Call | None:
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
        if not (is_dag_class(qualname) or _is_dag_decorator(qualname)):
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


def argument_sites(module: ModuleFacts) -> list[ArgumentSite]:
    """Every keyword given to a DAG (call or ``@dag``) or a task, every key of a dict a DAG
    visibly gets as ``**name`` (``spread_dict``), and every ``default_args`` key."""
    sites: list[ArgumentSite] = []
    spread: list[ast.AST] = []
    for dag in module.dags:
        call = dag.node
        if dag.via_decorator:
            call = next((d for d in dag.node.decorator_list if isinstance(d, ast.Call)
                         and _is_dag_decorator(_decorator_qualname(module, d))), None)
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
    for task in module.tasks:
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


@dataclass(frozen=True)
class ImportedDags:
    """The DAGs a module's import builds that Airflow registers with the module importing it
    (its DagBag bags the DAGs of the importer's namespace and those a ``with DAG`` block or a
    ``@dag`` call closes while the importer runs, whoever builds them)."""

    registered: bool = False  # a `with DAG(...)` block or a `@dag` function's call runs at import
    names: tuple[str, ...] = ()  # module-level names bound to a DAG built outside such a block


def imported_dags(module: ModuleFacts) -> ImportedDags:
    """What an importer of ``module`` registers again (``ImportedDags``)."""
    plain: set[str] = set()
    registered = False
    for dag in module.dags:
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
