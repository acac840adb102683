"""Connection, variable and pool definitions and references, and host reachability."""

from __future__ import annotations

import json

from migrator.compat import get_version

from migrator.analysis.connections import (
    connection_json,
    connection_uri,
    host_reachability,
    parse_connection_uri,
    parse_connection_value,
    provider_for_connection_type,
)
from migrator.analysis.connections.project import analyse_connections, quick_pool_definitions
from migrator.analysis.envsources import analyse_env
from migrator.config import Settings
from migrator.engine import build_index, scan
from migrator.workspace import discover


def test_uri_form_round_trips():
    conn = parse_connection_uri("wh", "postgresql://etl%40corp:p%40ss%2Fword@db.example.com:5432/dw?sslmode=require",
                                ".env", 1, "env")
    assert (conn.conn_type, conn.login, conn.password, conn.host, conn.port, conn.schema) == \
        ("postgres", "etl@corp", "p@ss/word", "db.example.com", 5432, "dw")
    assert conn.extra == {"sslmode": "require"}
    again = parse_connection_uri("wh", connection_uri(conn), ".env", 1, "env")
    assert (again.login, again.password, again.host, again.port, again.schema, again.extra) == \
        (conn.login, conn.password, conn.host, conn.port, conn.schema, conn.extra)


def test_json_value_and_nested_extra():
    value = json.dumps({"conn_type": "http", "host": "api.example.com", "password": "pw",
                        "extra": {"headers": {"X-Env": "prod"}, "timeout": 30}})
    conn = parse_connection_value("api", value, ".env", 1, "env")
    assert conn.source_format == "json" and conn.extra_dict["headers"] == {"X-Env": "prod"}
    assert json.loads(connection_json(conn)) == json.loads(value)
    uri = connection_uri(conn)  # non-string extras travel as __extra__
    assert "__extra__=" in uri
    assert parse_connection_uri("api", uri, "", 1, "env").extra_dict == conn.extra_dict


def test_reference_values_and_broken_values():
    assert not parse_connection_value("x", "${WAREHOUSE_URI}", ".env", 1, "env").value_known
    assert "invalid JSON" in parse_connection_value("x", '{"conn_type": "http"', ".env", 1, "env").problem
    assert "no scheme" in parse_connection_value("x", "just-text", ".env", 1, "env").problem


def test_a_user_info_that_runs_past_the_authority_makes_an_invalid_uri_not_misread_fields():
    """Airflow's parser ends the authority at the first "/", "?" or "#": a password holding one
    unencoded is split into host, port and schema. Such a URI is invalid and keeps only the
    login and password it was meant to have; an "@" inside a query value is not a password's."""
    cases = {
        "postgres://etl:ab#cd@db.example.com:5432/dw": ("etl", "ab#cd"),
        "postgres://etl:12/cd@db.example.com/dw": ("etl", "12/cd"),  # "12" would be the port
        "mysql://etl:12?cd@db.example.com/dw": ("etl", "12?cd"),
        "mysql://etl:p@w/cd@db.example.com/dw": ("etl", "p@w/cd"),
    }
    for uri, (login, password) in cases.items():
        conn = parse_connection_uri("x", uri, ".env", 1, "env")
        assert "percent-encoded" in conn.problem, uri
        assert (conn.login, conn.password, conn.host, conn.port, conn.schema) == (login, password, None, None, None)
    for uri in ("smtp://etl:pw@mail.example.com?from=airflow@example.com", "http://api.example.com:8080/v1?to=a@b.c"):
        assert parse_connection_uri("x", uri, ".env", 1, "env").problem is None, uri
    port = parse_connection_uri("x", "postgres://etl:pw@db.example.com:99999/dw", ".env", 1, "env")
    assert (port.problem, port.password) == ("not a valid connection URI: the port is not a number from 0 to 65535",
                                             "pw")


def test_definitions_from_every_source(make_project):
    root = make_project({
        ".env": "AIRFLOW_CONN_WAREHOUSE=postgres://etl:pw@db.example.com/dw\nAIRFLOW_VAR_LANDING_BUCKET=acme-landing\n",
        "docker-compose.yaml": "services:\n  web:\n    environment:\n      - AIRFLOW_CONN_API=http://api.example.com\n",
        "connections.json": json.dumps({"crm": {"conn_type": "http", "host": "crm.example.com", "extra": "{\"a\": 1}"}}, indent=1),
        "variables.json": json.dumps({"config": {"retries": 3}, "env": "prod"}),
        "pools.json": json.dumps({"etl": {"slots": 4, "description": "ETL"}}),
        "airflow_settings.yaml": ("airflow:\n  connections:\n    - conn_id: sftp_vendor\n      conn_type: sftp\n"
                                  "      conn_host: sftp.vendor.example\n      conn_port: 22\n"
                                  "  variables:\n    - variable_name: region\n      variable_value: eu-west-1\n"
                                  "  pools:\n    - pool_name: api\n      pool_slot: 2\n"),
        "entrypoint.sh": ("#!/bin/bash\n"
                          "airflow connections add 'slack' --conn-type slackwebhook --conn-password 'T0/B0/x'\n"
                          "airflow connections -a --conn_id legacy --conn_uri mysql://u:p@10.0.0.5/db\n"
                          "airflow variables set team data-eng && airflow pools set heavy 3 'heavy jobs'\n"
                          "airflow variables -s owner alice\n"),
    })
    workspace = discover(root, Settings())
    facts = analyse_connections(workspace, analyse_env(workspace), [])
    connections = {c.conn_id: c for c in facts.connections}
    assert set(connections) == {"warehouse", "api", "crm", "sftp_vendor", "slack", "legacy"}
    assert (connections["warehouse"].origin, connections["warehouse"].line) == ("env", 1)
    assert (connections["api"].path, connections["api"].line) == ("docker-compose.yaml", 4)
    assert connections["crm"].extra_dict == {"a": 1} and connections["crm"].line == 2
    assert (connections["sftp_vendor"].port, connections["sftp_vendor"].origin, connections["sftp_vendor"].line) == \
        (22, "settings", 3)
    assert connections["slack"].password == "T0/B0/x" and connections["slack"].conn_type == "slackwebhook"
    assert connections["legacy"].host == "10.0.0.5"
    variables = {v.key: v.value for v in facts.variables}
    assert variables == {"landing_bucket": "acme-landing", "config": '{"retries": 3}', "env": "prod",
                         "region": "eu-west-1", "team": "data-eng", "owner": "alice"}
    assert {p.name: p.slots for p in facts.pools} == {"etl": 4, "api": 2, "heavy": 3}
    assert {p.name for p in quick_pool_definitions(workspace)} == {"etl", "api", "heavy"}
    assert build_index(workspace).pool_definition("heavy").path == "entrypoint.sh"


def test_pool_table_csv(make_project):
    """A ``pools*.csv`` table defines pools when its header names a pool and a slots column;
    another table of that name defines none, and the first definition of a name wins."""
    root = make_project({
        "airflow_var/pools_info.csv": "pool_name,slots,description\nwarehouse,4,loads\nftp, 1\n,3\nbroken\n",
        "pools_usage.csv": "day,count\n2024-01-01,3\n",
        "pools.json": json.dumps({"warehouse": {"slots": 9}}),
    })
    workspace = discover(root, Settings())
    assert sorted(workspace.pool_tables) == ["airflow_var/pools_info.csv", "pools_usage.csv"]
    facts = analyse_connections(workspace, analyse_env(workspace), [])
    assert {(p.name, p.slots, p.description, p.path, p.line) for p in facts.pools} == {
        ("warehouse", 4, "loads", "airflow_var/pools_info.csv", 2), ("ftp", 1, "", "airflow_var/pools_info.csv", 3),
        ("warehouse", 9, "", "pools.json", 1)}
    index = build_index(workspace)
    assert [(p.name, p.path, p.slots) for p in index.pools_defined] == \
        [("ftp", "airflow_var/pools_info.csv", 1), ("warehouse", "airflow_var/pools_info.csv", 4)]


def test_references_from_code_and_jinja(make_project):
    root = make_project({"dags/etl.py": (
        "from airflow import DAG\n"
        "from airflow.hooks.base import BaseHook\n"
        "from airflow.models import Variable\n"
        "from airflow.operators.bash import BashOperator\n"
        "conn = BaseHook.get_connection('crm')\n"
        "bucket = Variable.get('landing_bucket')\n"
        "BashOperator(task_id='t', bash_command=\"echo {{ conn.sftp_vendor.host }} {{ var.value.env }}"
        " {{ var.json.config['retries'] }} {{ var.value.get('region') }}\")\n"
    )})
    result = scan(root, Settings(select=("CON001", "CON002")), get_version("3.3.1"), jobs=1, use_cache=False)
    references = sorted((r.kind, r.key, r.line, r.via) for r in result.project.connections.references)
    assert references == [
        ("connection", "crm", 5, "get_connection"),
        ("connection", "sftp_vendor", 7, "jinja"),
        ("variable", "config", 7, "jinja"),
        ("variable", "env", 7, "jinja"),
        ("variable", "landing_bucket", 6, "Variable.get"),
        ("variable", "region", 7, "jinja"),
    ]
    assert {f.rule for f in result.findings} == {"CON001", "CON002"}


def test_host_reachability():
    assert host_reachability("db.example.com") is None
    assert host_reachability("dw.abc123.eu-west-1.rds.amazonaws.com") is None
    assert "loopback" in host_reachability("127.0.0.1")
    assert "Docker" in host_reachability("host.docker.internal")
    assert "private" in host_reachability("192.168.10.4")
    assert "single-label" in host_reachability("postgres")
    assert "internal DNS" in host_reachability("etl-db01.corp.acme.local")
    assert host_reachability("${DB_HOST}") is None


def test_connection_types_map_to_providers():
    assert provider_for_connection_type("snowflake") == "apache-airflow-providers-snowflake"
    assert provider_for_connection_type("google-cloud-platform") == "apache-airflow-providers-google"
    assert provider_for_connection_type("fs") is None


def test_deeply_nested_export_is_a_problem_not_a_crash(make_project):
    from migrator.analysis.connections.definition_files import _load_document

    document, _, problem = _load_document("[" * 100_000 + "]" * 100_000, "connections.json")
    assert document is None and problem.kind == "too-complex"


def test_what_only_ci_defines_is_a_test_fixture(make_project):
    root = make_project({
        "dags/etl.py": "from airflow import DAG\n",
        # in a CI service's folder, and run by a CI image's Dockerfile
        ".travis/entrypoint.sh": "#!/bin/sh\nairflow connections add ci_db --conn-uri postgres://u:p@localhost/db\n",
        "Dockerfile.travis": "FROM python:3.11\nRUN airflow variables set ci_flag 1\n",
        # the deployment's entrypoint, which CI runs too: still the deployment's
        "entrypoint.sh": "#!/bin/sh\nairflow connections add dw --conn-uri postgres://dw.example.com/dw\n",
        ".travis.yml": "script: sh entrypoint.sh\n",
    })
    workspace = discover(root, Settings())
    facts = analyse_connections(workspace, analyse_env(workspace), [])
    assert {c.conn_id for c in facts.deployed(facts.connections)} == {"dw"}
    assert {c.conn_id for c in facts.connections} == {"ci_db", "dw"}
    assert [v.key for v in facts.variables] == ["ci_flag"] and not list(facts.deployed(facts.variables))


def test_mentioned_keys_are_found_in_any_case_and_spelling_only_as_whole_words(make_project):
    """``mentioned_keys`` answers most files without decoding them (ASCII text naming no key in
    any case); a file that is not ASCII is still searched as text."""
    from migrator.analysis.connections import mentioned_keys
    from migrator.workspace import discover

    root = make_project({
        "dags/a.py": "from airflow.models import Variable\nX = Variable.get('S3_BUCKET')\n",
        "dags/b.sql": "select '{{ var.value.api_token_v2 }}'\n",  # a longer word: not api_token
        "dags/c.py": "# caf\u00e9\nPATH = Variable.get('\u212aey_path')\n",  # a Kelvin sign folds to k
        "dags/d.sh": "echo {{ var.value.ETL-Path }}\n",  # not only word characters
        "dags/vars.json": '{"s3_bucket": "b", "api_token": "t", "key_path": "/k", "unused": "u"}\n',
    })
    (root / "dags" / "f.sql").write_bytes("select '{{ var.value.utf16_key }}'\n".encode("utf-16"))
    (root / "dags" / "g.sql").write_bytes("-- caf\u00e9\nselect '{{ var.value.LATIN_KEY }}'\n".encode("latin-1"))
    workspace = discover(root, Settings())
    keys = ["s3_bucket", "API_TOKEN", "key_path", "unused", "etl-path", "utf16_key", "latin_key"]
    assert mentioned_keys(workspace, keys, ["dags/vars.json"]) == {
        "s3_bucket", "key_path", "etl-path", "utf16_key", "latin_key"}


def test_the_letters_folding_to_ascii_are_all_there_are():
    """``mentioned_keys`` reads a file's ASCII bytes alone unless it holds one of these letters: a
    case-insensitive match takes no other letter for an ASCII one."""
    import re
    import sys

    from migrator.analysis.connections import _FOLDING_TO_ASCII

    ascii_letter = re.compile("[a-z]", re.IGNORECASE)
    folding = {chr(code) for code in range(128, sys.maxunicode + 1) if ascii_letter.fullmatch(chr(code))}
    assert {letter.encode() for letter in folding} == set(_FOLDING_TO_ASCII)
