"""API004: Template-context key the target removed or deprecates"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity, line_anchor
from migrator.rules._common import location_in_literal, short_name
from migrator.rules.api._helpers import _change, _fix, _message
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

# Parameter names that receive the whole context dict: a callback's or execute()'s argument.
_CONTEXT_PARAMETERS = frozenset({"context", "ctx"})


@dataclass(frozen=True)
class ContextRead:
    key: str
    node: ast.AST  # the string literal, the parameter, or the literal holding a template
    span: tuple[int, int] | None = None  # characters of the key inside a template literal
    text: str = ""  # the template literal's value
    in_template: bool = False
    parameter: bool = False


def _receivers(module: ModuleFacts, function: ast.AST | None) -> frozenset[str]:
    """Names that hold the context inside a function: ``**kwargs``, a ``context`` parameter, and
    variables assigned from ``get_current_context()`` (computed once per function)."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return frozenset()
    cache: dict = module.memo("context_receivers", lambda m: {})
    if function not in cache:
        arguments = function.args
        names = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs
                 if a.arg in _CONTEXT_PARAMETERS}
        # ``**kwargs`` holds the context only in a task callable (an operator's __init__ or any
        # other function gets ordinary keyword arguments), or when it is named so.
        if arguments.kwarg is not None and (arguments.kwarg.arg in _CONTEXT_PARAMETERS
                                            or function in module.task_callables):
            names.add(arguments.kwarg.arg)
        for assign in _current_context_assignments(module).get(function, ()):
            names.update(t.id for t in assign.targets if isinstance(t, ast.Name))
        cache[function] = frozenset(names)
    return cache[function]


def _current_context_assignments(module: ModuleFacts) -> dict[ast.AST, list[ast.Assign]]:
    def compute(m: ModuleFacts) -> dict[ast.AST, list[ast.Assign]]:
        found: dict[ast.AST, list[ast.Assign]] = {}
        for assign in m.nodes_of(ast.Assign):
            if _is_current_context(m, assign.value):
                found.setdefault(m.executing_function(assign), []).append(assign)
        return found

    return module.memo("current_context_assignments", compute)


def _is_current_context(module: ModuleFacts, node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    qualname = module.qualname(node.func)
    return bool(qualname) and qualname.startswith("airflow.") and short_name(qualname) == "get_current_context"


def _key_of(module: ModuleFacts, node: ast.AST, receivers: set[str]) -> ast.Constant | None:
    """The string key of ``ctx["k"]`` or ``ctx.get("k")`` when ``ctx`` holds the context."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        holder = node.value
        if (isinstance(holder, ast.Name) and holder.id in receivers) or _is_current_context(module, holder):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and node.args:
        holder = node.func.value
        if (isinstance(holder, ast.Name) and holder.id in receivers) or _is_current_context(module, holder):
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key
    return None


def context_reads(module: ModuleFacts) -> list[ContextRead]:
    return module.memo("context_reads", _context_reads)


def _context_reads(module: ModuleFacts) -> list[ContextRead]:
    reads: list[ContextRead] = []
    if module.tree is None:
        return reads
    seen: set[int] = set()
    candidates = [n for n in module.nodes_of(ast.Subscript)] + [
        n for n in module.nodes_of(ast.Call) if isinstance(n.func, ast.Attribute) and n.func.attr == "get"]
    for node in candidates:
        # A closure reads its enclosing function's context too: look outwards.
        receivers: set[str] = set()
        for ancestor in module.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                receivers |= _receivers(module, ancestor)
        key = _key_of(module, node, receivers)
        if key is not None and id(key) not in seen:
            seen.add(id(key))
            reads.append(ContextRead(key.value, key))
    for function in module.task_callables:
        arguments = function.args
        for argument in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
            reads.append(ContextRead(argument.arg, argument, parameter=True))
    for node, text, names in module.template_reads:
        for name in names:
            reads.append(ContextRead(name.name, node, (name.start, name.end), text, in_template=True))
    return reads


class RemovedContextKeyRule(PythonRule):
    """
    ## What it does
    Reports reads of template-context keys the target removed or deprecates: `execution_date`,
    `next_ds`, `prev_ds`, `tomorrow_ds`, `yesterday_ds`, `next_execution_date`, `conf`,
    `triggering_dataset_events`, 1.10's `END_DATE`/`latest_date`/`tables`, ... It looks at
    `context["key"]` and `kwargs.get("key")` in callables (a task callable's `**kwargs`, a `context` parameter,
    `get_current_context()`), at parameters of task callables named after a key, and inside
    Jinja templates in strings (`"{{ execution_date.isoformat() }}"`).

    ## Why it matters on MWAA
    On Airflow 3 the key is missing: a Python read raises `KeyError`, a template renders an
    empty string or fails with `UndefinedError`, and a callable parameter named after it gets
    no value (error). On Airflow 2.x the keys still work with a deprecation warning (warning).

    ## Example
    ```python
    BashOperator(task_id="snap", bash_command="snap --at {{ execution_date }} --prev {{ prev_ds }}")
    ```

    ## Fix
    Use the replacement the message names. `execution_date` becomes `logical_date` (the same
    value; a safe automatic fix); `next_ds` becomes `{{ data_interval_end | ds }}` and similar
    keys move to the data-interval keys (unsafe: the values differ for manually triggered runs);
    keys with no replacement (`prev_ds`, `tomorrow_ds`) are computed from `logical_date` or
    `data_interval_*` by hand.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/templates-ref.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    """

    id = "API004"
    name = "removed-context-key"
    severity = Severity.ERROR
    needs_airflow_import = False  # callbacks and templates often live in helper modules
    summary = "Template-context key the target removed or deprecates"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo {{ ds }} {{ logical_date }} {{ data_interval_end | ds }}")

            def run(ds, ti, **context):
                return context["logical_date"], context.get("data_interval_start")
        """),
        Valid("""
            from airflow.operators.bash import BashOperator

            # Not a template: a Python format string and a plain word.
            MESSAGE = "run {execution_date} for next_ds".format(execution_date=1)
            BashOperator(task_id="a", bash_command="echo {% set next_ds = ds %}{{ next_ds }}")
        """),
        Valid("""
            def helper(record):
                return record["execution_date"]

            class Window:
                def __init__(self, **kwargs):
                    self.start = kwargs.get("start_date")
                    self.end = kwargs["end_date"]
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="snap --at {{ execution_date.isoformat() }}")
        """, line=3, contains="logical_date", fixed="""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="snap --at {{ logical_date.isoformat() }}")
        """),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="snap --at {{ execution_date }}")
        """, target="2.11.2", line=3, contains="deprecated"),
        Invalid("""
            from airflow.operators.python import PythonOperator

            def stats(**context):
                day = context["execution_date"]
                return context.get("prev_ds"), day

            PythonOperator(task_id="s", python_callable=stats)
        """, line=4),
        Invalid("""
            from airflow.decorators import task

            @task
            def sessionize(keys, next_ds=None):
                return next_ds
        """, line=4, contains="next_ds"),
        Invalid("""
            def notify_failure(context):
                return context["execution_date"]
        """, path="dags/alerts.py", line=2, contains="execution_date"),
        Invalid("""
            from airflow.operators.python import get_current_context

            def report():
                return get_current_context()["tomorrow_ds"]
        """, line=4, contains="tomorrow_ds"),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo {{ END_DATE }}")
        """, target="2.11.2", line=3, contains="does not exist"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        for read in context_reads(module):
            change = _change(read.key, target)
            if change is None:
                continue
            severity = Severity.ERROR if change.breaks else Severity.WARNING
            if read.in_template and read.span is not None:
                location = location_in_literal(module, read.node, read.text, *read.span)
                message = _message(change, target, " in a template")
                yield self.finding(module.path, location, message,
                                   anchor=f"{line_anchor(module.line_text(location.line), location.column)}\x1f{message}",
                                   severity=severity, fix=_fix(change, True))
            else:
                where = " (a parameter of a task callable)" if read.parameter else ""
                yield self.at_node(module, read.node, _message(change, target, where), severity=severity,
                                   fix=_fix(change, False, read.parameter))
