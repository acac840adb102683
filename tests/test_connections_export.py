"""`migrator connections export` against a real Secrets Manager API (moto's HTTP server)."""

from __future__ import annotations

import json

import boto3
import pytest

from migrator.analysis.connections import parse_connection_value
from migrator.cli import main

PASSWORD = "pw-Xq81-secret"
API_KEY = "key-77a1-secret"
TOKEN = "tok-5c2e-secret"
PROJECT = {
    ".env": (f"AIRFLOW_CONN_WAREHOUSE=postgres://etl:{PASSWORD}@db.example.com:5432/dw\n"
             f"AIRFLOW_VAR_API_TOKEN={TOKEN}\n"
             "AIRFLOW_CONN_FROM_VAULT=${VAULT_URI}\n"),
    "connections.json": json.dumps({"crm": {"conn_type": "http", "host": "crm.example.com", "login": "bot",
                                            "password": PASSWORD, "extra": json.dumps({"api_key": API_KEY,
                                                                                        "timeout": 30})}}),
    "variables.json": json.dumps({"landing_bucket": "acme-landing", "limits": {"rows": 10}}),
    "dags/etl.py": "from airflow import DAG\n",
}
SECRET_VALUES = (PASSWORD, API_KEY, TOKEN, "acme-landing")


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(["connections", "export", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def client(endpoint):
    return boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")


def test_dry_run_lists_names_and_masked_values_only(make_project, capsys):
    root = make_project(PROJECT)
    code, out = run(capsys, str(root))
    assert code == 0
    for name in ("airflow/connections/warehouse", "airflow/connections/crm", "airflow/variables/api_token",
                 "airflow/variables/landing_bucket", "airflow/variables/limits"):
        assert name in out
    assert "postgres://etl:****@db.example.com:5432/dw" in out
    assert "from_vault" in out and "reference" in out  # skipped, with the reason
    assert "secrets.backend = airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend" in out
    for value in SECRET_VALUES:
        assert value not in out


def test_apply_creates_secrets_backend_can_read_and_second_run_changes_nothing(make_project, moto_reset, capsys):
    root = make_project(PROJECT)
    code, out = run(capsys, str(root), "--apply", "--endpoint-url", moto_reset, "--region", "us-east-1",
                    "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert {s["action"] for s in document["secrets"]} == {"created"}
    for value in SECRET_VALUES:
        assert value not in out

    secrets = client(moto_reset)
    warehouse = secrets.get_secret_value(SecretId="airflow/connections/warehouse")["SecretString"]
    assert warehouse == f"postgres://etl:{PASSWORD}@db.example.com:5432/dw"
    crm = json.loads(secrets.get_secret_value(SecretId="airflow/connections/crm")["SecretString"])
    assert crm == {"conn_type": "http", "host": "crm.example.com", "login": "bot", "password": PASSWORD,
                   "extra": {"api_key": API_KEY, "timeout": 30}}
    # What Airflow's backend gets back parses to the same connection.
    parsed = parse_connection_value("crm", json.dumps(crm), "", 1, "secret")
    assert (parsed.password, parsed.extra_dict["api_key"]) == (PASSWORD, API_KEY)
    assert secrets.get_secret_value(SecretId="airflow/variables/api_token")["SecretString"] == TOKEN
    assert secrets.get_secret_value(SecretId="airflow/variables/limits")["SecretString"] == '{"rows": 10}'
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        secrets.get_secret_value(SecretId="airflow/connections/from_vault")

    versions = {s["Name"]: len(secrets.list_secret_version_ids(SecretId=s["Name"])["Versions"])
                for s in secrets.list_secrets()["SecretList"]}
    code, out = run(capsys, str(root), "--apply", "--endpoint-url", moto_reset, "--region", "us-east-1")
    assert code == 0
    assert "5 unchanged" in out and "created" not in out and "updated" not in out
    assert versions == {s["Name"]: len(secrets.list_secret_version_ids(SecretId=s["Name"])["Versions"])
                        for s in secrets.list_secrets()["SecretList"]}


def test_changed_value_is_updated(make_project, moto_reset, capsys):
    root = make_project(PROJECT)
    run(capsys, str(root), "--apply", "--endpoint-url", moto_reset, "--region", "us-east-1")
    (root / "variables.json").write_text(json.dumps({"landing_bucket": "acme-landing-v2", "limits": {"rows": 10}}))
    code, out = run(capsys, str(root), "--apply", "--endpoint-url", moto_reset, "--region", "us-east-1",
                    "--connections-prefix", "airflow/connections/", "--variables-prefix", "airflow/variables")
    assert code == 0
    assert "updated     airflow/variables/landing_bucket" in out
    assert "acme-landing-v2" not in out
    value = client(moto_reset).get_secret_value(SecretId="airflow/variables/landing_bucket")["SecretString"]
    assert value == "acme-landing-v2"


def test_custom_prefixes_and_backend_kwargs(make_project, moto_reset, capsys):
    root = make_project(PROJECT)
    code, out = run(capsys, str(root), "--apply", "--endpoint-url", moto_reset, "--region", "us-east-1",
                    "--connections-prefix", "mwaa/prod/connections", "--variables-prefix", "mwaa/prod/variables",
                    "--format", "json")
    assert code == 0
    document = json.loads(out)
    kwargs = json.loads(document["configuration_options"]["secrets.backend_kwargs"])
    assert kwargs["connections_prefix"] == "mwaa/prod/connections"
    assert kwargs["variables_prefix"] == "mwaa/prod/variables"
    assert "connections_lookup_pattern" in kwargs  # MWAA's default pattern is kept
    names = {s["Name"] for s in client(moto_reset).list_secrets()["SecretList"]}
    assert "mwaa/prod/connections/warehouse" in names and "mwaa/prod/variables/limits" in names


def test_unreachable_endpoint_is_a_one_line_error(make_project, capsys):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = make_project(PROJECT)
    code, out = run(capsys, str(root), "--apply", "--endpoint-url", f"http://127.0.0.1:{port}", "--region",
                    "us-east-1")
    assert code == 2
    assert "Traceback" not in out and "Secrets Manager" in out
    for value in SECRET_VALUES:
        assert value not in out
