"""CON006: Connection host MWAA cannot reach without network setup"""

from __future__ import annotations

from migrator.analysis.connections import host_reachability
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at


class UnreachableHost(ProjectRule):
    """
    ## What it does
    Reports connections whose host MWAA cannot reach without network work: loopback and
    Docker host names, private addresses, single-label names (docker-compose services) and
    internal DNS suffixes. Test fixtures are not checked: an export that only test or CI
    configuration names (the `connections_file_path` of a local secrets backend in `tox.ini`
    or a workflow), and what a CI service's folder (`.travis/`, `.github/`, ...) or a CI test
    image's Dockerfile (`Dockerfile.travis`) defines (`compat/data/ci_layout.json`).

    ## Why it matters on MWAA
    Tasks run in your VPC's private subnets. `localhost` is the worker container, compose
    service names do not exist, and on-prem addresses need VPN, Direct Connect or peering with
    routes and security groups; the tasks time out until then.

    ## Example
    ```text
    AIRFLOW_CONN_WAREHOUSE=postgres://etl@postgres:5432/dw
    ```

    ## Fix
    Point the connection at an address reachable from the MWAA subnets (an RDS endpoint, a
    host over VPN/Direct Connect), and set up routing, DNS (Route 53 Resolver rules for
    internal names) and security groups.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/networking-about.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-faqs.html
    """

    id = "CON006"
    name = "unreachable-host"
    severity = Severity.WARNING
    summary = "Connection host MWAA cannot reach without network setup"
    valid = (Valid(files={".env": "AIRFLOW_CONN_WAREHOUSE=postgres://etl@dw.abc123.eu-west-1.rds.amazonaws.com:5432/dw\n"}),
             # not host names: a variable the shell fills in, a tenant id kept in the host field
             Valid(files={"entrypoint.sh": "#!/bin/sh\nairflow connections add dw --conn-type postgres "
                                           "--conn-host $DW_HOST\n",
                          "connections.json": '{"adls": {"conn_type": "azure_data_lake", '
                                              '"host": "0c8a7e2f-52d1-4c9e-a0f4-3b6d2e9f1a7c"}}\n'}),
             # the fixture of a local secrets backend that only the test runs read
             Valid(files={"tox.ini": "[testenv]\nsetenv =\n    AIRFLOW__SECRETS__BACKEND_KWARGS = "
                                     "'{\"connections_file_path\": \"secrets/conn.json\"}'\n",
                          "secrets/conn.json": '{"hpc": "ssh://hpc_login"}\n'}),
             # the entrypoint of a CI test image adds a dummy connection before pytest runs
             Valid(files={"Dockerfile.travis": "FROM python:3.11\nCOPY .travis/entrypoint.sh /entrypoint.sh\n",
                          ".travis/entrypoint.sh": "#!/bin/sh\nairflow connections add warehouse --conn-type postgres "
                                                   "--conn-host localhost\npytest\n"}))
    invalid = (Invalid(files={".env": "AIRFLOW_CONN_WAREHOUSE=postgres://etl@postgres:5432/dw\n"}, line=1,
                       contains="docker-compose"),
               Invalid(files={"connections.json": '{"legacy": {"conn_type": "mysql", "host": "10.20.1.15"}}\n'},
                       contains="private address"),
               # CI reads it, but so does the deployment's image
               Invalid(files={".github/workflows/test.yml": "env:\n  CONNECTIONS: secrets/conn.json\n",
                              "Dockerfile": "FROM apache/airflow:2.10.5\nCOPY secrets/conn.json /opt/airflow/\n",
                              "secrets/conn.json": '{"hpc": "ssh://hpc_login"}\n'}, contains="hpc_login"))

    def check(self, project, ctx):
        for conn in project.connections.deployed(project.connections.connections):
            reason = host_reachability(conn.host)
            if reason:
                yield self.finding(conn.path, _at(conn.line),
                                   f"connection '{conn.conn_id}' points at {conn.host}, {reason}",
                                   anchor=f"{conn.conn_id}\x1fhost")
