"""API001: Airflow name imported from a path the target moved or renamed"""

from __future__ import annotations

from collections.abc import Iterator

from migrator import compat
from migrator.analysis import airflow_api
from migrator.analysis.airflow_api import ImportVerdict
from migrator.analysis.python import ModuleFacts
from migrator.compat import MwaaVersion
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceImport
from migrator.rules.api._helpers import import_problems
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


def _provider_note(verdict: ImportVerdict, target: MwaaVersion) -> str:
    if not verdict.provider:
        return ""
    if verdict.preinstalled:
        return f" ({verdict.requirement}, preinstalled on MWAA {target.airflow})"
    return (f" (add {verdict.requirement} to requirements.txt: MWAA {target.airflow} does not "
            f"preinstall it)")


class MovedImportRule(PythonRule):
    """
    ## What it does
    Reports Airflow names imported from a path the target moved or renamed: 1.10/2.x core paths
    that now live in provider packages or the Task SDK, `airflow.contrib`, renamed classes, and
    1.10 plugin-manager imports (`from airflow.operators.acme_plugin import Op`), in every import
    form (aliases, `import a.b as c` then `c.Name`, `import airflow` then `airflow.contrib.x.Y`).
    On an Airflow 2 target it also reports Airflow 3 names (`from airflow.sdk import dag`) that
    Airflow 2 has elsewhere (`airflow.decorators.dag`).
    The message names the new path and the provider distribution (with its minimum version) that
    supplies it, and says whether MWAA preinstalls it.

    ## Why it matters on MWAA
    When the old path is gone on the target, the DAG file fails to import and the DAG disappears
    (error). When the target still redirects it, the DAG loads with a deprecation warning that
    becomes an import error on the next major version (warning). Where the old path still works
    as an alias, the finding is informational: Airflow 3 keeps many moved names importable with a
    deprecation warning (`airflow.operators.python`, `airflow.utils.context.Context`,
    `airflow.models.dag.DAG`), read from each release's own deprecation tables. Try/except
    `ImportError` shims that already offer the new path are not reported.

    ## Example
    ```python
    from airflow.operators.bash_operator import BashOperator
    from airflow.operators.acme_plugin import SftpToS3Operator
    ```

    ## Fix
    Import from the new path (a safe automatic fix; renamed classes are an unsafe one) and add
    the provider to requirements.txt when MWAA does not preinstall it. Plugin classes are imported
    from their own module: MWAA puts the plugins folder (plugins.zip) on `sys.path`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    - https://docs.astral.sh/ruff/rules/airflow3-moved-to-provider/
    """

    id = "API001"
    name = "moved-import"
    severity = Severity.ERROR
    summary = "Airflow name imported from a path the target moved or renamed"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.providers.standard.operators.bash import BashOperator
            from airflow.sdk import DAG
        """),
        Valid("from airflow.operators.bash import BashOperator", target=compat.newest_version(major=2).airflow),
        Valid("""
            try:
                from airflow.providers.standard.operators.bash import BashOperator
            except ImportError:
                from airflow.operators.bash import BashOperator
        """, target="2.11.2"),
        Valid("""
            try:
                from airflow.operators.bash_operator import BashOperator
            except ImportError:
                from airflow.providers.standard.operators.bash import BashOperator
        """),
        Valid("""
            from airflow.models import Variable

            VALUE = Variable.get("x")
        """),
    )
    invalid = (
        Invalid("from airflow.operators.bash_operator import BashOperator", line=1,
                contains="airflow.providers.standard.operators.bash.BashOperator"),
        Invalid("from airflow.operators.bash_operator import BashOperator as Bash", target="2.11.2",
                line=1, contains="deprecation"),
        Invalid("""
            import airflow.operators.bash_operator as bo

            t = bo.BashOperator(task_id="a", bash_command="echo")
        """, line=3, contains="airflow.providers.standard.operators.bash.BashOperator"),
        Invalid("""
            import airflow

            hook = airflow.contrib.hooks.aws_hook.AwsHook(aws_conn_id="aws_default")
        """, line=3, contains="AwsBaseHook"),
        Invalid("from airflow.contrib.operators.ssh_operator import SSHOperator", line=1,
                contains="add apache-airflow-providers-ssh"),
        Invalid("from airflow.operators.acme_plugin import SftpToS3Operator", line=1,
                contains="acme.operators.sftp_to_s3.SftpToS3Operator",
                files={"plugins/acme_plugin.py": (
                    "from airflow.plugins_manager import AirflowPlugin\n"
                    "from acme.operators.sftp_to_s3 import SftpToS3Operator\n\n"
                    "class AcmePlugin(AirflowPlugin):\n"
                    "    name = 'acme_plugin'\n"
                    "    operators = [SftpToS3Operator]\n"),
                    "plugins/acme/__init__.py": "",
                    "plugins/acme/operators/__init__.py": "",
                    "plugins/acme/operators/sftp_to_s3.py": (
                        "from airflow.models.baseoperator import BaseOperator\n\n"
                        "class SftpToS3Operator(BaseOperator):\n    pass\n")}),
        Invalid("from airflow.operators.python import PythonOperator", line=1, contains="still works"),
        # A plain module's own alias (add_deprecated_classes in airflow/utils/context.py): it
        # imports on 3.x, so the finding is no error; the fix moves it to the Task SDK all the same.
        Invalid("""
            from airflow.utils.context import Context

            def on_failure(context: Context) -> None:
                print(context["ti"].task_id)
        """, line=1, contains=f"still works on Airflow {compat.newest_with_image().airflow} as a deprecated alias", fixed="""
            from airflow.sdk import Context

            def on_failure(context: Context) -> None:
                print(context["ti"].task_id)
        """),
        # An Airflow 3 project on an Airflow 2 target: each Task SDK name goes to its Airflow 2
        # home (the common.compat provider's table), a renamed one with its uses; the import is
        # the finding, not each use (task.short_circuit).
        Invalid("""
            from airflow.sdk import Asset, dag, task, get_current_context

            RAW = Asset("s3://bucket/raw.csv")

            @dag(schedule=[RAW])
            def consume():
                @task.short_circuit
                def check():
                    return get_current_context()["ti"] is not None

                check()
        """, target=compat.newest_version(major=2).airflow, line=1,
                contains=f"is Airflow {compat.newest_version().airflow}'s path, which Airflow "
                         f"{compat.newest_version(major=2).airflow} does not have",
                fixed="""
            from airflow.datasets import Dataset
            from airflow.decorators import dag, task
            from airflow.operators.python import get_current_context

            RAW = Dataset("s3://bucket/raw.csv")

            @dag(schedule=[RAW])
            def consume():
                @task.short_circuit
                def check():
                    return get_current_context()["ti"] is not None

                check()
        """),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        for problem in import_problems(module, ctx):
            if problem.plugin_module:
                yield self.at_node(
                    module, problem.node,
                    f"{problem.old} is a 1.10 plugin-manager import, which Airflow 2+ no longer "
                    f"provides: import {problem.plugin_module} (MWAA puts the plugins folder on sys.path)",
                    fix=ReplaceImport(safety=FixSafety.SAFE, description=f"import {problem.plugin_module}",
                                      old=problem.old, new=problem.plugin_module))
                continue
            verdict = problem.verdict
            if verdict is None or verdict.kind == "removed":
                continue
            renamed = verdict.kind == "renamed"
            advice = f" {verdict.advice}" if verdict.advice else ""
            if newer := airflow_api.newer_than(verdict.old, target):  # code written for a newer Airflow
                message = (f"{verdict.old} is Airflow {newer}'s path, which Airflow {target.airflow} does not "
                           f"have: use {verdict.new}{_provider_note(verdict, target)}.{advice}")
            else:
                if verdict.severity is Severity.ERROR:
                    status = f"the old path does not exist on Airflow {target.airflow}"
                elif verdict.severity is Severity.WARNING:
                    status = (f"the old path still imports on Airflow {target.airflow} with a deprecation "
                              f"warning{' and is gone in Airflow 3' if target.major < 3 else ''}")
                else:
                    status = f"the old path still works on Airflow {target.airflow} as a deprecated alias"
                message = (f"{verdict.old} {'was renamed' if renamed else 'moved'}: use {verdict.new}"
                           f"{_provider_note(verdict, target)}; {status}.{advice}")
            # A pod object's constructor differs from its client model's: API014 rewrites the
            # calls, and the import goes with them; swapping the import alone would break them.
            fix = None if airflow_api.kubernetes_object(verdict.old, target) else ReplaceImport(
                safety=FixSafety.UNSAFE if renamed else FixSafety.SAFE, description=f"import {verdict.new}",
                old=verdict.old, new=verdict.new, required=verdict.severity is Severity.ERROR)
            yield self.at_node(module, problem.node, message, severity=verdict.severity, fix=fix)
