"""API009: DAG without an explicit schedule where the target's default changed"""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.analysis.subdags import subdag_factory_dag
from migrator.findings import Finding, Severity
from migrator.rules.api._helpers import _SCHEDULE_ARGUMENTS, _dag_anchor, _dag_call, _unpacks_kwargs
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class ImplicitScheduleRule(PythonRule):
    """
    ## What it does
    Reports DAGs created without `schedule` (or `schedule_interval`/`timetable`) on targets
    whose default schedule differs from Airflow 2's.

    ## Why it matters on MWAA
    Airflow 2 ran such a DAG once a day (`timedelta(days=1)`). On Airflow 3 the default is
    `None`: the DAG parses fine but never runs on its own, so a daily job silently stops. Quiet on
    Airflow 2 targets, where nothing changes.

    ## Example
    ```python
    with DAG("supplier_feed_sync", start_date=..., default_args=default_args):
    ```

    ## Fix
    Write the schedule you want: `schedule="@daily"` (what Airflow 2 did) or `schedule=None`
    for a DAG that is only triggered.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.astral.sh/ruff/rules/airflow-dag-no-schedule-argument/
    """

    id = "API009"
    name = "implicit-schedule"
    severity = Severity.ERROR
    summary = "DAG without an explicit schedule where the target's default changed"
    valid = (
        Valid("""
            from airflow import DAG

            DAG("feed", schedule=None)
            DAG("sales", schedule_interval="@daily")
        """),
        Valid("""
            from airflow import DAG

            DAG("feed")
        """, target="2.11.2"),
        Valid("""
            from airflow import DAG

            def build(**options):
                return DAG("generated", **options)
        """),
        # A sub-DAG factory's DAG runs inside its parent's runs.
        Valid("""
            from airflow import DAG

            def region_subdag(parent_dag_id, child_id, args):
                return DAG(dag_id=f"{parent_dag_id}.{child_id}", default_args=args)

            def audit_subdag(parent_dag, args):
                return DAG(parent_dag.dag_id + "." + "audit", default_args=args)
        """),
        # ... whatever its id, when a SubDagOperator calls it, here or in another module.
        Valid("""
            from airflow import DAG
            from airflow.operators.subdag import SubDagOperator

            def load_subdag(args):
                return DAG("parent.load", default_args=args)

            with DAG("parent", schedule="@daily") as dag:
                SubDagOperator(task_id="load", subdag=load_subdag({}))
        """),
        Valid("""
            from airflow import DAG

            def load_subdag(args):
                return DAG("parent.load", default_args=args)
        """, files={"dags/parent.py": (
            "from airflow import DAG\n"
            "from airflow.operators.subdag import SubDagOperator\n"
            "from common.factories import load_subdag\n\n"
            "with DAG('parent', schedule='@daily') as dag:\n"
            "    SubDagOperator(task_id='load', subdag=load_subdag({}))\n")},
            path="dags/common/factories.py"),
    )
    invalid = (
        Invalid("""
            from airflow import DAG

            with DAG(dag_id="supplier_feed_sync", catchup=False) as dag:
                pass
        """, line=3, contains="@daily"),
        Invalid("""
            from airflow.decorators import dag

            @dag(catchup=False)
            def clicks():
                pass
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        change = airflow_api.default_changes(ctx.target).get("dag.schedule")
        if change is None:
            return
        factories = frozenset(factory for factory, *_ in ctx.index.subdag_factories)
        for dag in module.dags:
            call = _dag_call(module, dag)
            if any(name in dag.kwargs for name in _SCHEDULE_ARGUMENTS) or _unpacks_kwargs(call):
                continue
            if call is not None and subdag_factory_dag(module, call, factories):
                continue  # runs inside its parent's runs, never on a schedule of its own
            if call is not None and len(call.args) > 2:
                continue  # schedule given by position
            name = f"DAG {dag.dag_id!r}" if dag.dag_id else "this DAG"
            yield self.at_node(module, _dag_anchor(module, dag),
                               f"{name} has no schedule: Airflow 2 ran it daily, Airflow {ctx.target.airflow} "
                               f"never runs it on its own (default {change.old} -> {change.new}); add "
                               f"schedule=\"@daily\" to keep it daily, or schedule=None if it is only triggered")
