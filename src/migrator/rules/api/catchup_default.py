"""API010: DAG relies on the catchup default, which the target changed"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.api._helpers import _SCHEDULE_ARGUMENTS, _dag_anchor, _dag_call, _unpacks_kwargs
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class CatchupDefaultRule(PythonRule):
    """
    ## What it does
    Reports scheduled DAGs that leave `catchup` to the default on targets where the default
    changed (`[scheduler] catchup_by_default` is `False` on Airflow 3, `True` before).

    ## Why it matters on MWAA
    A DAG that relied on the old default no longer back-fills the intervals it missed (an
    outage, a paused DAG, a late deploy), so gaps appear in the data without an error. Most
    teams want `catchup=False`, which is why this is informational.

    ## Example
    ```python
    DAG("customer_360_refresh", schedule="0 4 * * *", start_date=...)
    ```

    ## Fix
    Write `catchup=True` or `catchup=False` on the DAG. MWAA also lets you set
    `scheduler.catchup_by_default` in the environment's configuration options.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dag-run.html#catchup
    """

    id = "API010"
    name = "catchup-default"
    severity = Severity.INFO
    summary = "DAG relies on the catchup default, which the target changed"
    valid = (
        Valid("""
            from airflow import DAG

            DAG("sales", schedule="@daily", catchup=False)
            DAG("manual", schedule=None)
        """),
        Valid("""
            from airflow import DAG

            DAG("sales", schedule="@daily")
        """, target="2.11.2"),
    )
    invalid = (
        Invalid("""
            from airflow import DAG

            DAG("sales", schedule_interval="0 4 * * *")
        """, line=3, contains="catchup"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        change = airflow_api.default_changes(ctx.target).get("scheduler.catchup_by_default")
        if change is None:
            return
        for dag in module.dags:
            call = _dag_call(module, dag)
            if "catchup" in dag.kwargs or _unpacks_kwargs(call):
                continue
            schedule = next((dag.kwargs[n] for n in _SCHEDULE_ARGUMENTS if n in dag.kwargs), None)
            if schedule is None or _not_time_based(schedule):
                continue
            name = f"DAG {dag.dag_id!r}" if dag.dag_id else "this DAG"
            yield self.at_node(module, _dag_anchor(module, dag),
                               f"{name} leaves catchup to the default, which is {change.new} on Airflow "
                               f"{ctx.target.airflow} ({change.old} before): missed intervals are no longer "
                               f"back-filled; write catchup=True or catchup=False")


def _not_time_based(schedule: ast.expr) -> bool:
    """``None``, ``"@once"``, or a list of datasets/assets: catchup does not apply."""
    if isinstance(schedule, ast.Constant):
        return schedule.value is None or schedule.value in ("@once", "@continuous")
    return isinstance(schedule, (ast.List, ast.Tuple, ast.BinOp))
