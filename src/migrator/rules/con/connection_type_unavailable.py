"""CON005: Connection type whose provider the target lacks"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.analysis.connections import GENERIC_CONNECTION_READS, provider_for_connection_type
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at


class ConnectionTypeUnavailable(ProjectRule):
    """
    ## What it does
    Reports connections whose type is registered by a provider the target neither preinstalls
    nor gets from requirements.txt.

    ## Why it matters on MWAA
    The connection cannot be used (its hook class does not import), and the UI cannot show
    or edit it. A connection the DAG and plugin code never names, or only reads as a generic
    `Connection` (`BaseHook.get_connection`, `{{ conn.x }}`), needs no provider and is not
    reported (a hook the code imports from a missing provider is reported at its import).

    ## Example
    A `snowflake` connection in `connections.json` with no
    `apache-airflow-providers-snowflake` in requirements.txt.

    ## Fix
    Add the provider named in the message to requirements.txt.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/manage-connection-types.html
    - https://airflow.apache.org/docs/apache-airflow-providers/core-extensions/connections.html
    """

    id = "CON005"
    name = "connection-type-unavailable"
    severity = Severity.WARNING
    summary = "Connection type whose provider the target lacks"
    valid = (Valid(files={"connections.json": '{"warehouse": {"conn_type": "snowflake", "host": "acme.snowflakecomputing.com"}}\n',
                          "requirements.txt": "apache-airflow-providers-snowflake\n"}),
             Valid(files={"connections.json": '{"files": {"conn_type": "aws"}}\n'}),
             # read only through BaseHook.get_connection: no Oracle hook, so no provider is needed
             Valid("from airflow.hooks.base import BaseHook\nDB = BaseHook.get_connection('ledger')\n",
                   files={"connections.json": '{"ledger": {"conn_type": "oracle", "host": "ora.example.com"}}\n'}),
             # added by an entrypoint script, used by no DAG or plugin
             Valid("from airflow.hooks.base import BaseHook\nDB = BaseHook.get_connection('ledger')\n",
                   files={"entrypoint.sh": "#!/bin/sh\nairflow connections add legacy_erp --conn-type oracle "
                                           "--conn-host ora.example.com\n"}))
    invalid = (Invalid("from airflow.providers.snowflake.operators.snowflake import SnowflakeOperator\n"
                       "SnowflakeOperator(task_id='load', snowflake_conn_id='warehouse', sql='select 1')\n",
                       files={"connections.json": '{\n  "warehouse": {"conn_type": "snowflake", '
                                                  '"host": "acme.snowflakecomputing.com"}\n}\n'},
                       line=2, contains="apache-airflow-providers-snowflake"),)

    def check(self, project, ctx):
        available = {canonicalize_name(n) for n in compat.preinstalled_providers(ctx.target)}
        available |= project.requirements.names()
        reads: dict[str, set[str]] = {}
        for reference in project.connections.references:
            if reference.kind == "connection":
                reads.setdefault(reference.key.lower(), set()).add(reference.via)
        for conn in project.connections.deployed(project.connections.connections):
            provider = provider_for_connection_type(conn.conn_type)
            if reads.get(conn.conn_id.lower(), set()) <= GENERIC_CONNECTION_READS:
                continue  # unused by the code, or only read as a generic Connection: no hook of its type loads
            if provider and canonicalize_name(provider) not in available:
                yield self.finding(conn.path, _at(conn.line),
                                   f"connection '{conn.conn_id}' has type {conn.conn_type}, registered by {provider}, "
                                   f"which MWAA {ctx.target.airflow} does not preinstall and requirements.txt does "
                                   "not list",
                                   anchor=f"{conn.conn_id}\x1ftype")
