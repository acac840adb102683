"""MWA009: executor_config is ignored by MWAA's CeleryExecutor"""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import RemoveArgument
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class ExecutorConfigRule(PythonRule):
    """
    ## What it does
    Reports `executor_config` on tasks or in `default_args` (Kubernetes `pod_override`s and
    other per-task executor settings).

    ## Why it matters on MWAA
    MWAA always runs the CeleryExecutor. `executor_config` is read only by the Kubernetes
    executors, so on MWAA it is silently ignored: a task that was given a bigger pod runs with
    the worker's normal share of CPU and memory. Building the `V1Pod` also needs the `kubernetes`
    package, which MWAA does not preinstall.

    ## Example
    ```python
    PythonOperator(task_id="score", python_callable=score,
                   executor_config={"pod_override": k8s.V1Pod(...)})
    ```

    ## Fix
    Remove `executor_config`; size the environment class (or lower `celery.worker_autoscale`) for
    the heaviest task, or run that work in a container on ECS/EKS.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html
    """

    id = "MWA009"
    name = "executor-config"
    severity = Severity.WARNING
    summary = "executor_config is ignored by MWAA's CeleryExecutor"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.operators.python import PythonOperator

            PythonOperator(task_id="a", python_callable=print, pool="default_pool")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.python import PythonOperator

            PythonOperator(task_id="a", python_callable=print, executor_config={"pod_override": None})
        """, line=3, contains="CeleryExecutor", fixed="""
            from airflow.operators.python import PythonOperator

            PythonOperator(task_id="a", python_callable=print)
        """),
        Invalid("""
            from airflow import DAG

            default_args = {"owner": "x", "executor_config": {"KubernetesExecutor": {"request_memory": "2Gi"}}}
            DAG("d", default_args=default_args, schedule=None)
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for site in module.arguments:
            if site.name != "executor_config" or site.owner == "dag":
                continue
            yield self.at_node(
                module, site.node,
                "executor_config is ignored on MWAA, which always runs the CeleryExecutor: the task "
                "gets a normal worker slot; size the environment class for it or run the work on ECS/EKS",
                fix=RemoveArgument(safety=FixSafety.SAFE, description="remove executor_config (MWAA ignores it)",
                                   name="executor_config"))
