"""``connections export``: a value Secrets Manager would refuse is never offered.

A secret value holds at most 64 KiB of UTF-8 (a quota in compat). Connections whose extra
carries a certificate or a key file, and variables holding whole documents, pass it easily:
such a definition is listed as not exported, with its size and the limit, wherever it is
defined, and ``--apply`` sends it nowhere. Sizes count bytes, not characters.
"""

from __future__ import annotations

import json

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from migrator.compat import secret_value_limit

from migrator.cli import main

LIMIT = secret_value_limit().max_bytes
PEM = "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n"


def sources(big: str) -> dict[str, str]:
    """The same over-large connection and variable in every place definitions live, plus a
    small connection and a variable of exactly the limit, which must still go through."""
    extra = json.dumps({"ca_cert": big})
    conn = {"conn_type": "http", "host": "api.corp.example", "extra": extra}
    return {
        ".env": f"AIRFLOW_CONN_BIG_ENV={json.dumps(conn)}\nAIRFLOW_VAR_BIG_ENV_VAR={json.dumps(big)}\n"
                f"AIRFLOW_VAR_AT_LIMIT={'x' * LIMIT}\n",
        "connections.json": json.dumps({"big_export": conn, "small_export": {
            "conn_type": "http", "host": "api.corp.example"}}),
        "variables.json": json.dumps({"big_export_var": big}),
        "airflow_settings.yaml": "airflow:\n  connections:\n    - conn_id: big_settings\n"
                                 "      conn_type: http\n      conn_host: api.corp.example\n"
                                 f"      conn_extra:\n        ca_cert: {json.dumps(big)}\n",
        "dags/etl.py": "from airflow import DAG\n",
    }


BIG = {"connection": ("big_env", "big_export", "big_settings"),
       "variable": ("big_env_var", "big_export_var")}


def export(root, capsys, *extra: str) -> dict:
    main(["connections", "export", str(root), "--format", "json", *extra])
    return json.loads(capsys.readouterr().out)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(char=st.sampled_from(["a", "é", "€", "𝄞"]), over=st.integers(1, 4096))
def test_an_over_large_value_is_not_exported_wherever_it_is(make_project, capsys, char, over):
    big = PEM.format(char * (LIMIT // len(char.encode()) + over))
    document = export(make_project(sources(big)), capsys)
    skipped = {(row["kind"], row["key"]): row["reason"] for row in document["skipped"]}
    for kind, keys in BIG.items():
        for key in keys:
            assert "a Secrets Manager secret holds at most 64 KiB (65,536 bytes)" in skipped[(kind, key)]
    names = {secret["name"] for secret in document["secrets"]}
    assert names == {"airflow/connections/small_export", "airflow/variables/at_limit"}


def test_apply_sends_only_what_fits(make_project, moto_reset, capsys):
    root = make_project(sources(PEM.format("b" * LIMIT)))
    document = export(root, capsys, "--apply", "--endpoint-url", moto_reset, "--region", "us-east-1")
    assert {s["action"] for s in document["secrets"]} == {"created"}
    client = boto3.client("secretsmanager", endpoint_url=moto_reset, region_name="us-east-1")
    stored = {s["Name"] for s in client.list_secrets()["SecretList"]}
    assert stored == {"airflow/connections/small_export", "airflow/variables/at_limit"}
