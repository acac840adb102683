"""Credentials are masked in everything the tool prints."""

from __future__ import annotations

import json

import pytest

from migrator.cli import main
from migrator.secrets import MASK, is_sensitive_name, mask, mask_mapping, mask_uri, uri_has_password


@pytest.mark.parametrize(("text", "secret"), [
    ("postgresql+psycopg2://airflow:hunter2@db/airflow", "hunter2"),
    ("AIRFLOW__SMTP__SMTP_PASSWORD=hunter2", "hunter2"),
    ("smtp_password = hunter2", "hunter2"),
    ('{"conn_type": "http", "password": "hunter2", "extra": {"api_key": "k-777"}}', "k-777"),
    ('{"conn_type": "http", "password": "hunter2"}', "hunter2"),
    ("https://pypi.corp.example/simple?token=tok-123&x=1", "tok-123"),
    ("see https://u:pw-9@h/x and password=pw-10", "pw-9"),
    ("see https://u:pw-9@h/x and password=pw-10", "pw-10"),
    ("airflow connections add x --conn-password 'pw 11' --conn-host h", "pw 11"),
    ("aws_secret_access_key: abcdEFGH1234", "abcdEFGH1234"),
    ("key id AKIAIOSFODNN7EXAMPLE in a log line", "IOSFODNN7EXAMPLE"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA"),
])
def test_mask_hides_the_secret(text, secret):
    masked = mask(text)
    assert secret not in masked
    assert MASK in masked


@pytest.mark.parametrize("text", [
    "postgresql://airflow@db/airflow",
    "the s3_key is data/x.csv",
    "password = ${DB_PASSWORD}",
    "password_file = /run/secrets/db",
    "auth_type = kerberos",
])
def test_mask_leaves_non_secrets_alone(text):
    assert mask(text) == text


def test_sensitive_names():
    for name in ("password", "AIRFLOW__CORE__FERNET_KEY", "apiKey", "aws_secret_access_key", "client_secret",
                 "sas_token", "private_key", "keyfile_dict"):
        assert is_sensitive_name(name), name
    for name in ("s3_key", "key_path", "private_key_file", "secret_name", "auth_mechanism", "session_timeout",
                 "signature_version", "connections_prefix", "host"):
        assert not is_sensitive_name(name), name


def test_mask_mapping_recurses_into_json_strings():
    masked = mask_mapping({"extra": '{"token": "t-1", "region": "eu"}', "nested": [{"secret": "s-2"}]})
    assert "t-1" not in json.dumps(masked) and "s-2" not in json.dumps(masked)
    assert "eu" in json.dumps(masked)


def test_uri_helpers():
    assert mask_uri("redis://:pw@host:6379/0") == f"redis://:{MASK}@host:6379/0"
    assert uri_has_password("mysql://u:p@h/db")
    assert not uri_has_password("mysql://u@h/db")
    assert not uri_has_password("mysql://u:${PW}@h/db")


def test_scan_reports_never_contain_project_credentials(make_project, capsys):
    secrets = ["pw-alpha-1", "pw-beta-2", "tok-gamma-3", "key-delta-4", "pw-eps-5", "pw-zeta-6"]
    root = make_project({
        ".env": f"AIRFLOW_CONN_WH=postgres://etl:{secrets[0]}@db.corp.local/dw\nSLACK_TOKEN={secrets[2]}\n",
        "airflow.cfg": f"[smtp]\nsmtp_password = {secrets[1]}\n",
        "connections.json": json.dumps({"api": {"conn_type": "http", "extra": {"api_key": secrets[3]}}}),
        "requirements.txt": f"--extra-index-url https://ci:{secrets[4]}@nexus.corp.example.com/simple\npandas==2.3.3\n",
        "dags/etl.py": f"from airflow import DAG\nDB = 'postgresql://etl:{secrets[5]}@db/dw'\n",
    })
    for fmt in ("text", "json", "sarif", "markdown"):
        main(["scan", str(root), "--format", fmt, "--no-cache", "--target", "3.3.1"])
        out = capsys.readouterr().out
        assert out
        for secret in secrets:
            assert secret not in out, (fmt, secret)
