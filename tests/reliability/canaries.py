"""A project with unique canary credentials planted wherever real projects keep secrets.

Each canary is a credential in a place a credential really goes (a connection URI's password,
a JSON ``extra`` token, an airflow.cfg secret option, an ``.env`` password, an index URL, a
private key ...). No output of the tool, and no file it writes outside a copy of the project,
may contain any of them. A canary is letters and digits only, so it survives URL encoding,
JSON and YAML quoting unchanged and a plain substring search finds every copy.
"""

from __future__ import annotations

import json
from pathlib import Path


def canary(number: int) -> str:
    # The middle part is what a partial reveal ("Zq****", "...nRy07Kw") would still show.
    return f"Zq{number:02d}nRy{number:02d}Kw"


# where -> canary number. The docstring of each place says why it is a secret.
PLACES = {
    "env-conn-uri-password": 1,
    "env-var-api-token": 2,
    "env-fernet-key": 3,
    "env-sql-alchemy-conn-password": 4,
    "env-smtp-password": 5,
    "compose-conn-uri-password": 6,
    "compose-webserver-secret-key": 7,
    "compose-db-password": 8,
    "cfg-fernet-key": 9,
    "cfg-sql-alchemy-conn-password": 10,
    "cfg-webserver-secret-key": 11,
    "cfg-smtp-password": 12,
    "cfg-broker-url-password": 13,
    "cfg-result-backend-password": 14,
    "cfg-backend-kwargs-token": 15,
    "connections-json-password": 16,
    "connections-json-extra-token": 17,
    "connections-json-extra-string-api-key": 18,
    "settings-yaml-conn-password": 19,
    "settings-yaml-extra-client-secret": 20,
    "variables-json-secret": 21,
    "requirements-index-password": 22,
    "dockerfile-conn-uri-password": 23,
    "entrypoint-conn-uri-password": 24,
    "entrypoint-conn-password-flag": 25,
    "dag-code-uri-password": 26,
    "dag-code-password-keyword": 27,
    "private-key-in-dags": 28,
    "dags-env-file": 29,
    "plugins-env-file": 30,
    "credentials-json-in-dags": 31,
    "startup-script-password": 32,
    "compose-env-file-password": 33,
    "broken-connections-json-password": 34,
    "env-aws-secret-access-key": 35,
    "netrc-password": 36,
    "requirements-vcs-token": 37,
    "bash-pgpassword": 38,
    "dag-code-bearer-token": 39,
    "cfg-ldap-password-with-spaces": 40,
    # Passwords holding characters a URL reserves: a parser splits them into host, port and
    # path, and its error messages quote the pieces.
    "env-conn-uri-password-hash": 41,
    "env-conn-uri-password-slash": 42,
    "env-conn-uri-password-question": 43,
    "env-conn-uri-password-at": 44,
    "env-conn-uri-password-space": 45,
    "connections-json-uri-password-digits-slash": 46,
    "compose-sql-alchemy-conn-password-at": 47,
    "dockerfile-conn-uri-password-question": 48,
    "entrypoint-conn-uri-password-slash": 49,
    "cfg-core-sql-alchemy-conn-password-slash": 50,
    "cfg-flower-basic-auth": 51,
    # Connection extras that are not JSON: no field can be told from another, so all is secret.
    "connections-json-extra-not-json": 52,
    "settings-yaml-extra-not-json": 53,
    "env-conn-json-extra-not-json": 54,
    "env-conn-uri-extra-not-json": 55,
    # Credential files of neighbouring tools in the DAGs and plugins folders, named so that
    # only their structure gives them away.
    "dbt-profile-password": 56,
    "kubeconfig-token": 57,
    "setenv-script-password": 58,
    "properties-password": 59,
    "ini-settings-password": 60,
    "json-settings-token": 61,
    "yaml-settings-secret": 62,
    "pgpass-password": 63,
    "service-account-private-key": 64,
    "pem-private-key": 65,
}
CANARIES = {place: canary(number) for place, number in PLACES.items()}


def _c(place: str) -> str:
    return CANARIES[place]


def _twice(place: str, separator: str) -> str:
    """The canary on both sides of ``separator``: whichever side a parser splits off, it shows."""
    return f"{CANARIES[place]}{separator}{CANARIES[place]}"


def files() -> dict[str, str]:
    """{relative path: text} of the canary project: valid files, secrets everywhere."""
    return {
        ".env": (
            f"AIRFLOW_CONN_WAREHOUSE=postgres://etl:{_c('env-conn-uri-password')}@warehouse.corp.local:5432/dw\n"
            f"AIRFLOW_VAR_PARTNER_API_TOKEN={_c('env-var-api-token')}\n"
            f"AIRFLOW__CORE__FERNET_KEY={_c('env-fernet-key')}\n"
            f"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql://airflow:{_c('env-sql-alchemy-conn-password')}@db/airflow\n"
            f"SMTP_PASSWORD={_c('env-smtp-password')}\n"
            f"AWS_SECRET_ACCESS_KEY={_c('env-aws-secret-access-key')}\n"
            "WAREHOUSE_HOST=warehouse.corp.local\n"
            f"AIRFLOW_CONN_HASH=postgres://etl:{_twice('env-conn-uri-password-hash', '#')}@db.corp.local:5432/dw\n"
            f"AIRFLOW_CONN_SLASH=postgres://etl:{_twice('env-conn-uri-password-slash', '/')}@db.corp.local:5432/dw\n"
            f"AIRFLOW_CONN_QUESTION=mysql://etl:{_twice('env-conn-uri-password-question', '?')}@db.corp.local/dw\n"
            f"AIRFLOW_CONN_AT=mysql://etl:{_twice('env-conn-uri-password-at', '@')}@db.corp.local/dw\n"
            f"AIRFLOW_CONN_SPACE='postgres://etl:{_twice('env-conn-uri-password-space', ' ')}@db.corp.local/dw'\n"
            f"AIRFLOW_CONN_EXTRA_JSON='{{\"conn_type\": \"http\", \"extra\": \"token {_c('env-conn-json-extra-not-json')}\"}}'\n"
            f"AIRFLOW_CONN_EXTRA_URI=http://api.corp.local/?__extra__=token-{_c('env-conn-uri-extra-not-json')}\n"
        ),
        ".env.airflow": f"DB_PASSWORD={_c('compose-env-file-password')}\n",
        "docker-compose.yaml": (
            "x-airflow-common: &airflow-common\n"
            "  image: apache/airflow:2.7.3\n"
            "  env_file:\n    - .env\n    - .env.airflow\n"
            "  environment: &airflow-env\n"
            "    AIRFLOW__CORE__EXECUTOR: CeleryExecutor\n"
            f"    AIRFLOW_CONN_LAKE: 's3://AKIAIOSFODNN7EXAMPLE:{_c('compose-conn-uri-password')}@'\n"
            f"    AIRFLOW__WEBSERVER__SECRET_KEY: {_c('compose-webserver-secret-key')}\n"
            f"    DB_PASSWORD: {_c('compose-db-password')}\n"
            f"    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'postgresql://airflow:{_twice('compose-sql-alchemy-conn-password-at', '@')}@db/airflow'\n"
            "  volumes:\n    - ./dags:/opt/airflow/dags\n    - ./plugins:/opt/airflow/plugins\n"
            "services:\n"
            "  scheduler:\n    <<: *airflow-common\n    command: scheduler\n"
            "  worker:\n    <<: *airflow-common\n    environment:\n      <<: *airflow-env\n"
            "      EXTRA: '1'\n    command: celery worker\n"
        ),
        "airflow.cfg": (
            "[core]\nexecutor = CeleryExecutor\n"
            "load_examples\n"  # a key without a value: the options after it must still be read
            f"fernet_key = {_c('cfg-fernet-key')}\n"
            f"sql_alchemy_conn = postgresql://airflow:{_twice('cfg-core-sql-alchemy-conn-password-slash', '/')}@db/airflow\n"
            "dags_folder = /opt/airflow/dags\nparallelism = 64\n"
            "[database]\n"
            f"sql_alchemy_conn = postgresql+psycopg2://airflow:{_c('cfg-sql-alchemy-conn-password')}@db:5432/airflow\n"
            "[webserver]\n"
            f"secret_key = {_c('cfg-webserver-secret-key')}\n"
            "[smtp]\nsmtp_host = mail.corp.local\nsmtp_user = airflow\n"
            f"smtp_password = {_c('cfg-smtp-password')}\n"
            "[celery]\n"
            f"flower_basic_auth = admin:{_c('cfg-flower-basic-auth')}\n"
            f"broker_url = redis://:{_c('cfg-broker-url-password')}@redis:6379/0\n"
            f"result_backend = db+postgresql://airflow:{_c('cfg-result-backend-password')}@db/airflow\n"
            "[ldap]\n"
            f"bind_password = correct horse {_c('cfg-ldap-password-with-spaces')}\n"
            "[secrets]\nbackend = airflow.secrets.local_filesystem.LocalFilesystemBackend\n"
            f'backend_kwargs = {{"connections_file_path": "/secrets/c.json", "token": "{_c("cfg-backend-kwargs-token")}"}}\n'
        ),
        "connections.json": json.dumps({
            "warehouse_ro": {"conn_type": "postgres", "host": "warehouse.corp.local", "login": "reader",
                             "password": _c("connections-json-password"), "port": 5432, "schema": "dw",
                             "extra": {"sslmode": "require", "token": _c("connections-json-extra-token")}},
            "partner_api": {"conn_type": "http", "host": "api.partner.example.com",
                            "extra": json.dumps({"api_key": _c("connections-json-extra-string-api-key")})},
            "legacy_api": {"conn_type": "http", "host": "legacy.partner.example.com",
                           "extra": f"api key {_c('connections-json-extra-not-json')}"},
            "ledger_uri": f"postgres://ledger:12/{_c('connections-json-uri-password-digits-slash')}@ledger.corp.local:5432/l",
        }, indent=2) + "\n",
        "airflow_settings.yaml": (
            "airflow:\n  connections:\n"
            "    - conn_id: crm_db\n      conn_type: mysql\n      conn_host: crm.corp.local\n"
            f"      conn_login: crm\n      conn_password: {_c('settings-yaml-conn-password')}\n"
            "      conn_port: 3306\n"
            "    - conn_id: crm_api\n      conn_type: http\n      conn_host: crm.corp.local\n"
            f"      conn_extra: 'token={_c('settings-yaml-extra-not-json')}'\n"
            f"      conn_extra:\n        client_secret: {_c('settings-yaml-extra-client-secret')}\n"
            "  variables:\n    - variable_name: region\n      variable_value: eu-west-1\n"
        ),
        "variables.json": json.dumps({"partner_api_secret": _c("variables-json-secret"),
                                      "region": "eu-west-1"}) + "\n",
        "requirements.txt": (
            f"--extra-index-url https://deploy:{_c('requirements-index-password')}@nexus.corp.example.com/simple\n"
            "apache-airflow==2.7.3\napache-airflow-providers-postgres\npandas>=1.5\n"
            f"git+https://{_c('requirements-vcs-token')}@github.com/acme/etl-utils.git@v1.2#egg=etl-utils\n"
        ),
        "Dockerfile": (
            "FROM apache/airflow:2.7.3\n"
            f"ENV AIRFLOW_CONN_BILLING=mysql://billing:{_c('dockerfile-conn-uri-password')}@billing.corp.local/b\n"
            f"ENV AIRFLOW_CONN_INVOICES=mysql://billing:{_twice('dockerfile-conn-uri-password-question', '?')}@billing.corp.local/b\n"
            "RUN pip install --no-cache-dir -r /requirements.txt\n"
        ),
        "entrypoint.sh": (
            "#!/bin/sh\n"
            f"airflow connections add ledger --conn-uri postgres://ledger:{_c('entrypoint-conn-uri-password')}@ledger.corp.local/l\n"
            f"airflow connections add audit --conn-uri 'postgres://audit:{_twice('entrypoint-conn-uri-password-slash', '/')}@audit.corp.local/a'\n"
            f"airflow connections add ftp_in --conn-type ftp --conn-host ftp.corp.local --conn-login in --conn-password {_c('entrypoint-conn-password-flag')}\n"
            'exec airflow "$@"\n'
        ),
        "startup.sh": f"#!/bin/sh\nexport DWH_PASSWORD={_c('startup-script-password')}\n",
        "dags/warehouse_load.py": (
            "import os\n\n"
            "from airflow import DAG\n"
            "from airflow.operators.bash_operator import BashOperator\n"
            "from airflow.operators.postgres_operator import PostgresOperator\n"
            "from airflow.utils.dates import days_ago\n\n"
            f'WAREHOUSE_URI = "postgresql://etl:{_c("dag-code-uri-password")}@warehouse.corp.local/dw"\n'
            'HOST = os.environ["WAREHOUSE_HOST"]\n'
            'PASSWORD = os.environ.get("DWH_PASSWORD")\n\n'
            'with DAG("warehouse_load", start_date=days_ago(1), schedule_interval="@daily", concurrency=4) as dag:\n'
            '    load = BashOperator(task_id="load", bash_command="load.sh {{ execution_date }}",\n'
            f'                        env={{"password": "{_c("dag-code-password-keyword")}"}}, task_concurrency=1)\n'
            '    check = PostgresOperator(task_id="check", postgres_conn_id="warehouse", sql="select 1")\n'
            f'    dump = BashOperator(task_id="dump", bash_command="PGPASSWORD={_c("bash-pgpassword")} pg_dump -h db dw")\n'
            f'    HEADERS = {{"Authorization": "Bearer {_c("dag-code-bearer-token")}"}}\n'
            "    load >> check >> dump\n"
        ),
        "dags/keys/deploy.txt": (
            "-----BEGIN RSA PRIVATE KEY-----\n"
            f"MIIEowIBAAKCAQEA{_c('private-key-in-dags')}\n"
            "-----END RSA PRIVATE KEY-----\n"
        ),
        "dags/.env": f"API_TOKEN={_c('dags-env-file')}\n",
        "dags/credentials.json": json.dumps({"client_secret": _c("credentials-json-in-dags")}) + "\n",
        "dags/.netrc": f"machine nexus.corp.local login deploy password {_c('netrc-password')}\n",
        "plugins/.env": f"PLUGIN_TOKEN={_c('plugins-env-file')}\n",
        "dags/dbt/profiles.yml": (
            "warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: postgres\n"
            f"      host: dw.corp.local\n      user: etl\n      password: {_c('dbt-profile-password')}\n"
        ),
        "dags/kube/cluster.yaml": (
            "apiVersion: v1\nkind: Config\nclusters:\n- name: onprem\n  cluster: {server: https://k8s.corp.local}\n"
            f"users:\n- name: admin\n  user:\n    token: {_c('kubeconfig-token')}\n"
        ),
        # As MWAA's EKS guide writes it: no credential in it, so it ships and is not reported.
        "dags/kube_config.yaml": (
            "apiVersion: v1\nkind: Config\nusers:\n- name: aws\n  user:\n    exec:\n"
            "      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n"
            "      args: [--region, eu-west-1, eks, get-token, --cluster-name, mwaa-eks]\n"
        ),
        "plugins/scripts/setenv.sh": f"#!/bin/sh\nexport ERP_PASSWORD={_c('setenv-script-password')}\n",
        "dags/conf/erp.properties": f"erp.host=erp.corp.local\nerp.db.password={_c('properties-password')}\n",
        "dags/conf/legacy.ini": f"[db]\nhost = db.corp.local\npassword = {_c('ini-settings-password')}\n",
        "dags/conf/settings.json": json.dumps({"partner": {"url": "https://api.partner.example.com",
                                                           "api_token": _c("json-settings-token")}}) + "\n",
        "dags/conf/pipeline.yaml": f"schedule: daily\nsftp:\n  host: sftp.corp.local\n  secret: {_c('yaml-settings-secret')}\n",
        "dags/.pgpass": f"db.corp.local:5432:dw:etl:{_c('pgpass-password')}\n",
        "dags/gcp/bq.json": json.dumps({"type": "service_account", "project_id": "acme",
                                        "private_key": f"-----BEGIN PRIVATE KEY-----\n{_c('service-account-private-key')}\n"
                                                       "-----END PRIVATE KEY-----\n"}) + "\n",
        "dags/keys/sftp_key": (
            "-----BEGIN OPENSSH PRIVATE KEY-----\n"
            f"b3BlbnNzaC1rZXktdjEAAAAA{_c('pem-private-key')}\n"
            "-----END OPENSSH PRIVATE KEY-----\n"
        ),
        "plugins/warehouse_plugin.py": (
            "from airflow.plugins_manager import AirflowPlugin\n\n\n"
            "class WarehousePlugin(AirflowPlugin):\n    name = 'warehouse'\n"
        ),
        "connections-broken.json": (
            '{"legacy_db": {"conn_type": "postgres", "password": "'
            + _c("broken-connections-json-password") + '", "host": '
        ),
    }


def build(root: Path) -> Path:
    for rel, text in files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "entrypoint.sh").chmod(0o755)
    return root


def leaks(text: str) -> dict[str, str]:
    """{place: canary} of every canary (or its middle part) found in ``text``."""
    return {place: value for place, value in CANARIES.items() if value[2:-2] in text}


def leaks_in_tree(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, list[str]]:
    """{relative file: places} of every file under ``root`` holding a canary (zips read inside)."""
    import zipfile

    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(path == s or s in path.parents for s in skip):
            continue
        data = path.read_bytes()
        texts = [data.decode("utf-8", "replace")]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                texts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        places = sorted({p for text in texts for p in leaks(text)})
        if places:
            found[path.relative_to(root).as_posix()] = places
    return found
