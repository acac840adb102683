"""MWA019: Variable value is a path into another platform's folder"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.connections import mentioned_keys
from migrator.analysis.strings import is_under
from migrator.findings import Location, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.mwa._helpers import _in_mwaa_folder

_READS_SCHEMA_FILEPATH = 'from airflow.models import Variable\n\nSCHEMAS = Variable.get("schema_filepath")\n'


_RUNS_UNLOAD_SQL = ('from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator\n\n'
                    'UNLOAD = SQLExecuteQueryOperator(task_id="unload", conn_id="dw", sql="sql/unload.sql")\n')


class OtherPlatformPathInVariable(ProjectRule):
    """
    ## What it does
    Reports an Airflow Variable the project defines (a variables export, `AIRFLOW_VAR_*`,
    Astronomer's `airflow_settings.yaml`) whose value is a path into a folder another platform
    mounts: Cloud Composer's `/home/airflow/gcs/dags`, `plugins` and `data`, the docker-compose
    stack's `/opt/airflow/dags`, when some code or template reads it (its key appears in the
    project's Python, SQL or template files, not only in the export or a README).

    ## Why it matters on MWAA
    DAG code reads these paths through `Variable.get`, so no scan of the code sees them; on
    MWAA the folder is not there and the file read fails (`FileNotFoundError`), often while
    the DAG file loads. The DAG and plugins folders are MWAA's under `/usr/local/airflow`;
    Composer's `data/` folder, synced from its bucket, has no MWAA counterpart.

    ## Example
    ```json
    {"schema_filepath": "/home/airflow/gcs/dags/schemas/"}
    ```

    ## Fix
    Set the variable, where MWAA reads it (Secrets Manager `airflow/variables/<key>` or the
    metadata database), to MWAA's folder (`/usr/local/airflow/dags/schemas/`); keep data from a
    `data/` folder in S3. When the files it names are a project folder outside the DAG folder
    (a repository-root `schemas/` that only the other platform's deploy script copies into its
    DAG folder), put that folder in the DAG folder too (or in S3).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    - https://cloud.google.com/composer/docs/composer-2/cloud-storage
    """

    id = "MWA019"
    name = "other-platform-path-in-variable"
    severity = Severity.ERROR
    summary = "Variable value is a path into another platform's folder"
    valid = (Valid(files={"variables.json": '{"schema_filepath": "/usr/local/airflow/dags/schemas/"}\n',
                          "dags/load.py": _READS_SCHEMA_FILEPATH}),
             # Any other local path in a value may be a remote host's: only the known mounts are claimed.
             Valid(files={"variables.json": '{"remote_dir": "/home/etl/outbound"}\n',
                          "dags/send.py": 'from airflow.models import Variable\n\nREMOTE = Variable.get("remote_dir")\n'}),
             # A variable no code or template reads (only the export and the README name it) breaks nothing.
             Valid(files={"variables.json": '{"output_path": "/home/airflow/gcs/data/"}\n',
                          "README.md": "| output_path | shared output folder |\n",
                          "dags/export.py": 'from airflow.models import Variable\n\nOUT = Variable.get("local_output_path")\n'}))
    invalid = (Invalid(files={"variables.json": '{\n  "schema_filepath": "/home/airflow/gcs/dags/schemas/"\n}\n',
                              "dags/load.py": _READS_SCHEMA_FILEPATH},
                       line=2, contains="set it to /usr/local/airflow/dags/schemas/"),
               # The files are the repository's schemas/, which only Composer's deploy script copies
               # into dags/: the bundle must carry them too.
               Invalid(files={"variables.json": '{\n  "schema_filepath": "/home/airflow/gcs/dags/schemas/"\n}\n',
                              "dags/load.py": _READS_SCHEMA_FILEPATH, "schemas/orders.json": "{}\n",
                              "deploy.sh": "gsutil -m cp -r schemas/* gs://$BUCKET/dags/schemas/\n"},
                       line=2, contains="put schemas/ in the DAG folder (or keep it in S3) and set the variable "
                                        "to /usr/local/airflow/dags/schemas/"),
               # Read by a template the DAG folder ships.
               Invalid(files={".env": "AIRFLOW_VAR_OUTPUT_PATH=/home/airflow/gcs/data/\n",
                              "dags/unload.py": _RUNS_UNLOAD_SQL,
                              "dags/sql/unload.sql": "COPY t TO '{{ var.value.output_path }}/t.csv';\n"}, line=1,
                       contains="data folder of Cloud Composer, which MWAA does not have"))

    def check(self, project, ctx):
        flagged = []
        for variable in project.connections.variables:
            value = (variable.value or "").strip()
            folder = next((f for f in compat.other_platform_folders() if is_under(value, (f.path,))), None)
            if folder is not None:
                flagged.append((variable, value, folder))
        # A variable nothing reads breaks nothing, whatever its value.
        read = mentioned_keys(project.workspace, {v.key for v, _, _ in flagged},
                              {v.path for v, _, _ in flagged}, project.file_facts) if flagged else frozenset()
        for variable, value, folder in flagged:
            if variable.key.lower() not in read:
                continue
            unshipped = _unshipped_project_path(project.workspace, value, folder) if folder.mwaa else None
            if unshipped:
                advice = (f"on MWAA it is {folder.mwaa}, where the bundle does not put the project's {unshipped} "
                          f"(only {folder.platform}'s deployment copies it there): put {unshipped} in the "
                          f"{folder.role} folder (or keep it in S3) and set the variable to {_in_mwaa_folder(value, folder)}")
            elif folder.mwaa:
                advice = f"on MWAA it is {folder.mwaa}: set it to {_in_mwaa_folder(value, folder)}"
            else:
                advice = "which MWAA does not have: keep the data in S3 (S3Hook) and store its S3 URI"
            yield self.finding(variable.path, Location(variable.line, 1, variable.line, 2),
                               f"variable {variable.key} = {value} is the {folder.role} folder of {folder.platform}"
                               f"{'; ' if folder.mwaa else ', '}{advice}",
                               anchor=f"{variable.key}\x1fother-platform-path")


def _unshipped_project_path(workspace, value: str, folder: compat.OtherPlatformFolder) -> str | None:
    """The project's path a value under another platform's folder names, when the bundle's
    folder of that role lacks it but the project has it elsewhere (Composer deploy scripts copy
    a repository-root ``schemas/`` into ``dags/``): ``schemas/``. None when the folder ships it
    or the project has no such path."""
    rest = value[len(folder.path):].strip("/")
    if not rest:
        return None
    shipped = workspace.dag_folders if folder.role == "DAG" else [workspace.plugins_folder or ""]
    if any(f and workspace.path(rest if f == "." else f"{f}/{rest}").exists() for f in shipped):
        return None
    bases = dict.fromkeys(["", *(f.rpartition("/")[0] for f in shipped if f and f != ".")])
    found = next((f"{base}/{rest}" if base else rest for base in bases
                  if workspace.path(f"{base}/{rest}" if base else rest).exists()), None)
    return found and found + ("/" if value.endswith("/") else "")
