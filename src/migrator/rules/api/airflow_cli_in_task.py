"""API012: The airflow CLI run from a task"""

from __future__ import annotations

from collections.abc import Iterator

from migrator import compat
from migrator.analysis.commands import command_lines
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity, line_anchor
from migrator.rules._common import location_in_static
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class AirflowCliInTaskRule(PythonRule):
    """
    ## What it does
    Reports the `airflow` command line run from a task (`bash_command`, `subprocess`): on
    Airflow 3 targets every use, on Airflow 2 targets the Airflow 1.10 command forms
    (`airflow trigger_dag`, `airflow clear`, `airflow list_dags`, ...).

    ## Why it matters on MWAA
    Airflow 3 workers have no metadata-database access, and the CLI's DAG and task commands
    need it: `airflow tasks clear` or `airflow dags trigger` from a task fails. The 1.10 command
    names were removed in Airflow 2.0.

    ## Example
    ```python
    BashOperator(task_id="rerun", bash_command="airflow tasks clear --yes daily_sales_rollup")
    ```

    ## Fix
    Use `TriggerDagRunOperator`, `ExternalTaskMarker`, or the Airflow REST API (on MWAA through
    `InvokeRestApi`); on Airflow 2, use the 2.x command names (`airflow dags trigger`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-cli-command-reference.html
    - https://airflow.apache.org/docs/apache-airflow/stable/cli-and-env-variables-ref.html
    """

    id = "API012"
    name = "airflow-cli-in-task"
    severity = Severity.ERROR
    needs_airflow_import = False
    summary = "The airflow CLI run from a task"
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="airflow dags trigger sales")
        """, target="2.11.2"),
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="echo airflow dags trigger sales")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="airflow tasks clear --yes sales && airflow dags trigger x")
        """, line=3, contains="REST API"),
        Invalid("""
            import subprocess

            def rerun():
                subprocess.run(["airflow", "trigger_dag", "sales"], check=True)
        """, target="2.11.2", line=4, contains="airflow dags trigger"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        for line in command_lines(module):
            for command in line.commands:
                if command.name != "airflow":
                    continue
                words = [w.text for w in command.arguments if not w.text.startswith("-")]
                subcommand = " ".join(words[:2]) if words else ""
                old_form = compat.worker_environment().airflow_1_cli.get(words[0]) if words else None
                end = command.arguments[min(1, len(command.arguments) - 1)].end if command.arguments \
                    else command.program.end
                _node, location = location_in_static(module, line.value, command.program.start, end,
                                                     line.expression)
                if old_form is not None:
                    message = (f"`airflow {words[0]}` is the Airflow 1.10 CLI, removed in Airflow 2.0: "
                               f"use `airflow {old_form}`")
                    if target.major >= 3:
                        message += (f"; and on Airflow {target.airflow} workers cannot reach the metadata "
                                    "database the CLI needs: use TriggerDagRunOperator or the REST API")
                elif target.major >= 3:
                    message = (f"`airflow {subcommand}` runs on the worker, and Airflow {target.airflow} "
                               f"workers have no metadata-database access: use TriggerDagRunOperator, "
                               f"ExternalTaskMarker or the Airflow REST API (MWAA InvokeRestApi)")
                else:
                    continue
                yield self.finding(module.path, location, message,
                                   anchor=f"{line_anchor(module.line_text(location.line), location.column)}\x1f{message}")
