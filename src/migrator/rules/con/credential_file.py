"""CON010: Credential file of another tool in the DAGs or plugins folder"""

from __future__ import annotations

from migrator.analysis.credential_files import describe
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at


class CredentialFileInDagsFolder(ProjectRule):
    """
    ## What it does
    Reports credential files of other tools inside the DAG and plugins folders: a dbt
    `profiles.yml`, a kubeconfig with an embedded token or client key, a Google service-account
    key, `.netrc`, `.pgpass`, a private key, a shell script that exports `DB_PASSWORD=...`,
    `*.properties`, INI, JSON or YAML settings with literal secrets. Files are recognised by
    their structure (keys and formats), not by their name; values are never printed.

    ## Why it matters on MWAA
    MWAA copies the DAGs folder and `plugins.zip` from S3 onto every scheduler and worker:
    the file is readable by everyone who can read the bucket or the repository, and rotating
    the secret means redeploying. `migrator package` leaves such files out of the bundle (and
    says so), so a DAG that reads one fails on MWAA until the secret moves. A kubeconfig that
    authenticates with `aws eks get-token`, as MWAA's EKS setup writes it, holds no secret and
    is not reported.

    ## Example
    ```yaml
    # dags/dbt/profiles.yml
    warehouse:
      target: prod
      outputs:
        prod: {type: postgres, host: dw.example.com, user: etl, password: s3cret, dbname: dw}
    ```

    ## Fix
    Keep the secret in Secrets Manager (MWAA's secrets backend serves it as a connection or a
    variable) and have the file refer to it, e.g. `password: "{{ env_var('DBT_PASSWORD') }}"`
    with the variable set when the task runs. `migrator package --include PATH` ships a file
    anyway.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-eks-example.html
    - https://docs.getdbt.com/reference/dbt-jinja-functions/env_var
    """

    id = "CON010"
    name = "credential-file"
    severity = Severity.ERROR
    summary = "Credential file of another tool in the DAGs or plugins folder"
    valid = (
        Valid(files={"dags/dbt/profiles.yml": "warehouse:\n  target: prod\n  outputs:\n    prod:\n"
                                               "      type: postgres\n      password: \"{{ env_var('DBT_PASSWORD') }}\"\n",
                     "dags/etl.py": "from airflow import DAG\n"}),
        Valid(files={"dags/kube_config.yaml": "apiVersion: v1\nkind: Config\nusers:\n- name: aws\n  user:\n"
                                              "    exec:\n      command: aws\n      args: [eks, get-token, --cluster-name, c]\n",
                     "dags/etl.py": "from airflow import DAG\n"}),
        # an npm lock file: its keys are package names (pgpass, pg-connection-string)
        Valid(files={"dags/report/package-lock.json": '{"dependencies": {"pgpass": {"version": "1.0.5"}, '
                                                      '"pg-connection-string": {"version": "2.6.2"}}}\n',
                     "dags/etl.py": "from airflow import DAG\n"}),
        # the settings of a task called validate-credentials: the id of a secret and a mode
        Valid(files={"dags/report/workflow.yml": "tasks:\n  validate-credentials:\n    env_vars:\n"
                                                 "      REPORT_RUN_MODE: check\n      REPORT_SECRET_ID: report-creds\n",
                     "dags/etl.py": "from airflow import DAG\n"}),
    )
    invalid = (
        Invalid(files={"dags/dbt/profiles.yml": "warehouse:\n  target: prod\n  outputs:\n    prod:\n"
                                                 "      type: postgres\n      password: s3cret-value\n",
                       "dags/etl.py": "from airflow import DAG\n"}, line=6, contains="outputs.prod.password"),
        Invalid(files={"dags/kube_config.yaml": "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
                                                "    token: eyJhbGciOiJSUzI1NiJ9\n",
                       "dags/etl.py": "from airflow import DAG\n"}, line=6, contains="kubeconfig"),
        Invalid(files={"plugins/setenv.sh": "#!/bin/sh\nexport WAREHOUSE_PASSWORD=s3cret-value\n"}, line=2,
                contains="WAREHOUSE_PASSWORD"),
        # under a key the format names as secret, every value is one
        Invalid(files={"dags/dbt/profiles.yml": "warehouse:\n  outputs:\n    prod:\n      type: bigquery\n"
                                                 "      keyfile_json:\n        client_email: etl@p.iam\n",
                       "dags/etl.py": "from airflow import DAG\n"}, line=6, contains="keyfile_json.client_email"),
    )

    def check(self, project, ctx):
        for found in project.credential_files:
            yield self.finding(found.path, _at(found.line),
                               f"contains {describe(found.format, found.fields)}: {found.format.advice}; "
                               "`migrator package` leaves it out of the bundle",
                               anchor="credential-file")
