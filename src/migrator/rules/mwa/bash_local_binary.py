"""MWA004: Command runs a program or script MWAA workers do not have"""

from __future__ import annotations

from collections.abc import Iterator

from migrator import compat
from migrator.analysis import airflow_api
from migrator.analysis.commands import command_lines
from migrator.analysis.python import ModuleFacts
from migrator.analysis.shell import guarded_spans
from migrator.analysis.strings import UNKNOWN
from migrator.findings import Finding, Severity, line_anchor
from migrator.rules._common import location_in_static
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.mwa._helpers import _allowed_path, _custom_queues, _on_routed_host


class BashLocalBinaryRule(PythonRule):
    """
    ## What it does
    Reports programs that a `bash_command`, `subprocess` call or `os.system` runs on the worker
    and that MWAA workers do not have (`spark-submit`, `java`, `hdfs`, `beeline`, `psql`,
    `sqlplus`, `kinit`, `docker`, `kubectl`, `gcloud`, `Rscript`, ...), and scripts run from
    absolute paths outside the DAG folder (`/opt/etl/bin/refresh.sh`, `python /opt/jobs/x.py`).
    A command whose and-or list ends in `|| true` (or `|| :`) fails nothing when the program is
    missing: that finding is info, the step only does nothing on MWAA.

    ## Why it matters on MWAA
    On-prem workers are often edge nodes with every client installed and shared script folders
    mounted. MWAA workers are Amazon Linux containers with Python and Airflow only; the command
    exits with "command not found" or "No such file or directory".

    ## Example
    ```python
    BashOperator(task_id="stage", bash_command="spark-submit --master yarn /opt/jobs/stage.py")
    ```

    ## Fix
    Use the AWS service or provider operator that does the same work (EMR steps, Glue, Athena,
    SQLExecuteQueryOperator, EcsRunTaskOperator, ...). Ship scripts in the DAG folder and call
    them relative to it (`bash {{ dag.folder }}/scripts/x.sh`). A client that must run locally
    can be installed by a startup script (`startup.sh`). A script of the host a task was routed
    to (`queue=` of on-prem or HPC workers) stays there: run it over SSH (`SSHOperator`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/samples-emr.html
    """

    id = "MWA004"
    name = "bash-local-binary"
    severity = Severity.ERROR
    summary = "Command runs a program or script MWAA workers do not have"
    needs_airflow_import = False
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="bash {{ dag.folder }}/scripts/rerun.sh {{ ds }} | tee /tmp/log")
        """),
        # requirements.txt lists dbt: the bundle installs it into a venv of its own, on PATH.
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="run", bash_command="dbt run --project-dir {{ dag.folder }}/dbt")
        """, files={"requirements.txt": "dbt-postgres==1.9.1\n"}),
        Valid("""
            import subprocess

            subprocess.run(["python", "-m", "json.tool", "/tmp/x.json"], check=True)
            subprocess.run("echo 'spark-submit is not run here'", shell=True)
        """),
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="scripts/archive_landing.sh")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            JOBS = "/opt/etl/spark-jobs"
            BashOperator(task_id="stage", bash_command="spark-submit --master yarn " + JOBS + "/stage.py")
        """, line=4, contains="spark-submit"),
        Invalid("""
            import subprocess

            def repair():
                subprocess.run(["beeline", "-u", "jdbc:hive2://h:10000", "-e", "MSCK REPAIR TABLE t"])
        """, line=4, contains="beeline"),
        Invalid("""
            from airflow.operators.bash_operator import BashOperator

            BashOperator(task_id="refresh", bash_command="/opt/etl/bin/refresh.sh --db raw ")
        """, line=3, contains="/opt/etl/bin/refresh.sh"),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="kinit -kt /k/etl.keytab etl@R && hdfs dfs -ls /")
        """, contains="hdfs"),
        # Guarded by "|| true", a missing program fails nothing: info, the step only does nothing.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="cleanup", bash_command="docker rm -f ingest 2>/dev/null || true")
        """, line=3, contains="guarded (|| true), so the task does not fail"),
        Invalid("""
            import os

            os.system("sudo -u etl python3 /opt/etl/jobs/load.py")
        """, line=3, contains="/opt/etl/jobs/load.py"),
        # Routed to the queue of an HPC's workers, the script lives on that host: shipping it in
        # the DAG folder is no remedy, the work must still run there.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="backup", queue="hpc_4G", bash_command="bash /home/etl/keys/copy_dump.sh ")
        """, line=3, contains="run it on that host over SSH"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        queues = _custom_queues(module)
        for line in command_lines(module):
            queue = queues.get(line.call, queues.get(None))
            guarded = guarded_spans(line.value.text)
            for command in line.commands:
                program = command.program
                if UNKNOWN in program.text:
                    continue
                harmless = any(start <= program.start < end for start, end in guarded)
                if program.text.startswith("/") and not _allowed_path(program.text):
                    yield self._at(module, line, program.start, program.end,
                                   _on_routed_host(program.text, "a script", queue) or (
                        f"{program.text} is a script on the on-prem workers, outside the DAG folder: ship it in "
                        f"the DAG folder and run it from there ({compat.worker_paths().dags}/..., or "
                        f"{{{{ dag.folder }}}} in templates)"), harmless)
                    continue
                missing = airflow_api.missing_binaries().get(command.name)
                if missing is not None and command.name not in ctx.index.bundled_executables:
                    yield self._at(module, line, program.start, program.end,
                                   f"{command.name} ({missing.provides}) is not installed on MWAA "
                                   f"workers: {missing.advice}", harmless)
                    continue
                script = command.script()
                if script is not None and script.text.startswith("/") and UNKNOWN not in script.text[:2] \
                        and not _allowed_path(script.text):
                    yield self._at(module, line, script.start, script.end,
                                   _on_routed_host(script.text, "a script", queue) or (
                        f"{command.name} runs {script.text}, a script outside the DAG folder: ship it in the "
                        f"DAG folder and run it from there"), harmless)

    def _at(self, module: ModuleFacts, line, start: int, end: int, message: str, guarded: bool) -> Finding:
        """The finding; info when the command's and-or list ends in ``|| true``: the missing
        program fails nothing, the command only does nothing on MWAA."""
        _node, location = location_in_static(module, line.value, start, end, line.expression)
        anchor = f"{line_anchor(module.line_text(location.line), location.column)}\x1f{message}"
        if guarded:
            message = (message.rstrip(".") + "; the command is guarded (|| true), so the task does not fail on "
                       "MWAA, but this step does nothing there")
        return self.finding(module.path, location, message, anchor=anchor,
                            severity=Severity.INFO if guarded else None)
