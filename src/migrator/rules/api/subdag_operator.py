"""API005: SubDagOperator: removed in Airflow 3, rebuild as a TaskGroup"""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.analysis.subdags import (
    factories_defined_here,
    index_verdicts,
    subdag_operator_calls,
    subdag_rewrites,
)
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import SubdagToTaskgroup
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class SubDagOperatorRule(PythonRule):
    """
    ## What it does
    Reports `SubDagOperator` tasks, and rewrites the common pattern: a factory function (in the
    same file or a project module) that builds a DAG named `"<parent>.<child>"`, adds tasks with
    `dag=` and returns it, called as `SubDagOperator(task_id=..., subdag=factory(...))` inside a
    `with DAG(...)` block. When it cannot rewrite, the message says which construct stopped it.
    The factory's own DAG is reported in its module, with the fix that goes with the operators'.

    ## Why it matters on MWAA
    Airflow 3 removed SubDAGs: the import fails and the parent DAG does not load (error). On
    Airflow 2 they still run but are deprecated and hold a worker slot for the whole sub-DAG
    run, which on MWAA's fixed worker slots starves other tasks (warning).

    ## Example
    ```python
    SubDagOperator(task_id="snapshot_west", subdag=region_snapshot_subdag(...))
    ```

    ## Fix
    The unsafe fix turns the factory (in this file or the module it is imported from, when
    every SubDagOperator calling it can be rewritten) into a TaskGroup factory: its `DAG(dag_id=...)` becomes
    `TaskGroup(group_id=<child>, default_args=...)`, `dag=` on its tasks becomes `task_group=`,
    and the `SubDagOperator(...)` call becomes the factory call. Task ids stay
    `<task_id>.<task>`; the sub-DAG's own schedule, catchup and the operator's pool go (the
    tasks run in the parent's runs). `migrate` applies it on Airflow 3, where the file cannot
    load otherwise, and lists it for review. By hand: rebuild the sub-DAG as a `TaskGroup` (or
    `@task_group`) inside the parent DAG.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#taskgroups
    """

    id = "API005"
    name = "subdag-operator"
    severity = Severity.ERROR
    summary = "SubDagOperator: removed in Airflow 3, rebuild as a TaskGroup"
    fix_safety = FixSafety.UNSAFE
    valid = (
        Valid("""
            from airflow.sdk import TaskGroup
            from airflow.providers.standard.operators.empty import EmptyOperator

            with TaskGroup("snapshot_west"):
                EmptyOperator(task_id="start")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.subdag_operator import SubDagOperator

            SubDagOperator(task_id="west", subdag=None)
        """, line=3, contains="TaskGroup"),
        Invalid("""
            from airflow.operators.subdag import SubDagOperator

            tasks = [SubDagOperator(task_id=r, subdag=None) for r in ("east", "west")]
        """, target="2.11.2", line=3, contains="deprecated"),
        Invalid("""
            from airflow import DAG
            from airflow.operators.dummy import DummyOperator
            from airflow.operators.subdag import SubDagOperator

            def load(parent, child, args):
                sub = DAG("{}.{}".format(parent, child), default_args=args, schedule_interval="@daily")
                DummyOperator(task_id="extract", dag=sub)
                return sub

            with DAG("parent", schedule="@daily") as dag:
                SubDagOperator(task_id="load", subdag=load("parent", "load", {}))
        """, line=11, contains="load() is rewritten into a TaskGroup factory by an unsafe fix", fixed="""
            from airflow import DAG
            from airflow.operators.dummy import DummyOperator
            from airflow.sdk import TaskGroup

            def load(parent, child, args):
                sub = TaskGroup(group_id=child, default_args=args)
                DummyOperator(task_id="extract", task_group=sub)
                return sub

            with DAG("parent", schedule="@daily") as dag:
                load("parent", "load", {})
        """),
        Invalid("""
            from airflow import DAG
            from airflow.operators.subdag import SubDagOperator
            from common.subdags import load

            dag = DAG("parent", schedule="@daily")
            with dag:
                SubDagOperator(task_id="load", subdag=load("parent", "load", {}))
        """, files={"dags/common/subdags.py": (
            "from airflow import DAG\n\n"
            "def load(parent, child, args):\n"
            "    sub = DAG(f'{parent}.{child}', default_args=args)\n"
            "    return sub\n")}, line=7, contains="with common.subdags.load, in its own module"),
        Invalid("""
            from airflow import DAG
            from airflow.operators.subdag import SubDagOperator
            from common.subdags import load

            with DAG("parent", schedule="@daily") as dag:
                SubDagOperator(task_id="load", subdag=load("parent", "load", {}), retries=3)
        """, files={"dags/common/subdags.py": (
            "from airflow import DAG\n\n"
            "def load(parent, child, args):\n"
            "    return DAG(f'{parent}.{child}', default_args=args)\n")}, line=6, contains="passes retries"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        elsewhere = index_verdicts(ctx.index.subdag_factories)
        rewrites = subdag_rewrites(module, elsewhere)
        task_group = airflow_api.canonical("airflow.utils.task_group.TaskGroup", target)
        for call in subdag_operator_calls(module):
            resolution = airflow_api.resolve(module.qualname(call.func), target)
            advice = (resolution.advice or "rebuild the sub-DAG as a TaskGroup").rstrip(".")
            removed = resolution.status == "removed"
            rewrite = rewrites[id(call)]
            fix = None
            if rewrite.factory:
                where = f" (with {rewrite.defined_in}, in its own module)" if rewrite.defined_in else ""
                advice += f"; {rewrite.factory}() is rewritten into a TaskGroup factory{where} by an unsafe fix"
                fix = SubdagToTaskgroup(safety=FixSafety.UNSAFE, description=f"call {rewrite.factory}() in place of "
                                        "SubDagOperator, as a TaskGroup factory (the sub-DAG's schedule and the "
                                        "operator's pool go)", factory=rewrite.factory, group_id=rewrite.group_id,
                               variable=rewrite.variable, task_group=task_group,
                               part="operator" if rewrite.defined_in else "both", required=removed)
            else:
                advice += f" (not rewritten automatically: {rewrite.reason})"
            if removed:
                yield self.at_node(module, call.func,
                                   f"SubDagOperator does not exist on Airflow {target.airflow}: {advice}", fix=fix)
            else:
                yield self.at_node(module, call.func,
                                   f"SubDagOperator is deprecated on Airflow {target.airflow} and holds a "
                                   f"worker slot for the whole sub-DAG run: {advice}", severity=Severity.WARNING,
                                   fix=fix)
        gone = target.major >= 3
        for dag_call, verdict in factories_defined_here(module, elsewhere):
            fix = SubdagToTaskgroup(safety=FixSafety.UNSAFE, description=f"turn {verdict.factory}() into a "
                                    "TaskGroup factory (its callers' SubDagOperators are rewritten with it)",
                                    factory=verdict.factory, group_id=verdict.group_id, variable=verdict.variable,
                           task_group=task_group, part="factory", required=gone)
            state = "do not exist on" if gone else "are deprecated on"
            yield self.at_node(module, dag_call, f"{verdict.factory}() builds a sub-DAG for SubDagOperators in "
                               f"other modules; SubDAGs {state} Airflow {target.airflow}: it is rewritten with "
                               "them into a TaskGroup factory by an unsafe fix",
                               severity=Severity.ERROR if gone else Severity.WARNING, fix=fix)
