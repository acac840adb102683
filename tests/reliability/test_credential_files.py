"""Credential files of other tools are recognised by their structure, whatever they are called.

Each family writes one format (YAML, JSON, INI, properties, shell, .netrc, .pgpass, dbt,
kubeconfig) with generated key names, nesting and file names. A literal secret under a
credential key is found, with where it sits and never its value; the same file with a
reference to the secret (``{{ env_var(...) }}``, ``${VAR}``), a placeholder or a harmless key
holds none. One generated project then goes through scan and package.
"""

from __future__ import annotations

import json
import subprocess
import sys

import yaml
from conftest import write_files
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analysis.credential_files import detect

CANARY = "Zq77nRy77Kw"
SECRET_KEYS = st.sampled_from(["password", "db_password", "DB_PASS", "apiToken", "client_secret", "private_key",
                               "secret", "auth_token", "PGPASSWORD", "sftp.password"])
HARMLESS_KEYS = st.sampled_from(["host", "tokenizer", "secretary", "password_file", "token_expiry", "user"])
NOT_SECRETS = st.sampled_from(["{{ env_var('DB_PASSWORD') }}", "${DB_PASSWORD}", "$(cat /run/secrets/db)",
                               "xxx", "<password>", ""])
SECRETS = st.builds(lambda prefix, suffix: f"{prefix}{CANARY}{suffix}", st.sampled_from(["", "s3-", "A1b2"]),
                    st.sampled_from(["", "==", "-x"]))
STEMS = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
PATHS = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), min_size=0, max_size=3)

def nested(path: list[str], key: str, value: str) -> dict:
    document: dict = {key: value}
    for part in reversed(path):
        document = {part: document}
    return document

def structured(syntax: str, path: list[str], key: str, value: str) -> str:
    document = {"name": "settings", **nested(path, key, value)}
    return json.dumps(document, indent=2) if syntax == "json" else yaml.safe_dump(document)

def key_value_lines(syntax: str, key: str, value: str) -> str:
    if syntax == "shell":
        return f"#!/bin/sh\nset -e\nexport {key.replace('.', '_')}='{value}'\n"
    if syntax == "ini":
        return f"[main]\nhost = db.example.com\n{key} = {value}\n"
    return f"# settings\nhost=db.example.com\n{key}: {value}\n"

FAMILIES = {
    # syntax -> (suffixes, writer(path, key, value) -> text)
    "yaml": ((".yaml", ".yml"), lambda path, key, value: structured("yaml", path, key, value)),
    "json": ((".json",), lambda path, key, value: structured("json", path, key, value)),
    "ini": ((".ini", ".cfg", ".conf"), lambda path, key, value: key_value_lines("ini", key, value)),
    "properties": ((".properties",), lambda path, key, value: key_value_lines("properties", key, value)),
    "shell": ((".sh", ".bash"), lambda path, key, value: key_value_lines("shell", key, value)),
}

@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.sampled_from(sorted(FAMILIES)), st.data(), STEMS, PATHS, SECRET_KEYS, SECRETS)
def test_a_literal_secret_under_a_credential_key_is_found_and_never_quoted(syntax, data, stem, path, key, secret):
    suffixes, write = FAMILIES[syntax]
    name = stem + data.draw(st.sampled_from(suffixes))
    found = detect(name, write(path, key, secret))
    assert found is not None, (name, key)
    form, fields = found
    assert form.syntax == syntax
    assert all(CANARY not in where for where, _ in fields)
    assert any(where.endswith(key.replace(".", "_") if syntax == "shell" else key) for where, _ in fields)

@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.sampled_from(sorted(FAMILIES)), st.data(), STEMS, PATHS, SECRET_KEYS, HARMLESS_KEYS, NOT_SECRETS, SECRETS)
def test_references_placeholders_and_harmless_keys_are_not_credentials(syntax, data, stem, path, key, harmless,
                                                                       stand_in, secret):
    suffixes, write = FAMILIES[syntax]
    name = stem + data.draw(st.sampled_from(suffixes))
    assert detect(name, write(path, key, stand_in)) is None
    assert detect(name, write(path, harmless, secret)) is None

@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(STEMS, st.sampled_from(["token", "client-key-data", "password"]), SECRETS, st.booleans())
def test_a_kubeconfig_is_a_credential_file_only_with_an_embedded_credential(stem, key, secret, embedded):
    user = {key: secret} if embedded else {"exec": {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "c"]}}
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "aws",
                           "users": [{"name": "aws", "user": user}]})
    found = detect(f"{stem}.yaml", text)
    if embedded:
        assert found is not None and found[0].id == "kubeconfig"
        assert found[1] == [(f"users[0].user.{key}", text.splitlines().index(f"    {key}: {secret}") + 1)]
    else:
        assert found is None

@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(STEMS, st.sampled_from(["password", "token", "private_key_passphrase", "keyfile_json"]), SECRETS,
       st.sampled_from([".yml", ".yaml"]))
def test_a_dbt_profile_is_read_as_one(profile, key, secret, suffix):
    value = {"private_key": secret} if key == "keyfile_json" else secret
    text = yaml.safe_dump({profile: {"target": "prod", "outputs": {"prod": {"type": "bigquery", key: value}}}})
    form, fields = detect(f"profiles{suffix}", text)
    assert form.id == "dbt-profiles"
    assert fields[0][0].startswith(f"{profile}.outputs.prod.{key}")

@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(st.lists(st.tuples(st.from_regex(r"[a-z][a-z0-9.]{0,10}", fullmatch=True), SECRETS), min_size=1, max_size=3),
       st.booleans())
def test_netrc_and_pgpass_passwords_are_found_on_their_lines(entries, one_line):
    separator = " " if one_line else "\n  "
    netrc = "".join(f"machine {host}{separator}login etl{separator}password {secret}\n" for host, secret in entries)
    form, fields = detect(".netrc", netrc)
    assert form.id == "netrc" and len(fields) == len(entries)
    assert all(CANARY not in where for where, _ in fields)
    lines = netrc.splitlines()
    assert [lines[line - 1].split()[-1] for _, line in fields] == [secret for _, secret in entries]
    pgpass = "# host:port:db:user:password\n" + "".join(f"{host}:5432:dw:etl:{secret}\n" for host, secret in entries)
    form, fields = detect(".pgpass", pgpass)
    assert form.id == "pgpass" and [line for _, line in fields] == list(range(2, 2 + len(entries)))

def test_scan_reports_and_package_leaves_out_a_generated_credential_file(tmp_path):
    root = write_files(tmp_path / "project", {
        "dags/etl.py": "from airflow import DAG\n",
        "dags/include/warehouse_conf.yaml": yaml.safe_dump({"warehouse": {"password": CANARY, "host": "dw"}}),
        "dags/include/README.md": f"not a credential file, though it mentions {CANARY[:4]}\n",
    })
    scan = subprocess.run([sys.executable, "-m", "migrator", "scan", str(root), "--format", "json", "--no-cache"],
                          capture_output=True, text=True, check=False)
    findings = [f for f in json.loads(scan.stdout)["findings"] if f["rule"] == "CON010"]
    assert [(f["path"], f["line"]) for f in findings] == [("dags/include/warehouse_conf.yaml", 3)]
    package = subprocess.run([sys.executable, "-m", "migrator", "package", str(root), "--out", str(tmp_path / "out")],
                             capture_output=True, text=True, check=False)
    assert package.returncode == 0, package.stderr
    assert CANARY not in scan.stdout + package.stdout + package.stderr
    assert not (tmp_path / "out" / "dags" / "include" / "warehouse_conf.yaml").exists()
    assert (tmp_path / "out" / "dags" / "include" / "README.md").is_file()

def test_a_credential_file_is_left_out_of_the_bundle_silently_never(tmp_path):
    """`--include` ships it, and says so: the choice is the user's, never silent."""
    root = write_files(tmp_path / "project", {
        "dags/etl.py": "from airflow import DAG\n",
        "dags/conf/app.properties": f"db.password={CANARY}\n",
    })
    package = subprocess.run([sys.executable, "-m", "migrator", "package", str(root), "--out", str(tmp_path / "out"),
                              "--include", "dags/conf/app.properties"], capture_output=True, text=True, check=False)
    assert package.returncode == 0, package.stderr
    assert (tmp_path / "out" / "dags" / "conf" / "app.properties").is_file()
    assert "shipped because --include 'dags/conf/app.properties' says so" in package.stdout
