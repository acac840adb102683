"""CON003: Connection defined in a plain environment variable"""

from __future__ import annotations

from migrator.analysis.connections import CONN_PREFIX
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at, mwaa_defined_connections


class ConnectionInEnv(ProjectRule):
    """
    ## What it does
    Reports connections defined as `AIRFLOW_CONN_*` environment variables (`.env`, compose,
    Dockerfile `ENV`, entrypoint and startup scripts). A variable only passed through from the
    shell (`AIRFLOW_CONN_X: ${AIRFLOW_CONN_X:-}`) defines nothing here: CON001 asks for the
    connection where the code uses it.

    ## Why it matters on MWAA
    MWAA has no place for them except `startup.sh`, which puts the credentials in an S3
    object and in every component's environment. Secrets Manager is the supported store.

    ## Example
    ```bash
    AIRFLOW_CONN_WAREHOUSE=postgres://etl:s3cret@warehouse.internal:5432/dw
    ```

    ## Fix
    `migrator connections export --apply` creates `airflow/connections/<id>` secrets from these
    definitions and prints the `secrets.backend` options to set; then delete the variables.
    A connection MWAA defines itself (`aws_default`: the execution role) does not move: MWAA's
    secrets backend never looks it up; grant the execution role what the tasks need instead.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "CON003"
    name = "connection-in-env"
    severity = Severity.WARNING
    summary = "Connection defined in a plain environment variable"
    valid = (Valid(files={"connections.json": '{"warehouse": {"conn_type": "postgres", "host": "db.example.com"}}\n'}),
             # passed through from the shell: nothing is defined here (CON001 asks for the secret)
             Valid(files={"docker-compose.yml": "services:\n  airflow:\n    environment:\n"
                                                "      AIRFLOW_CONN_LWDB: ${AIRFLOW_CONN_LWDB:-}\n"}))
    invalid = (Invalid(files={".env": "AIRFLOW_CONN_WAREHOUSE=postgres://etl@db.example.com:5432/dw\n"}, line=1,
                       contains="airflow/connections/warehouse"),
               # the fallback of a pass-through is a definition in plain text
               Invalid(files={".env": "AIRFLOW_CONN_CRM=${CRM_URI:-http://etl@crm.example.com}\n"}, line=1,
                       contains="airflow/connections/crm"),
               # a local aws_default (an AWS CLI profile): on MWAA it is the execution role, not a secret
               Invalid(files={".env": 'AIRFLOW_CONN_AWS_DEFAULT={"conn_type": "aws", "extra": {"profile_name": "dev"}}\n'},
                       line=1, contains="execution role"))

    def check(self, project, ctx):
        by_mwaa = mwaa_defined_connections(ctx.target)
        for conn in project.connections.deployed(project.connections.connections):
            if not conn.value_known:
                continue  # passed through from the shell: nothing is defined in plain text
            if conn.origin == "env" and conn.conn_id in by_mwaa:
                yield self.finding(conn.path, _at(conn.line),
                                   f"{CONN_PREFIX}{conn.conn_id.upper()} is a local definition: MWAA defines "
                                   f"{conn.conn_id} itself, with the environment's execution role, and its secrets "
                                   "backend never looks it up: leave it out of the bundle and grant the execution "
                                   "role what the tasks need", anchor=f"{conn.conn_id}\x1fenv", severity=Severity.INFO)
            elif conn.origin == "env":
                yield self.finding(conn.path, _at(conn.line),
                                   f"{CONN_PREFIX}{conn.conn_id.upper()} defines a connection in plain environment "
                                   f"configuration: move it to Secrets Manager as airflow/connections/{conn.conn_id} "
                                   "(migrator connections export)",
                                   anchor=f"{conn.conn_id}\x1fenv")
