"""API021: a TaskGroup ``group_id`` Airflow 3 rejects though Airflow 2 took it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.compat import TaskGroupIds, task_group_ids
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceValue
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

_IMPORT = "from airflow.utils.task_group import TaskGroup\n\n"


def _literal_parts(node: ast.expr) -> list[str]:
    """The literal pieces of an id written as a string, an f-string or a ``+`` of them; what
    is computed (a variable, a call) adds no piece."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_parts(node.left) + _literal_parts(node.right)
    return []


def _prefix_off(call: ast.Call) -> bool:
    """``prefix_group_id=False`` written on the call: the case Airflow 2 did not check."""
    return any(k.arg == "prefix_group_id" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in call.keywords)


def _group_id(call: ast.Call, is_class: bool) -> ast.expr | None:
    """The ``group_id`` argument: a keyword, or the class's first positional argument (the
    decorator's first positional argument is the function)."""
    keyword = next((k.value for k in call.keywords if k.arg == "group_id"), None)
    if keyword is None and is_class and call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return keyword


class RejectedGroupId(PythonRule):
    """
    ## What it does
    Reports a `TaskGroup` (or `@task_group`) `group_id` the target rejects: a literal with a
    character other than letters, digits, `_` and `-` (a dot, a space) or longer than 200
    characters; an f-string or `+` concatenation whose literal part has such a character
    (`f"{name}-Spark-3.5"`); and, with `prefix_group_id=False`, an id built entirely at
    runtime, which Airflow 2 never checked (a warning: the value is not visible).

    ## Why it matters on MWAA
    Airflow 2 checked a group id only with `prefix_group_id=True`, where it prefixes the task
    ids; with `prefix_group_id=False` any non-empty string passed, dots and spaces included.
    Airflow 3's TaskGroup checks every group id, so the DAG file fails to load with
    `The key '...' has to be made of alphanumeric characters, dashes, and underscores
    exclusively`. Task ids and DAG ids are not reported: Airflow 2 and 3 accept the same
    characters there (letters, digits, `_`, `-` and `.`).

    ## Example
    ```python
    with TaskGroup(group_id="copy-spark-3.5", prefix_group_id=False):
        ...
    ```

    ## Fix
    Use an id without the rejected characters. Where the id is one literal, `migrator fix
    --unsafe` (and `migrate`, since the file cannot load without it) replaces each rejected
    character with `_` (`copy-spark-3_5`). It is unsafe: the group id names the group in the
    UI and, with `prefix_group_id=True`, prefixes the id of every task in it, and task ids key
    the run history, XComs and whatever refers to them (`ExternalTaskSensor`,
    `xcom_pull(task_ids=...)`, the REST API): those references need the new id too. An id
    built at runtime is left to you: change the literal part or clean the value where it is
    made (`re.sub(r"[^\\w-]", "_", name)`).

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#taskgroups
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    """

    id = "API021"
    name = "rejected-group-id"
    severity = Severity.ERROR
    summary = "TaskGroup group_id with characters Airflow 3 rejects"
    fix_safety = FixSafety.UNSAFE
    applies_to = f">={task_group_ids().always_validated_since}"
    valid = (
        Valid(_IMPORT + 'group = TaskGroup(group_id="copy-spark-3_5", prefix_group_id=False)\n'),
        # Airflow 2 took any id with prefix_group_id=False.
        Valid(_IMPORT + 'group = TaskGroup(group_id="copy-spark-3.5", prefix_group_id=False)\n',
              target="2.11.2"),
        # A Maven group id is no TaskGroup's id.
        Valid('from airflow.models import DAG\n\ngroup_id = "com.example.spark"\n'),
        # A runtime id under prefix_group_id=True was checked by Airflow 2 already.
        Valid(_IMPORT + 'def build(name):\n    return TaskGroup(group_id=f"{name}_etl")\n'),
        # The decorator's first positional argument is the function, not the id.
        Valid('from airflow.decorators import task_group\n\n\n@task_group(prefix_group_id=False)\n'
              'def load_v1():\n    pass\n'),
    )
    invalid = (
        Invalid(_IMPORT + 'group = TaskGroup(group_id="copy-spark-3.5", prefix_group_id=False)\n',
                line=3, contains="'copy-spark-3.5'",
                fixed=_IMPORT + 'group = TaskGroup(group_id="copy-spark-3_5", prefix_group_id=False)\n'),
        Invalid(_IMPORT + 'group = TaskGroup("load daily")\n', line=3, contains="'load daily'",
                fixed=_IMPORT + 'group = TaskGroup("load_daily")\n'),
        Invalid('from airflow.sdk import task_group\n\n\n@task_group(group_id="load.v1")\ndef load():\n    pass\n',
                line=4, fixed='from airflow.sdk import task_group\n\n\n@task_group(group_id="load_v1")\n'
                              'def load():\n    pass\n'),
        # A version suffix in the literal part of an id built at runtime: no fix.
        Invalid(_IMPORT + 'def build(region):\n    return TaskGroup(group_id=f"agg-{region}-Spark-3.5")\n',
                line=4, contains="literal part"),
        Invalid(_IMPORT + 'def build(name):\n    return TaskGroup(group_id=name + ".daily")\n',
                line=4, contains="'.daily'"),
        # An id only known at runtime that Airflow 2 never checked.
        Invalid(_IMPORT + 'class Step:\n    def adopt(self, dag):\n'
                '        return TaskGroup(group_id=self.name, dag=dag, prefix_group_id=False)\n',
                line=5, contains="prefix_group_id=False"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        ids = task_group_ids()
        accepted = re.compile(ids.pattern)
        for call, qualname in module.calls:
            is_class = qualname in ids.task_groups
            if not is_class and qualname not in ids.task_group_decorators:
                continue
            node = _group_id(call, is_class)
            if node is not None:
                yield from self._check_id(module, call, node, ids, accepted, ctx)

    def _check_id(self, module: ModuleFacts, call: ast.Call, node: ast.expr, ids: TaskGroupIds,
                  accepted: re.Pattern[str], ctx: RuleContext) -> Iterator[Finding]:
        rule_text = (f"Airflow {ctx.target.airflow} accepts only letters, digits, '_' and '-' in a "
                     f"group id (at most {ids.max_length} characters)")
        since_2 = (" (Airflow 2 did not check it because of prefix_group_id=False)" if _prefix_off(call) else "")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if accepted.match(value) and len(value) <= ids.max_length:
                return
            new = "".join(c if accepted.match(c) else ids.replacement_character for c in value)[:ids.max_length]
            fix = ReplaceValue(safety=FixSafety.UNSAFE, description=f"use {new!r}", required=True,
                               old=value, new=new) if new else None
            yield self.at_node(module, node, f"TaskGroup group_id {value!r} fails the DAG file on load: "
                               f"{rule_text}{since_2}; rename it (and what refers to its tasks' ids)", fix=fix)
            return
        rejected = [p for p in _literal_parts(node) if p and not accepted.match(p)]
        if rejected:
            yield self.at_node(module, node, f"TaskGroup group_id is built from the literal part {rejected[0]!r}, "
                               f"which the target rejects: {rule_text}{since_2}; change that part")
        elif _prefix_off(call):
            yield self.at_node(module, node, f"TaskGroup group_id {ast.unparse(node)} is only known at runtime "
                               f"and has prefix_group_id=False, so Airflow 2 never checked it; {rule_text}: "
                               "an id holding a dot or a space (a version, a region) now fails the DAG file",
                               severity=Severity.WARNING)
