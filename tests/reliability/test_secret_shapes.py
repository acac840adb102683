"""Credentials inside malformed values never reach a message, whatever their shape.

A password may hold any character a URL reserves ("#", "/", "?", "@", ":", spaces), and a
connection ``extra`` may be text that is not JSON. Parsers then split the value in the wrong
place and their error messages quote the pieces. Each example plants one canary in a value of
a generated shape, in every place a project keeps such values, and renders every report the
scan and ``connections export`` make: the canary must appear in none of them.
"""

from __future__ import annotations

import json
import shlex

import yaml
from conftest import write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from migrator.compat import get_version

from migrator.analysis.connections.project import read_definitions
from migrator.analysis.envsources import analyse_env
from migrator.cli.connections import render_text
from migrator.config import Settings
from migrator.connections_export import plan_document, plan_export
from migrator.engine import scan
from migrator.inventory import scan_document
from migrator.reporters import FORMATS, render
from migrator.workspace import discover

CANARY = "Zq88nRy88Kw"  # letters and digits: no quoting or encoding changes it
# Characters a URL or a file format gives a meaning to ("$" and "{" are left out: "${X}" is a
# reference to a secret, which is shown as it is, and quotes would end the file's own quoting).
RESERVED = st.sampled_from(["#", "/", "?", "@", ":", " ", "%", "=", "&", ";", "+", "!", "*", ",", "[", "]"])
PASSWORDS = st.builds(
    lambda head, middle, tail: f"{head}{''.join(middle)}{tail}",
    st.sampled_from(["", CANARY, "12", "ab"]),
    st.lists(st.one_of(RESERVED, st.just(CANARY)), min_size=1, max_size=4),
    st.sampled_from(["", CANARY]),
).filter(lambda password: CANARY in password and password.strip() == password)
SCHEMES = st.sampled_from(["postgres", "mysql", "redis", "http", "snowflake"])
EXTRAS = st.builds(lambda words: " ".join(words), st.lists(st.sampled_from(
    ["token", CANARY, "key=" + CANARY, "{'api_key': '" + CANARY + "'}", "x", "==", "{"]), min_size=1, max_size=3)
).filter(lambda extra: CANARY in extra)


def project_files(scheme: str, password: str, extra: str) -> dict[str, str]:
    uri = f"{scheme}://etl:{password}@db.example.com:5432/dw"
    return {
        ".env": f"AIRFLOW_CONN_ENV_URI='{uri}'\n"
                f"AIRFLOW_CONN_ENV_JSON='{json.dumps({'conn_type': 'http', 'extra': extra})}'\n"
                f"WAREHOUSE_URL='{uri}'\n",
        "docker-compose.yaml": yaml.safe_dump({"services": {"worker": {"image": "apache/airflow:2.7.3", "environment": {
            "AIRFLOW_CONN_COMPOSE_URI": uri, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": uri}}}}),
        "connections.json": json.dumps({
            "export_uri": uri,
            "export_fields": {"conn_type": "http", "host": "api.example.com", "password": password,
                              "extra": extra},
        }),
        "airflow_settings.yaml": yaml.safe_dump({"airflow": {"connections": [
            {"conn_id": "settings_conn", "conn_type": "http", "conn_host": "api.example.com",
             "conn_password": password, "conn_extra": extra}]}}),
        "airflow.cfg": f"[database]\nsql_alchemy_conn = {uri}\n[celery]\nbroker_url = {uri}\n"
                       f"flower_basic_auth = admin:{password}\n[smtp]\nsmtp_password = {password}\n",
        "entrypoint.sh": f"#!/bin/sh\nairflow connections add cli_uri --conn-uri {shlex.quote(uri)}\n",
        "Dockerfile": f"FROM apache/airflow:2.7.3\nENV AIRFLOW_CONN_DOCKER_URI={shlex.quote(uri)}\n",
        "dags/etl.py": f"from airflow import DAG\n\nWAREHOUSE = {json.dumps(uri)}\n",
    }


def every_output(root) -> dict[str, str]:
    target = get_version("2.10.3")
    result = scan(root, Settings(), target, use_cache=False)
    document = scan_document(result)
    outputs = {fmt: render(fmt, document, result.rules) for fmt in FORMATS}
    workspace = discover(root, Settings())
    plan = plan_export(read_definitions(workspace, analyse_env(workspace)), target=target)
    outputs["connections export"] = render_text(plan, None, False)
    outputs["connections export json"] = json.dumps(plan_document(plan, None, False))
    return outputs


@settings(max_examples=30, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(SCHEMES, PASSWORDS, EXTRAS)
def test_no_report_quotes_a_credential_of_any_shape(tmp_path_factory, scheme, password, extra):
    root = write_files(tmp_path_factory.mktemp("shapes"), project_files(scheme, password, extra))
    for name, text in every_output(root).items():
        assert CANARY not in text, (name, [line for line in text.splitlines() if CANARY in line][:3])


def test_a_password_with_reserved_characters_is_reported_not_quoted(make_project):
    """The finding still says what is wrong: an invalid URI, and a credential in clear text."""
    root = make_project({".env": f"AIRFLOW_CONN_WH=postgres://etl:{CANARY}#{CANARY}@db.example.com:5432/dw\n"})
    result = scan(root, Settings(), get_version("2.10.3"), use_cache=False)
    findings = {(f.rule, f.message) for f in result.findings}
    # One line, one finding: the credential in clear text is a related location of the invalid URI.
    assert {rule for rule, _ in findings} == {"CON008"}
    assert [r.note for f in result.findings for r in f.related if r.note.startswith("CON007: ")]
    assert any("percent-encoded" in message for rule, message in findings if rule == "CON008")
