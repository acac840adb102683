"""CON008: Connection definition Airflow cannot parse"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at
from migrator.secrets import mask


class InvalidConnection(ProjectRule):
    """
    ## What it does
    Reports connection definitions Airflow cannot parse: `AIRFLOW_CONN_*` values that are
    neither a URI nor a JSON object, broken JSON, URIs with invalid ports.

    ## Why it matters on MWAA
    Airflow fails when a task looks the connection up, and `migrator connections export` cannot
    build a secret from it.

    ## Example
    ```bash
    AIRFLOW_CONN_API={"conn_type": "http", "host": "api.example.com"
    ```

    ## Fix
    Correct the value (URI: `type://login:password@host:port/schema?extra=...`, or a JSON
    object with `conn_type`, `host`, ...).

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/howto/connection.html
    """

    id = "CON008"
    name = "invalid-connection"
    severity = Severity.ERROR
    summary = "Connection definition Airflow cannot parse"
    valid = (Valid(files={".env": 'AIRFLOW_CONN_API=\'{"conn_type": "http", "host": "api.example.com"}\'\n'}),)
    invalid = (Invalid(files={".env": 'AIRFLOW_CONN_API=\'{"conn_type": "http", "host": "api.example.com"\'\n'},
                       line=1, contains="invalid JSON"),
               Invalid(files={".env": "AIRFLOW_CONN_DB=postgres://etl@db.example.com:99999/dw\n"}, contains="not a valid"))

    def check(self, project, ctx):
        for conn in project.connections.deployed(project.connections.connections):
            if conn.problem:
                yield self.finding(conn.path, _at(conn.line), f"connection '{conn.conn_id}': {mask(conn.problem)}",
                                   anchor=f"{conn.conn_id}\x1finvalid")
