"""MWA008: start_date computed from the current time"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

# Functions whose value changes on every call; a DAG argument built from one changes on every parse.
# Midnight-aligned ones (pendulum.today(), date.today(), what days_ago() computed) hold still for a
# day, so the scheduler sees a stable start; they are not listed.
_NOW_CALLS = frozenset({"datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
                        "pendulum.now", "pendulum.DateTime.now", "time.time",
                        "airflow.utils.timezone.utcnow", "airflow.sdk.timezone.utcnow"})


class DynamicStartDateRule(PythonRule):
    """
    ## What it does
    Reports `start_date` / `end_date` values computed from the current time
    (`datetime.now()`, `datetime.utcnow()`, `pendulum.now()`, `time.time()`) in DAGs, tasks and
    `default_args`. Midnight-aligned values (`pendulum.today()`, `date.today()`) hold still for a
    day and are not reported.

    ## Why it matters on MWAA
    The value changes at every parse, so the scheduler never sees a stable first interval: runs
    are skipped or never created. On Airflow 3 each parse also produces a new serialized DAG
    version, which fills the metadata database.

    ## Example
    ```python
    DAG("sync", start_date=datetime.now() - timedelta(days=1), schedule="@daily")
    ```

    ## Fix
    Use a fixed, timezone-aware date: `pendulum.datetime(2024, 1, 1, tz="UTC")`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/faq.html#what-s-the-deal-with-start-date
    """

    id = "MWA008"
    name = "dynamic-start-date"
    severity = Severity.WARNING
    summary = "start_date computed from the current time"
    valid = (
        Valid("""
            import pendulum
            from airflow import DAG

            DAG("sync", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule="@daily")
            DAG("legacy", start_date=pendulum.today("UTC").add(days=-1), schedule="@daily")
        """),
        Valid("""
            from datetime import datetime
            from airflow.operators.python import PythonOperator

            PythonOperator(task_id="a", python_callable=lambda: datetime.now())
        """),
    )
    invalid = (
        Invalid("""
            from datetime import datetime, timedelta
            from airflow import DAG

            DAG("sync", start_date=datetime.now() - timedelta(days=1), schedule="@daily")
        """, line=4, contains="pendulum.datetime"),
        Invalid("""
            import datetime
            from airflow import DAG

            default_args = {"start_date": datetime.datetime.utcnow()}
            DAG("sync", default_args=default_args, schedule="@daily")
        """, line=4),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for site in module.arguments:
            if site.name not in ("start_date", "end_date"):
                continue
            now = next((n for n in walk(site.value) if isinstance(n, ast.Call)
                        and module.qualname(n.func) in _NOW_CALLS), None)
            if now is None:
                continue
            yield self.at_node(
                module, now,
                f"{site.name} changes at every parse ({ast.unparse(now.func)}()), so the scheduler never "
                f"sees a stable schedule: use a fixed date such as pendulum.datetime(2024, 1, 1, tz=\"UTC\")")
