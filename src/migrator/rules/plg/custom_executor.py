"""PLG004: Custom executor that MWAA will not run"""

from __future__ import annotations

from migrator import compat
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at, _short


class CustomExecutor(ProjectRule):
    """
    ## What it does
    Reports custom executors: registered by a plugin, or named as a dotted path in
    `[core] executor`.

    ## Why it matters on MWAA
    MWAA runs CeleryExecutor on its own SQS broker and forces `core.executor`; a custom
    executor is never loaded and whatever it did (routing to Kubernetes, ECS, a queue) does not
    happen.

    ## Example
    ```python
    class AcmePlugin(AirflowPlugin):
        name = "acme"
        executors = [AcmeBatchExecutor]
    ```

    ## Fix
    Move the work into operators that call the target service (`EcsRunTaskOperator`,
    `BatchOperator`, `KubernetesPodOperator` on EKS) and let MWAA's Celery workers run them.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://github.com/aws/amazon-mwaa-docker-images (python/mwaa/config/airflow.py)
    """

    id = "PLG004"
    name = "custom-executor"
    severity = Severity.ERROR
    summary = "Custom executor that MWAA will not run"
    valid = (Valid(files={"airflow.cfg": "[core]\nexecutor = CeleryExecutor\n"}),)
    invalid = (Invalid(files={"airflow.cfg": "[core]\nexecutor = acme.executors.BatchExecutor\n"}, line=2,
                       contains="acme.executors.BatchExecutor"),
               Invalid("from airflow.plugins_manager import AirflowPlugin\n\n\nclass AcmeExecutor:\n    pass\n\n\n"
                       "class AcmePlugin(AirflowPlugin):\n    name = 'acme'\n    executors = [AcmeExecutor]\n",
                       path="plugins/acme_plugin.py", line=10, contains="AcmeExecutor"))

    def check(self, project, ctx):
        forced = compat.config_policy(ctx.target).forced_option("core.executor")
        mwaa_executor = forced.value if forced and forced.value else "its own executor"
        for plugin in project.plugins.plugins:
            registration = plugin.registered("executors")
            if registration is not None:
                yield self.finding(plugin.path, _at(registration.line),
                                   f"plugin '{plugin.name or plugin.class_name}' registers executors "
                                   f"({_short(registration.items)}): MWAA runs {mwaa_executor} only",
                                   anchor=f"{plugin.class_name}\x1fexecutors")
        for entry in project.config.entries:
            if entry.option == "core.executor" and "." in entry.value.strip():
                yield self.finding(entry.path, _at(entry.line),
                                   f"{entry.where} = {entry.value.strip()} is a custom executor: MWAA runs "
                                   f"{mwaa_executor} only",
                                   anchor=f"{entry.option}\x1fexecutor")
