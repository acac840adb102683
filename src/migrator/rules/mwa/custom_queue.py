"""MWA010: Task sent to a Celery queue no MWAA worker consumes"""

from __future__ import annotations

from collections.abc import Iterator

from migrator import compat
from migrator.analysis.dags import const_str
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import RemoveArgument
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class CustomQueueRule(PythonRule):
    """
    ## What it does
    Reports tasks (and `default_args`) that send work to a Celery queue other than the default,
    e.g. `queue="spark"` for the workers on the Hadoop edge nodes.

    ## Why it matters on MWAA
    MWAA's workers consume one SQS queue that MWAA creates; custom queues are not allowed and no
    worker listens on another name. A task sent to `queue="spark"` stays queued until it times
    out.

    ## Example
    ```python
    BashOperator(task_id="compact", bash_command="...", queue="spark")
    ```

    ## Fix
    Remove `queue=`. Work that needed special workers must move to a service that provides
    them (EMR, ECS, Glue), or to a separate MWAA environment.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-faqs.html
    """

    id = "MWA010"
    name = "custom-queue"
    severity = Severity.ERROR
    summary = "Task sent to a Celery queue no MWAA worker consumes"
    fix_safety = FixSafety.UNSAFE
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", queue="default")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="compact", bash_command="echo", queue="spark")
        """, line=3, contains="'spark'", fixed="""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="compact", bash_command="echo")
        """),
        Invalid("""
            from airflow import DAG

            default_args = {"owner": "x", "queue": "hadoop"}
            dag = DAG("d", default_args=default_args, schedule=None)
        """, line=3, contains="'hadoop'"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for site in module.arguments:
            if site.name != "queue" or site.owner == "dag":
                continue
            queue = const_str(site.value)
            if queue is None or queue in compat.worker_environment().default_queues:
                continue
            where = "default_args sends every task" if site.owner == "default_args" else "this task goes"
            yield self.at_node(
                module, site.node,
                f"queue '{queue}': {where} to a Celery queue no MWAA worker consumes (MWAA workers read "
                f"only the environment's own SQS queue; custom queues are not allowed); remove queue= "
                f"and move work that needed those workers to EMR, ECS or Glue",
                fix=RemoveArgument(safety=FixSafety.UNSAFE,
                                   description="remove queue= (the task then runs on MWAA's workers)", name="queue"))
