"""MWA013: Shell script in the DAG folder runs programs or uses paths MWAA lacks"""

from __future__ import annotations

from collections.abc import Iterator

from migrator import compat
from migrator.analysis import airflow_api, platform
from migrator.analysis.shell import commands, stops_on_error, without_comments
from migrator.analysis.strings import absolute_paths, is_under
from migrator.analysis.templates import scripts_run
from migrator.findings import Finding, Location, Severity, line_anchor
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.rules.mwa._helpers import _allowed_path


class ScriptDependencyRule(ProjectRule):
    """
    ## What it does
    Reports, in the shell scripts of the DAG folders that tasks run (`.sh` files that DAG or
    plugin code names, e.g. in a `bash_command`, or that such a script runs), programs MWAA workers do not have (`hdfs`, `kinit`, `spark-submit`,
    `psql`, ...) and absolute local paths outside the folders MWAA fills under
    `/usr/local/airflow` (DAGs, plugins, requirements) and `/tmp`. Files under the system
    folders only root can write (`/var/log`, `/var/run`) are reported as writes that fail; a pid
    file there only when the script stops at the failed write (`set -e`).

    ## Why it matters on MWAA
    The scripts ship to MWAA with the DAG folder, but the programs and the NFS shares they use
    stay on the on-prem workers: the task fails with "command not found" or "No such file or
    directory" when the script runs. `/var/log` and `/var/run` exist on the workers, but tasks
    run as the airflow user, so a log or pid file there fails with "Permission denied".

    ## Example
    ```bash
    kinit -kt /home/airflow/keys/etl.keytab etl@CORP.ACME.LOCAL
    hdfs dfs -test -d "hdfs:///warehouse/raw/${table}"
    ```

    ## Fix
    Replace the program with the AWS service or provider operator that does the work (EMR steps,
    S3 operators, SQLExecuteQueryOperator); keep data in S3 instead of local shares. A client that
    must run on the worker can be installed by `startup.sh`. Write logs and pid files to `/tmp`,
    or logs to stdout, which Airflow keeps in the task log.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    """

    id = "MWA013"
    name = "script-local-dependency"
    severity = Severity.ERROR
    summary = "Shell script in the DAG folder runs programs or uses paths MWAA lacks"
    valid = (
        Valid(files={"dags/scripts/ok.sh": "#!/usr/bin/env bash\n# reads /data/x in the old days\n"
                     "set -euo pipefail\ntar -cf /tmp/x.tar \"$1\"\necho done > /dev/null\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/ok.sh x'\n"}),
        # No task runs a script the code never names: a manual set-up step, a server's cron job.
        Valid(files={"dags/ddls/create_tables.sh": "#!/usr/bin/env bash\nbq mk --table raw.events\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/load.sh'\n"}),
        # A quoted variable before "/" makes no absolute path.
        Valid(files={"dags/scripts/report.sh": "#!/usr/bin/env bash\n"
                     "python \"${ROOT_DIR}\"/jobs/report.py && cp \"$(pwd)\"/out.csv \"$OUT\"\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'scripts/report.sh '\n"}),
        # A pid file the airflow user cannot write, in a script that goes on after the failed
        # write: only a cron-era overlap guard is lost.
        Valid(files={"dags/scripts/refresh.sh": "PID_FILE=/var/run/refresh.pid\n"
                     "[ -e $PID_FILE ] && exit\necho $$ > \"$PID_FILE\"\npython -m refresh > /tmp/refresh.log\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/refresh.sh'\n"}),
    )
    invalid = (
        Invalid(files={"dags/scripts/rerun.sh": "#!/usr/bin/env bash\nset -e\n"
                       "kinit -kt /home/airflow/keys/etl.keytab etl@R\nhdfs dfs -ls /\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/rerun.sh'\n"},
                line=3, contains="kinit"),
        # A script that a script the DAG runs calls runs on the worker too.
        Invalid(files={"dags/scripts/archive.sh": "ARCHIVE_ROOT=\"/data/archive/pos\"\n",
                       "dags/scripts/nightly.sh": "#!/usr/bin/env bash\n. \"$(dirname \"$0\")/archive.sh\"\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/nightly.sh'\n"},
                line=1, contains="/data/archive/pos"),
        # ssh is the worker's program; the paths of the command it sends are the remote host's.
        Invalid(files={"dags/scripts/submit.sh": "#!/usr/bin/env bash\n"
                       "ssh -i \"$KEY\" hpc \"qsub /rds/project/jobs/align.sh\"\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/submit.sh'\n"}, line=2, contains="ssh (OpenSSH client)"),
        # /var/log is there but root's: the redirect fails; the remedy is /tmp or stdout, not S3.
        Invalid(files={"dags/scripts/refresh.sh": "LOG_FILE=/var/log/refresh.log\n"
                       "python -m refresh >> $LOG_FILE 2>&1\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/refresh.sh'\n"},
                line=1, contains="stdout"),
        # With set -e, the failed pid-file write stops the script.
        Invalid(files={"dags/scripts/refresh.sh": "#!/usr/bin/env bash\nset -e\nPID_FILE=/var/run/refresh.pid\n"
                       "echo $$ > \"$PID_FILE\"\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/refresh.sh'\n"},
                line=3, contains="/var/run/refresh.pid cannot be written"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
        binaries = airflow_api.missing_binaries()
        scripts = [s for s in project.templates if s.is_script]
        for script in scripts_run(scripts, {n for m in project.modules for n in m.script_names}):
            for number, raw in enumerate(script.lines, 1):
                line = without_comments(raw)
                if not line.strip():
                    continue
                skipped = []  # programs (reported above) and what ssh runs on another host
                for command in commands(line):
                    skipped.append((command.program.start, command.program.end))
                    if (remote := command.remote_command()) is not None:
                        skipped.append(remote)
                    missing = binaries.get(command.name)
                    if missing is not None:
                        yield self._at(script.path, number, command.program.start, command.program.end, raw,
                                       f"{command.name} ({missing.provides}) is not installed on MWAA "
                                       f"workers: {missing.advice}")
                for reference in absolute_paths(line):
                    path = reference.path
                    if _allowed_path(path) or any(s <= reference.start < e for s, e in skipped):
                        continue
                    if is_under(path, compat.worker_paths().root_owned):
                        # A pid file that cannot be written only turns off an overlap guard,
                        # unless the script stops at the failed write.
                        if path.endswith(platform.PID_FILE_SUFFIX) and not stops_on_error(script.text):
                            continue
                        message = f"{path} cannot be written on MWAA: {platform.ROOT_OWNED_ADVICE}"
                    else:
                        message = (f"{path} is a local path of the on-prem workers; MWAA workers only have "
                                   f"{platform.WORKER_FOLDERS}: keep the data in S3")
                    yield self._at(script.path, number, reference.start, reference.end, raw, message)

    def _at(self, path: str, line: int, start: int, end: int, text: str, message: str) -> Finding:
        return self.finding(path, Location(line, start + 1, line, end + 1), message,
                            anchor=f"{line_anchor(text, start + 1)}\x1f{message}")
