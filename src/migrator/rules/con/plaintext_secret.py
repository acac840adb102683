"""CON007: Credential committed in a project file"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from migrator import compat
from migrator.analysis.config import classify
from migrator.analysis.connections import CONN_PREFIX, SECRET_NAME, VAR_PREFIX, ConnectionDef
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at
from migrator.secrets import (
    MASK,
    STOCK_PASSWORDS,
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
