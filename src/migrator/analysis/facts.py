"""What a module's DAGs, tasks and their arguments are, as records, and the tests that recognise
Airflow's DAG and task callables by their qualified names. Nothing here needs a parsed module:
``analysis/parsed_module.py`` and ``analysis/dags.py`` both build on it.

Recognition is structural (a callable under ``airflow.`` named ``DAG``; a class name ending in
``Operator``/``Sensor``; ``@dag``/``@task`` decorators), so it works for every Airflow version's
import paths and for custom operators in the project.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class ImportedDags:
    """The DAGs a module's import builds that Airflow registers with the module importing it
    (its DagBag bags the DAGs of the importer's namespace and those a ``with DAG`` block or a
    ``@dag`` call closes while the importer runs, whoever builds them)."""

    registered: bool = False  # a `with DAG(...)` block or a `@dag` function's call runs at import
    names: tuple[str, ...] = ()  # module-level names bound to a DAG built outside such a block


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


def decorator_target(decorator: ast.expr) -> ast.expr:
    """What a decorator names: ``task`` of ``@task`` and of ``@task(retries=2)``."""
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def is_dag_decorator(qualname: str | None) -> bool:
    return bool(qualname) and qualname.startswith("airflow.") and qualname.rsplit(".", 1)[-1] == "dag"


def task_decorator_kind(qualname: str | None) -> str | None:
    if not qualname or not qualname.startswith("airflow."):
        return None
    parts = qualname.split(".")
    if parts[-1] == "task":
        return "@task"
    if len(parts) >= 2 and parts[-2] == "task":
        return f"@task.{parts[-1]}"
    return None
