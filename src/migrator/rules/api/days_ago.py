"""API006: days_ago(): removed in Airflow 3, a moving start date"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import DaysAgo
from migrator.rules.api._helpers import _is_airflow
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class DaysAgoRule(PythonRule):
    """
    ## What it does
    Reports calls to `airflow.utils.dates.days_ago`, in every import form.

    ## Why it matters on MWAA
    Airflow 3 removed `days_ago`: the DAG file fails to import (error). On Airflow 2 it works with
    a deprecation warning (warning). Either way it gives a start date that moves every day, which
    makes the first scheduled interval depend on when the file was parsed.

    ## Example
    ```python
    DAG("sales", start_date=days_ago(2), schedule="@daily")
    ```

    ## Fix
    The automatic fix writes the same value, `pendulum.today("UTC").add(days=-2)` (safe). Better,
    and a human decision: a fixed date such as `pendulum.datetime(2024, 1, 1, tz="UTC")` with
    `catchup=False`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/2.11.0/_api/airflow/utils/dates/index.html
    """

    id = "API006"
    name = "days-ago"
    severity = Severity.ERROR
    summary = "days_ago(): removed in Airflow 3, a moving start date"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            import pendulum
            from airflow import DAG

            DAG("sales", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule="@daily")
        """),
        Valid("""
            def days_ago(n):
                return n

            START = days_ago(1)
        """),
    )
    invalid = (
        Invalid("""
            from airflow.utils.dates import days_ago

            default_args = {"start_date": days_ago(1)}
        """, line=3, contains="pendulum", fixed="""
            import pendulum

            default_args = {"start_date": pendulum.today("UTC").add(days=-1)}
        """),
        Invalid("""
            import airflow

            args = {"start_date": airflow.utils.dates.days_ago(2)}
        """, target="2.11.2", line=3, contains="deprecated"),
        Invalid("""
            from airflow.utils import dates

            START = dates.days_ago(7, hour=6)
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for call, qualname in module.calls:
            if not _is_airflow(qualname, "days_ago"):
                continue
            fix = None
            if not any(isinstance(a, ast.Starred) for a in call.args) and all(k.arg for k in call.keywords):
                # The days-ago codemod writes pendulum.today("UTC").add(days=-n, ...).
                fix = DaysAgo(safety=FixSafety.SAFE, description="write the same date with pendulum", old=qualname)
            resolution = airflow_api.resolve(qualname, ctx.target)
            advice = resolution.advice or ""
            if resolution.status == "removed":
                yield self.at_node(module, call, f"days_ago does not exist on Airflow {ctx.target.airflow}: "
                                   f"{advice}", fix=fix)
            else:
                yield self.at_node(module, call, f"days_ago is deprecated on Airflow {ctx.target.airflow}: "
                                   f"{advice}", severity=Severity.WARNING, fix=fix)
