"""CON001: Connection used by the code but defined nowhere in the project"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at, mwaa_defined_connections, undefined_anchor


class UndefinedConnection(ProjectRule):
    """
    ## What it does
    Reports connection ids the DAG or plugin code uses (`*_conn_id="x"`, `get_connection("x")`,
    `{{ conn.x }}`) that the project defines nowhere: not in env files, compose, exports,
    `airflow_settings.yaml` or `airflow connections add` lines.

    ## Why it matters on MWAA
    On-prem they usually live only in the old metadata database, which does not move to MWAA.
    The first task that uses one fails with "The conn_id `x` isn't defined".

    ## Example
    ```python
    SnowflakeOperator(task_id="load", snowflake_conn_id="snowflake_prod", sql="...")
    ```

    ## Fix
    Export the connections from the old environment (`airflow connections export
    connections.json`), keep the file out of git, and create the secrets with
    `migrator connections export --apply`; or create `airflow/connections/<id>` in Secrets
    Manager by hand.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    - https://airflow.apache.org/docs/apache-airflow/stable/howto/connection.html
    """

    id = "CON001"
    name = "undefined-connection"
    severity = Severity.WARNING
    summary = "Connection used by the code but defined nowhere in the project"
    valid = (Valid("from airflow.hooks.base import BaseHook\nBaseHook.get_connection('warehouse')\n",
                   files={".env": "AIRFLOW_CONN_WAREHOUSE=postgres://user@db.example.com:5432/dw\n"}),
             Valid("from airflow.providers.amazon.aws.hooks.s3 import S3Hook\nS3Hook(aws_conn_id='aws_default')\n"),
             # AIRFLOW_CONN_<ID upper-cased> in a compose file's environment defines the id in any case
             Valid("from airflow.hooks.base import BaseHook\nBaseHook.get_connection('Metrics_DB')\n",
                   files={"local/docker-compose.yml": "services:\n  airflow:\n    environment:\n"
                                                      "      AIRFLOW_CONN_METRICS_DB: postgres://etl@db.example.com/m\n"}),
             # a connections export named for its stage, in any folder
             Valid("from airflow.hooks.base import BaseHook\nBaseHook.get_connection('hpc')\n",
                   files={"settings/conn.json": '{"hpc": "ssh://etl@hpc.example.com"}\n'}),
             # a templated id is no connection id: Airflow renders it from the variable
             Valid("from airflow.providers.postgres.hooks.postgres import PostgresHook\n"
                   "PostgresHook(postgres_conn_id='{{ var.value.warehouse_conn }}')\n",
                   files={"variables.json": '{"warehouse_conn": "warehouse"}\n',
                          "connections.json": '{"warehouse": "postgres://etl@db.example.com/dw"}\n'}))
    invalid = (Invalid("from airflow.providers.postgres.hooks.postgres import PostgresHook\n\n"
                       "hook = PostgresHook(postgres_conn_id='warehouse')\n", line=3, contains="warehouse"),
               Invalid("from airflow.operators.bash import BashOperator\n"
                       "BashOperator(task_id='t', bash_command='curl {{ conn.api_gateway.host }}')\n",
                       line=2, contains="api_gateway"),
               # passed through from the developer's shell: the project holds no definition
               Invalid("from airflow.hooks.base import BaseHook\nBaseHook.get_connection('lwdb')\n",
                       files={"docker-compose.yml": "services:\n  airflow:\n    environment:\n"
                                                    "      AIRFLOW_CONN_LWDB: ${AIRFLOW_CONN_LWDB:-}\n"},
                       contains="lwdb"))

    def check(self, project, ctx):
        facts = project.connections
        by_mwaa = mwaa_defined_connections(ctx.target)
        defined = facts.defined_connection()
        seen: set[tuple[str, str]] = set()
        for reference in facts.references:
            if reference.kind != "connection" or reference.key in by_mwaa or defined(reference.key):
                continue
            if (reference.key, reference.path) in seen:
                continue
            seen.add((reference.key, reference.path))
            yield self.finding(reference.path, _at(reference.line),
                               f"connection '{reference.key}' is used here but defined nowhere in the project: "
                               f"create the secret airflow/connections/{reference.key} before this runs on MWAA",
                               anchor=undefined_anchor("connection", reference.key))
