"""DAGs and tasks defined by a module: who builds them, with which arguments, how many.

Recognition is structural (a callable under ``airflow.`` named ``DAG``; a class name ending in
``Operator``/``Sensor``; ``@dag``/``@task`` decorators), so it works for every Airflow version's
import paths and for custom operators in the project.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

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


def find_dags(module: ModuleFacts) -> list[DagDef]:
    if module.tree is None:
        return []
    dags: list[DagDef] = []
    for call, qualname in module.calls:
        if is_dag_class(qualname):
            kwargs = call_kwargs(call)
            dag_id = const_str(call.args[0]) if call.args else const_str(kwargs.get("dag_id"))
            dags.append(DagDef(call, dag_id, kwargs, False, _in_loop_or_factory(module, call)))
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if _is_dag_decorator(_decorator_qualname(module, decorator)):
                    kwargs = call_kwargs(decorator) if isinstance(decorator, ast.Call) else {}
                    dag_id = const_str(kwargs.get("dag_id")) or node.name
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
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                kind = _task_decorator_kind(_decorator_qualname(module, decorator))
                if kind:
                    kwargs = call_kwargs(decorator) if isinstance(decorator, ast.Call) else {}
                    tasks.append(TaskDef(node, kind, const_str(kwargs.get("task_id")) or node.name, kwargs))
    return tasks
