"""CON: connections, variables and secrets.

Definitions and references come from ``project.connections``
(:mod:`migrator.analysis.connections`). No message ever holds a credential: every value that
could be one goes through :mod:`migrator.secrets`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.analysis.config import classify
from migrator.analysis.connections import (
    CONN_PREFIX,
    GENERIC_CONNECTION_READS,
    SECRET_NAME,
    VAR_PREFIX,
    VARIABLE_READ_WITH_DEFAULT,
    ConnectionDef,
    Reference,
    host_reachability,
    provider_for_connection_type,
)
from migrator.analysis.credential_files import describe
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Location, Severity
from migrator.rules.base import Invalid, ProjectRule, PythonRule, RuleContext, Valid
from migrator.secrets import (
    MASK,
    STOCK_PASSWORDS,
    is_literal_secret,
    is_placeholder,
    is_reference,
    is_secret_id,
    is_sensitive_name,
    mask,
    names_a_credential,
    uri_has_password,
)

_ORIGINS = {"env": "an environment variable", "export": "an export file", "settings": "airflow_settings.yaml",
            "cli": "an `airflow connections add` command"}


# The anchors of CON001/CON002, by the kind of reference: verify's lookups of a file that did
# not load are matched to these findings (migrator.outcome).
_UNDEFINED_SUFFIX = {"connection": "conn", "variable": "var"}
UNDEFINED_RULES = {"connection": "CON001", "variable": "CON002"}


def undefined_anchor(kind: str, key: str) -> str:
    return f"{key}\x1f{_UNDEFINED_SUFFIX[kind]}"


def _at(line: int) -> Location:
    return Location(line, 1, line, 2)


def mwaa_defined_connections(target) -> set[str]:
    """Connection ids MWAA defines itself (as ``AIRFLOW_CONN_*`` variables it reserves)."""
    policy = compat.config_policy(target)
    return {p.name[len(CONN_PREFIX):].lower() for p in policy.protected_env_vars
            if p.name.startswith(CONN_PREFIX) and not p.prefix}


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


class UndefinedVariable(ProjectRule):
    """
    ## What it does
    Reports Airflow Variables the code reads (`Variable.get("x")`, `{{ var.value.x }}`,
    `{{ var.json.x }}`) that the project defines nowhere.

    ## Why it matters on MWAA
    Variables live in the old metadata database. On MWAA `Variable.get` raises `KeyError`
    (at parse time when called at the top of a DAG file, which breaks the whole DAG). A read
    with a default (`Variable.get("x", default_var=...)`) does not fail: it is reported as
    information, since an on-prem value that differs from the default is lost.

    ## Example
    ```python
    BUCKET = Variable.get("landing_bucket")
    ```

    ## Fix
    Export the variables (`airflow variables export variables.json`) and create the secrets
    with `migrator connections export --apply`, or create `airflow/variables/<key>` in
    Secrets Manager.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    - https://airflow.apache.org/docs/apache-airflow/stable/howto/variable.html
    """

    id = "CON002"
    name = "undefined-variable"
    severity = Severity.WARNING
    summary = "Variable read by the code but defined nowhere in the project"
    valid = (Valid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                   files={"variables.json": '{"landing_bucket": "acme-landing"}\n'}),
             Valid("from airflow.models import Variable\nENV = Variable.get('ENVIRONMENT')\n",
                   files={"airflow-local/docker-compose.yml": "services:\n  airflow:\n    environment:\n"
                                                              "      AIRFLOW_VAR_ENVIRONMENT: dev\n"}),
             Valid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                   files={"config/dag-variables.json": '{"landing_bucket": "acme-landing"}\n'}))
    invalid = (Invalid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                       line=2, contains="landing_bucket"),
               # with a default nothing fails: only an on-prem value that differs from it is lost
               Invalid("from airflow.models import Variable\nTIMEOUT = Variable.get('timeout', default_var=30)\n",
                       line=2, contains="the default applies"),
               # a JSON file with the word in its name but not an export's shape defines nothing
               Invalid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                       files={"vars.json": '["landing_bucket"]\n'}, contains="landing_bucket"),
               Invalid("from airflow.operators.bash import BashOperator\n"
                       "BashOperator(task_id='t', bash_command='echo {{ var.value.env_name }}')\n",
                       contains="env_name"))

    def check(self, project, ctx):
        facts = project.connections
        defined = facts.defined_variable()
        # per key and file, the read that fails first: one without a default, else the first
        reads: dict[tuple[str, str], Reference] = {}
        for reference in facts.references:
            if reference.kind != "variable" or defined(reference.key):
                continue
            first = reads.setdefault((reference.key, reference.path), reference)
            if first.via == VARIABLE_READ_WITH_DEFAULT and reference.via != VARIABLE_READ_WITH_DEFAULT:
                reads[(reference.key, reference.path)] = reference
        for (key, path), reference in reads.items():
            if reference.via == VARIABLE_READ_WITH_DEFAULT:
                yield self.finding(path, _at(reference.line),
                                   f"variable '{key}' is read with a default and defined nowhere in the project: "
                                   f"on MWAA the default applies; if the on-prem value differs, create the secret "
                                   f"airflow/variables/{key}",
                                   anchor=undefined_anchor("variable", key), severity=Severity.INFO)
            else:
                yield self.finding(path, _at(reference.line),
                                   f"variable '{key}' is read here but defined nowhere in the project: "
                                   f"create the secret airflow/variables/{key} before this runs on MWAA",
                                   anchor=undefined_anchor("variable", key))


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


class VariableInEnv(ProjectRule):
    """
    ## What it does
    Reports Airflow Variables defined as `AIRFLOW_VAR_*` environment variables.

    ## Why it matters on MWAA
    They can only be set from `startup.sh` there; Secrets Manager (or the metadata database)
    keeps them editable without redeploying, and keeps sensitive ones out of S3.

    ## Example
    ```bash
    AIRFLOW_VAR_LANDING_BUCKET=acme-landing
    ```

    ## Fix
    `migrator connections export --apply` creates `airflow/variables/<key>` secrets from them.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "CON004"
    name = "variable-in-env"
    severity = Severity.INFO
    summary = "Variable defined in a plain environment variable"
    valid = (Valid(files={"variables.json": '{"landing_bucket": "acme-landing"}\n'}),)
    invalid = (Invalid(files={".env": "AIRFLOW_VAR_LANDING_BUCKET=acme-landing\n"}, line=1,
                       contains="airflow/variables/landing_bucket"),)

    def check(self, project, ctx):
        for variable in project.connections.deployed(project.connections.variables):
            if variable.origin == "env":
                yield self.finding(variable.path, _at(variable.line),
                                   f"{VAR_PREFIX}{variable.key.upper()} defines a variable in plain environment "
                                   f"configuration: move it to Secrets Manager as airflow/variables/{variable.key}",
                                   anchor=f"{variable.key}\x1fenv")


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


# Where a connection's value is written in a shell script, an env file or compose: ``$VAR`` expands.
_SHELL_ORIGINS = frozenset({"cli", "env"})


def _clear_text(field: str, value: str, shell: bool) -> bool:
    """Whether ``field``'s value is a credential in clear text: not a placeholder, not a
    reference, not the field's own name (``--conn_password password`` of a CI test script)."""
    return not is_placeholder(value) and not is_reference(value, shell) and not names_a_credential(field, value)


def _connection_secret_fields(conn: ConnectionDef) -> list[str]:
    shell = conn.origin in _SHELL_ORIGINS
    fields = []
    if conn.password and _clear_text("password", conn.password, shell):
        fields.append("password")
    for key, value in conn.extra_dict.items():
        if is_sensitive_name(key) and isinstance(value, str) and _clear_text(key, value, shell):
            fields.append(f"extra.{key}")
    return fields


def _url_host(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def _connection_hosts(conn: ConnectionDef) -> set[str]:
    """The host a connection points at, and those of URLs among its extras (the endpoint of an
    ``aws`` connection to LocalStack: ``aws://a:a@?host=http://localstack:4566``)."""
    urls = (value for value in conn.extra_dict.values() if isinstance(value, str) and "://" in value)
    return {host for host in (conn.host, *map(_url_host, urls)) if host}


# ``${NAME}``, ``${NAME:-default}`` or ``$NAME`` in a value: what a shell or compose fills in.
_VARIABLE_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}?")


def _expand(value: str, values: dict[str, str]) -> str:
    """``value`` with the references ``values`` defines filled in, the others left as they are."""
    return _VARIABLE_REFERENCE.sub(lambda m: values.get(m.group(1), m.group(0)), value)


def _stand_in_logins(project, policy) -> list:
    """The compose variables that create the login of a container the stack runs from a stock
    image (``MINIO_ROOT_PASSWORD`` of ``minio/minio``): the container stays behind, and so does
    its login, wherever the project repeats it (a dev variables export)."""
    images = project.env.compose_images
    return [variable for variable in project.env.variables
            if variable.origin == "compose" and variable.value and not variable.is_reference
            and policy.stand_in_login(images.get((variable.path, variable.service or "")), variable.name)]


def metadata_database_logins(project, target) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """What a compose stack runs in place of what MWAA replaces (metadata database, Celery
    broker and result backend): (compose file, service) of those containers, and (compose file,
    variable) of the logins the endpoint options read from the stack's environment.

    The endpoint options MWAA forces name the containers by host, set in the compose file or in
    an airflow.cfg or script whose ``${VAR}`` the compose file's variables fill in; a database
    container that creates Airflow's own database is one too."""
    policy = compat.config_policy(target)
    compose_values: dict[str, dict[str, str]] = {}
    for variable in project.env.variables:
        if variable.origin == "compose" and variable.value:
            compose_values.setdefault(variable.path, {}).setdefault(variable.name, variable.value.strip())
    services: set[tuple[str, str]] = set()
    logins: set[tuple[str, str]] = set()
    for entry in project.config.entries:
        if "://" not in entry.value or classify(entry.option, target, entry.value).kind != "forced":
            continue
        referenced = set(_VARIABLE_REFERENCE.findall(entry.value))
        for path in [entry.path] if entry.origin == "compose" else compose_values:
            values = compose_values.get(path, {})
            host = _url_host(_expand(entry.value, values))
            if host:
                services.add((path, host))
            logins.update((path, name) for name in referenced if name in values)
    for variable in project.env.variables:
        if variable.origin == "compose" and variable.service and variable.name in policy.metadata_database_variables \
                and (variable.value or "").strip() == policy.metadata_database_name:
            services.add((variable.path, variable.service))
    return services, logins


class PlaintextSecret(ProjectRule):
    """
    ## What it does
    Reports credentials committed in project files: connection passwords and secret extras in
    `AIRFLOW_CONN_*` values, exports, `airflow_settings.yaml` and `airflow connections add`
    lines; sensitive variables; secret-named environment variables with literal values;
    credentials in requirement index URLs. Nothing is printed in clear. The password of a
    compose stack's own metadata database (or Celery broker) container is not reported: MWAA
    runs its own, nothing moves to Secrets Manager. That container is the host the options MWAA
    sets (`sql_alchemy_conn`, `broker_url`) name, in compose or in an airflow.cfg whose
    `${VAR}` the stack's variables fill in; the variables such an option reads are its login.
    Nor is a variable whose value names a secret the code fetches from a store
    (`access_secret(Variable.get("slack_secret"))`, `get_secret_value`; `compat/data/secret_fetchers.json`),
    nor another variable holding that same name.
    Nor are the logins of a compose file's local stand-ins: a stock password (`password`,
    `postgres`) in its environment, a connection or DSN whose host is a service of the same
    file, the login a stock image's container of the file is created with (MinIO's
    `MINIO_ROOT_PASSWORD`, `POSTGRES_PASSWORD`; `compat/data/config_policy.json`), also where
    a connection to it or a variables export that points at it repeats it, and the local web UI password (`DEFAULT_PASSWORD`) of the
    MWAA local runner image (`amazon/mwaa-local`). A `$VAR` in a script or env file is a
    reference, not clear text, and a value that is only its field's word (`--conn_password
    password`) a placeholder. Test fixtures (what a CI service's folder such as
    `.travis/` or a CI test image's Dockerfile defines) are not checked.

    ## Why it matters on MWAA
    Whatever is in the repository ends up in S3 bundles, CI logs and every clone. Moving to
    MWAA is the moment to move credentials into Secrets Manager and rotate them.

    ## Example
    ```json
    {"warehouse": {"conn_type": "postgres", "login": "etl", "password": "s3cret"}}
    ```

    ## Fix
    Remove the value from the file and from git history, rotate it, and store it in Secrets
    Manager (`migrator connections export --apply` does this for connections and variables).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    - https://docs.aws.amazon.com/secretsmanager/latest/userguide/intro.html
    """

    id = "CON007"
    name = "plaintext-secret"
    severity = Severity.ERROR
    summary = "Credential committed in a project file"
    valid = (Valid(files={".env": "AIRFLOW_CONN_WAREHOUSE=${WAREHOUSE_URI}\nDB_PASSWORD=${DB_PASSWORD}\n"}),
             Valid(files={"connections.json": '{"warehouse": {"conn_type": "postgres", "login": "etl"}}\n'}),
             # the local metadata database of a compose stack: MWAA replaces it, nothing moves
             Valid(files={"docker-compose.yml": "services:\n  postgres:\n    image: postgres:16\n    environment:\n"
                                                "      POSTGRES_USER: airflow\n      POSTGRES_PASSWORD: airflow\n"
                                                "      POSTGRES_DB: airflow\n"}),
             Valid(files={"docker-compose.yml": "services:\n  meta-db:\n    image: postgres:16\n    environment:\n"
                                                "      POSTGRES_PASSWORD: hunter2\n  scheduler:\n    environment:\n"
                                                "      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: "
                                                "postgresql://airflow:${DB_PASSWORD}@meta-db/airflow\n"}),
             # a CI test script's dummy connection: each value is only the word of its option
             Valid(files={".travis/entrypoint.sh": "#!/bin/sh\nairflow connections --add --conn_id crm "
                                                   "--conn_type http --conn_host localhost "
                                                   "--conn_login login --conn_password password\n"}),
             # a CI test image's entrypoint (in the CI folder) adds a dummy connection for pytest
             Valid(files={".travis/entrypoint.sh": "#!/bin/sh\nairflow connections --add --conn_id crm_test "
                                                   "--conn_type http --conn_login crm_app_id "
                                                   "--conn_password crm_api_key\npytest\n"}),
             # a script's $VAR is expanded by the shell: a reference, not clear text
             Valid(files={"scripts/entrypoint.sh": "#!/bin/sh\nairflow connections add ais --conn-type http "
                                                   "--conn-host api.example.com --conn-password $AIS_API_KEY\n"}),
             # a Kubernetes service account is an identity, not a credential
             Valid(files={"variables.json": '{"k8s_service_account": "etl-runner"}\n'}),
             # the name of a secret the code fetches from a store, not the secret itself
             Valid("from airflow.models import Variable\nfrom etl.secrets import access_secret\n\n"
                   "secret_name = Variable.get('slack_alert_secret')\ntoken = access_secret(secret_name)\n",
                   files={"variables.json": '{"slack_alert_secret": "slack-token-alerts"}\n'}),
             # the same secret's name in a variable nothing reads any more (a staging export's copy)
             Valid("from airflow.models import Variable\nfrom etl.secrets import access_secret\n\n"
                   "token = access_secret(Variable.get('slack_alert_secret'))\n",
                   files={"variables.json": '{"slack_alert_secret": "slack-token-alerts", '
                                            '"alert_secret": "slack-token-alerts"}\n'}),
             # local stand-ins of a dev compose stack: a database container's stock login, a
             # LocalStack endpoint's dummy login and a DSN naming a service of the same file
             Valid(files={"docker-compose.yml": "services:\n  crm-local:\n    image: postgres:16\n    environment:\n"
                                                "      - POSTGRES_PASSWORD=password\n  localstack:\n"
                                                "    image: localstack/localstack:3\n  runner:\n    environment:\n"
                                                "      - AIRFLOW_CONN_AWS_DEFAULT=aws://a:a@?host=http://localstack:4566\n"
                                                "      - CRM_DSN=postgresql://etl:s3cret@crm-local/crm\n"}),
             # the metadata database's login, read by airflow.cfg's sql_alchemy_conn from the
             # stack's environment: in the Airflow service and in its database container
             Valid(files={"docker-compose.yml": "services:\n  scheduler:\n    build: .\n    environment:\n"
                                                "      - PG_USER=etl_meta\n      - PG_PASSWORD=meta-pass-17\n"
                                                "      - PG_HOST=metadb\n  metadb:\n    image: postgres:16\n"
                                                "    environment:\n      - POSTGRES_USER=etl_meta\n"
                                                "      - POSTGRES_PASSWORD=meta-pass-17\n      - POSTGRES_DB=etl_scheduler\n",
                          "airflow.cfg": "[core]\nsql_alchemy_conn = postgresql+psycopg2://${PG_USER}:${PG_PASSWORD}"
                                         "@${PG_HOST}:5432/etl_scheduler\n"}),
             # the logins of a dev MinIO and a PostGIS container, repeated by a variables export
             # that points at them (by URL, by host name)
             Valid(files={"docker-compose.yml": "services:\n  minio:\n    image: minio/minio\n    environment:\n"
                                                "      - MINIO_ROOT_USER=lake-dev\n      - MINIO_ROOT_PASSWORD=lake-dev-pw\n"
                                                "  gis:\n    image: postgis/postgis:17-3.5\n    environment:\n"
                                                "      - POSTGRES_PASSWORD=gis-dev-pw\n",
                          "variables.json": '{"LAKE_S3_ENDPOINT_URL": "http://minio:9000", '
                                            '"LAKE_S3_SECRET_KEY": "lake-dev-pw", "PGHOST": "gis", '
                                            '"PGPASSWORD": "gis-dev-pw"}\n'}),
             # the MWAA local runner image's own web UI login ("test" is its stock value)
             Valid(files={"docker-compose.yml": "services:\n  local-runner:\n    image: amazon/mwaa-local:2_8\n"
                                                "    environment:\n      - DEFAULT_PASSWORD=test\n"}))
    invalid = (Invalid(files={"connections.json": '{\n  "warehouse": {"conn_type": "postgres", "password": "s3cret"}\n}\n'},
                       line=2, contains="password"),
               Invalid(files={".env": "SLACK_TOKEN=xoxb-1234567890\n"}, line=1, contains="SLACK_TOKEN"),
               # an application database of the same compose file is no metadata database
               Invalid(files={"docker-compose.yml": "services:\n  postgres:\n    environment:\n"
                                                    "      POSTGRES_PASSWORD: airflow\n      POSTGRES_DB: airflow\n"
                                                    "  crm-db:\n    environment:\n      POSTGRES_PASSWORD: s3cret\n"
                                                    "      POSTGRES_DB: crm\n"}, line=8, contains="POSTGRES_PASSWORD"),
               # the local runner's UI login is no credential, another secret of the same service is
               Invalid(files={"docker-compose.yml": "services:\n  local-runner:\n    image: amazon/mwaa-local:2_8\n"
                                                    "    environment:\n      - DEFAULT_PASSWORD=test\n"
                                                    "      - OAUTH_APP_SECRET=4f9c2e7a1b\n"}, line=6,
                       contains="OAUTH_APP_SECRET"),
               # a database the Airflow options do not point at is the project's own
               Invalid(files={"docker-compose.yml": "services:\n  scheduler:\n    environment:\n"
                                                    "      - CRM_PASSWORD=crm-pass-17\n      - PG_PASSWORD=meta-pass-17\n",
                              "airflow.cfg": "[core]\nsql_alchemy_conn = postgresql://meta:${PG_PASSWORD}@metadb/airflow\n"},
                       line=4, contains="CRM_PASSWORD"),
               # another value beside the MinIO container's login is a credential of its own, and
               # the same value in an export that does not point at the container may be another's
               Invalid(files={"docker-compose.yml": "services:\n  minio:\n    image: minio/minio\n    environment:\n"
                                                    "      - MINIO_ROOT_PASSWORD=lake-dev-pw\n",
                              "variables.json": '{\n  "LAKE_S3_ENDPOINT_URL": "http://minio:9000",\n'
                                                '  "LAKE_S3_SECRET_KEY": "lake-dev-pw",\n'
                                                '  "CRM_API_TOKEN": "c7d1e0f4a9"\n}\n'},
                       line=4, contains="CRM_API_TOKEN"),
               Invalid(files={"docker-compose.yml": "services:\n  minio:\n    image: minio/minio\n    environment:\n"
                                                    "      - MINIO_ROOT_PASSWORD=lake-dev-pw\n",
                              "prod-variables.json": '{\n  "LAKE_S3_SECRET_KEY": "lake-dev-pw"\n}\n'},
                       line=2, contains="LAKE_S3_SECRET_KEY"),
               # the same kebab-case value, but the code uses it as the token: a credential
               Invalid("from airflow.models import Variable\n\ntoken = Variable.get('slack_alert_secret')\n",
                       files={"variables.json": '{"slack_alert_secret": "slack-token-alerts"}\n'},
                       line=1, contains="slack_alert_secret"),
               Invalid(files={"airflow_settings.yaml": "airflow:\n  variables:\n    - variable_name: api_secret\n"
                                                       "      variable_value: abc123\n"}, line=3, contains="api_secret"))

    def check(self, project, ctx):
        facts = project.connections
        services = project.env.compose_services
        policy = compat.config_policy(ctx.target)
        stand_ins = _stand_in_logins(project, policy)
        # login value -> the services created with it: a value elsewhere is that login only
        # beside an address of one of them (a variables export's http://minio:9000, PGHOST=postgres)
        stand_in_services: dict[str, set[str]] = {}
        for variable in stand_ins:
            stand_in_services.setdefault((variable.value or "").strip(), set()).add(variable.service or "")
        export_hosts: dict[str, set[str]] = {}
        for variable in facts.variables:
            value = (variable.value or "").strip()
            export_hosts.setdefault(variable.path, set()).add(_url_host(value) or value)
        connection_lines = set()
        for conn in facts.deployed(facts.connections):
            local = conn.env_origin == "compose" and not _connection_hosts(conn).isdisjoint(services.get(conn.path, ()))
            fields = _connection_secret_fields(conn) if conn.value_known and not local else []
            if conn.password and not _connection_hosts(conn).isdisjoint(stand_in_services.get(conn.password.strip(), ())):
                fields = [f for f in fields if f != "password"]  # the login of the container it connects to
            connection_lines.add((conn.path, conn.line))
            if fields:
                yield self.finding(conn.path, _at(conn.line),
                                   f"connection '{conn.conn_id}' stores {', '.join(fields)} in clear text in "
                                   f"{_ORIGINS.get(conn.origin, conn.origin)}: move it to Secrets Manager and rotate it",
                                   anchor=f"{conn.conn_id}\x1fsecret")
        secret_names = {r.key.lower() for r in facts.references if r.kind == SECRET_NAME}
        deployed_variables = list(facts.deployed(facts.variables))
        # The names of the secrets the code fetches: the same value in another variable (a staging
        # copy, one nothing reads any more) names that secret too.
        fetched = {v.value.strip() for v in deployed_variables
                   if v.key.lower() in secret_names and v.value and is_secret_id(v.value)}
        for variable in deployed_variables:
            if variable.value and not export_hosts[variable.path].isdisjoint(
                    stand_in_services.get(variable.value.strip(), ())):
                continue  # the login of a container the stack runs, which the same export points at
            if variable.value and variable.value.strip() in fetched:
                continue  # the name of a secret the code fetches from a store, not the secret
            if is_sensitive_name(variable.key) and variable.value and \
                    not is_placeholder(variable.value) and not variable.value.startswith(("${", "{{")):
                yield self.finding(variable.path, _at(variable.line),
                                   f"variable '{variable.key}' holds a credential in clear text in "
                                   f"{_ORIGINS.get(variable.origin, variable.origin)}: move it to Secrets Manager",
                                   anchor=f"{variable.key}\x1fsecret")
        replaced, logins = metadata_database_logins(project, ctx.target)
        for variable in facts.deployed(project.env.variables):
            name = variable.name
            if name.startswith(("AIRFLOW__", CONN_PREFIX, VAR_PREFIX)) or (variable.path, variable.line) in connection_lines:
                continue  # config options: CFG006; connections and variables: above
            if (variable.path, variable.service) in replaced or (variable.path, name) in logins:
                continue  # the local metadata database's own password: MWAA runs its own database
            if policy.local_runner_login(project.env.compose_images.get((variable.path, variable.service or "")), name):
                continue  # the MWAA local runner's own web UI login: MWAA logs users in through IAM
            if variable in stand_ins:
                continue  # the login a container of the stack is created with: it stays behind
            value = variable.value or ""
            if variable.origin == "compose" and (value.strip().lower() in STOCK_PASSWORDS
                                                 or _url_host(value) in services.get(variable.path, ())):
                continue  # a local stand-in container's throwaway login, or a DSN of one
            literal = value and not variable.is_reference and "${" not in value and not is_placeholder(value)
            if literal and (is_sensitive_name(name) or uri_has_password(value)):
                yield self.finding(variable.path, _at(variable.line),
                                   f"{name}={mask(value) if not is_sensitive_name(name) else MASK} is a credential "
                                   "in clear text: keep it in Secrets Manager",
                                   anchor=f"{name}\x1fsecret")
        for entry in project.requirements.entry_files:
            for option in project.requirements.options_of(entry, "index-url", "extra-index-url", "find-links"):
                if option.value and uri_has_password(option.value) and "${" not in option.value:
                    yield self.finding(option.path, _at(option.line),
                                       f"--{option.option} {mask(option.value)} holds credentials in clear text: use "
                                       "${AIRFLOW__...} references filled from configuration options or startup.sh",
                                       anchor=f"{option.option}\x1fsecret")


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


# -- credentials in Python code ----------------------------------------------------------------------

class SecretInCode(PythonRule):
    """
    ## What it does
    Reports credentials written as string literals in DAG and plugin code: secret-named keyword
    arguments (`password=`, `api_key=`, `aws_secret_access_key=`), secret-named assignments and
    dictionary keys, and URIs with a password. An on/off value (`"True"`, `"no"`) is a flag's,
    not a credential. Names of things are not credentials and are not
    reported: the arguments of a Kubernetes `Secret(...)` (a cluster secret to mount), a service
    account (an identity, unlike its key), a credentials-provider class, Flask-AppBuilder's
    OAuth `token_key` (the response field holding the token) and `access_token_url` (the
    provider's endpoint), a `{name}` field of a URL that `.format()` fills in at run time, a
    value that only names the credential (`password = "password"`, the key of a mounted secret;
    `es_password_env_var = "REINDEXER_ES_PASSWORD"`, the variable it is read from), an HTTP
    authentication scheme alone (`api_key_prefix = {"authorization": "Bearer"}`) and a made-up
    stand-in (`"made-up-string"`, `"dummy-token"`).

    ## Why it matters on MWAA
    The code is uploaded to S3 and readable by everyone with access to the bucket or the
    repository, and rotating the secret means redeploying DAGs.

    ## Example
    ```python
    hook = HttpHook(http_conn_id="crm")
    token = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    ```

    ## Fix
    Store the value in a connection or variable backed by Secrets Manager and read it at run
    time (`BaseHook.get_connection("crm").password`, `{{ var.value.crm_token }}`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "CON009"
    name = "secret-in-code"
    severity = Severity.ERROR
    summary = "Credential in DAG or plugin code"
    needs_airflow_import = False
    valid = (Valid("from airflow.hooks.base import BaseHook\n\npassword = BaseHook.get_connection('crm').password\n"
                   "api_key_name = 'x-api-key'\n"),
             # secret= of a Kubernetes Secret names the cluster secret to mount
             Valid("from airflow.providers.cncf.kubernetes.secret import Secret\n\n"
                   "DB = Secret(deploy_type='env', deploy_target='DB_URL', secret='warehouse-db', key='url')\n"),
             # names of things: a Kubernetes service account, a Hadoop credentials-provider class, the
             # key of a mounted secret and the environment variable a credential is read from
             Valid("service_account = 'etl-runner'\n"
                   "SPARK = {'spark.hadoop.fs.s3a.aws.credentials.provider': "
                   "'org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider'}\n"
                   "warehouse_password = 'password'\n"
                   "warehouse_access_key_env_var = 'WAREHOUSE_ACCESS_KEY'\n"),
             # the environment variable a Kubernetes secret is deployed to, and the scheme word
             # the Kubernetes client puts before the token
             Valid("from kubernetes import client\n\n_search_password_env_var = 'REINDEXER_SEARCH_PASSWORD'\n"
                   "configuration = client.Configuration()\n"
                   "configuration.api_key_prefix = {'authorization': 'Bearer'}\n"),
             # Flask-AppBuilder's OAuth token_key names the response field that holds the token
             Valid("import os\n\nOAUTH_PROVIDERS = [{'name': 'github', 'token_key': 'access_token', "
                   "'remote_app': {'client_id': 'abc', 'client_secret': os.environ['OAUTH_APP_SECRET']}}]\n"),
             # a made-up value that only fills a secret option
             Valid("MONGODB_SECRET_KEY = 'made-up-string'\nSPARK_OPTIONS = {'TargetSecretKey': MONGODB_SECRET_KEY}\n"),
             # an on/off flag whose name holds a credential word: its value is no credential
             Valid("def gateway(rest_login, rest_password):\n    return {'gateway': {\n"
                   "        'restAuthCredential.enabled_credential': 'True',\n"
                   "        'restAuthCredential.username': rest_login,\n"
                   "        'restAuthCredential.password': rest_password}}\n"),
             # an OAuth provider's public token endpoint is an address, not a credential
             Valid("OAUTH_PROVIDERS = [{'name': 'github', 'remote_app': "
                   "{'access_token_url': 'https://github.com/login/oauth/access_token'}}]\n"),
             # {{token}} in an f-string is a literal {token} field that .format() fills at run time
             Valid("GIT_HOST = 'git.example.com'\nREPO_URL = f'https://ci:{{access_token}}@{GIT_HOST}/etl/repo.git'\n\n\n"
                   "def clone_url(access_token):\n    return REPO_URL.format(access_token=access_token)\n"))
    invalid = (Invalid("import requests\n\nrequests.get('https://crm.example.com', auth=('etl', 'x'), "
                       "headers={'api_key': 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'})\n", line=3, contains="api_key"),
               Invalid("DB_URI = 'postgresql://etl:s3cret@warehouse.example.com/dw'\n", line=1, contains="etl:****@"),
               Invalid("from airflow.models.connection import Connection\n\n"
                       "Connection(conn_id='crm', conn_type='http', password='s3cret')\n", line=3,
                       contains="password"),
               # words of its name, but no credential's name: a (weak) password
               Invalid("warehouse_password = 'warehouse'\n", line=1, contains="warehouse_password"),
               # upper-case words sharing none of its name's: a password, not a variable's name
               Invalid("warehouse_password = 'SUPER_SECRET_2024'\n", line=1, contains="warehouse_password"))

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        names_a_secret = {id(keyword) for call, qualname in module.calls
                          if qualname and qualname.rsplit(".", 1)[-1] in _SECRET_REFERENCE_CLASSES
                          for keyword in call.keywords}
        for node in module.nodes_of(ast.keyword, ast.Assign, ast.AnnAssign, ast.Dict, ast.Constant):
            if isinstance(node, ast.keyword) and id(node) in names_a_secret:
                continue
            if isinstance(node, ast.keyword) and node.arg and _literal_secret(node.arg, node.value):
                yield self.at_node(module, node.value, f"{node.arg}='{MASK}' is a credential in code: read it from a "
                                                       "Secrets Manager-backed connection or variable")
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = target.id if isinstance(target, ast.Name) else (
                        target.attr if isinstance(target, ast.Attribute) else None)
                    if name and _literal_secret(name, node.value):
                        yield self.at_node(module, node.value, f"{name} = '{MASK}' is a credential in code: read it "
                                                               "from a Secrets Manager-backed connection or variable")
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=False):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                            and _literal_secret(key.value, value):
                        yield self.at_node(module, value, f"'{key.value}': '{MASK}' is a credential in code")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "://" in node.value \
                    and "@" in node.value and uri_has_password(node.value):
                yield self.at_node(module, node, f"'{mask(node.value)[:120]}' is a URI with a password in code: "
                                                 "use a connection stored in Secrets Manager")


# Classes whose arguments name a secret kept elsewhere: the Kubernetes provider's
# ``Secret(deploy_type, deploy_target, secret, key)`` mounts the cluster secret ``secret``.
_SECRET_REFERENCE_CLASSES = frozenset({"Secret"})


def _literal_secret(name: str, node: ast.AST | None) -> bool:
    """Whether ``node`` is a string literal holding the credential a field called ``name`` holds."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    return is_sensitive_name(name) and is_literal_secret(node.value) and not names_a_credential(name, node.value)


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
