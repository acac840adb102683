"""No credential from the project reaches any output, report, diff, error or written file.

tests/reliability/canaries.py plants a unique canary credential in every place real projects
keep them (connection URIs, JSON extras, airflow.cfg, .env, compose, Dockerfile, entrypoint,
requirements index URL, DAG code, key and credential files). Every command runs on it in
every output format; no canary may appear in stdout, stderr, or any file the tool writes,
except copies of the project's own files (a fixed DAG still holds the password it held; the
bundle's dags/ are the DAG files). `migrator verify` is left out (it needs a real Airflow).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from reliability import canaries

TIMEOUT = 300
# Files of other tools holding a canary -> what `package` says they contain (CON010 reports each).
CREDENTIAL_FILES = {
    "dags/.netrc": "a .netrc password",
    "dags/.pgpass": "a PostgreSQL password file",
    "dags/conf/erp.properties": "credentials in a Java properties file (erp.db.password)",
    "dags/conf/legacy.ini": "credentials in an INI settings file (password)",
    "dags/conf/pipeline.yaml": "credentials in a YAML settings file (sftp.secret)",
    "dags/conf/settings.json": "credentials in a JSON settings file (partner.api_token)",
    "dags/credentials.json": "credentials in a JSON settings file (client_secret)",
    "dags/dbt/profiles.yml": "a dbt profile with credentials (warehouse.outputs.prod.password)",
    "dags/gcp/bq.json": "a Google service-account key (private_key)",
    "dags/keys/deploy.txt": "a private key",
    "dags/keys/sftp_key": "a private key",
    "dags/kube/cluster.yaml": "a kubeconfig with embedded credentials (users[0].user.token)",
    "plugins/scripts/setenv.sh": "credentials in a shell script (ERP_PASSWORD)",
}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migrator", *args], check=False,
                          capture_output=True, text=True, timeout=TIMEOUT)


def assert_no_canary(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert canaries.leaks(proc.stdout) == {}, canaries.leaks(proc.stdout)
    assert canaries.leaks(proc.stderr) == {}, canaries.leaks(proc.stderr)


def copies_of_project_files(root: Path, tree: Path, mapping) -> set[Path]:
    """Files under ``tree`` byte-identical to the project file ``mapping(rel)`` names."""
    copies = set()
    for path in tree.rglob("*"):
        source = mapping(path.relative_to(tree).as_posix())
        if path.is_file() and source is not None and (root / source).is_file() \
                and (root / source).read_bytes() == path.read_bytes():
            copies.add(path)
    return copies


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = canaries.build(tmp_path_factory.mktemp("canaries") / "project")
    # Sanity: the planted canaries are all there, so finding none in an output means something.
    assert set(canaries.leaks_in_tree(root, ()).get(".env", [])) >= {"env-conn-uri-password"}
    planted = {place for places in canaries.leaks_in_tree(root).values() for place in places}
    assert planted == set(canaries.CANARIES)
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown"])
def test_scan_reports_hold_no_credential(project, tmp_path, fmt):
    proc = run_cli("scan", str(project), "--format", fmt, "--no-cache")
    assert proc.returncode == 1
    assert_no_canary(proc)
    report = tmp_path / f"report.{fmt}"
    written = run_cli("scan", str(project), "--format", fmt, "--output", str(report))
    assert_no_canary(written)
    assert canaries.leaks(report.read_text()) == {}


def test_scan_reports_do_name_the_credentials_they_hide(project):
    """The masking hides values, not findings: each planted secret is still reported."""
    doc = json.loads(run_cli("scan", str(project), "--format", "json", "--no-cache").stdout)
    paths = {f["path"] for f in doc["findings"] if f["rule"].startswith(("CON", "CFG", "REQ"))}
    assert {".env", "airflow.cfg", "connections.json", "docker-compose.yaml", "requirements.txt",
            "entrypoint.sh", "Dockerfile", "dags/warehouse_load.py"} <= paths | {
        f["path"] for f in doc["findings"]}
    assert "****" in json.dumps(doc)
    credential_files = {f["path"] for f in doc["findings"] if f["rule"] == "CON010"}
    assert credential_files == set(CREDENTIAL_FILES)


def test_fix_diff_and_summary_mask_credentials(project):
    proc = run_cli("fix", str(project), "--no-cache")
    assert proc.returncode == 1
    assert_no_canary(proc)
    assert "+++ b/dags/warehouse_load.py" in proc.stdout
    assert "hold credentials and are shown masked" in proc.stderr


def test_fix_apply_writes_no_credential_the_file_did_not_hold(tmp_path):
    root = canaries.build(tmp_path / "copy")
    before = {path: canaries.leaks(path.read_text()) for path in root.rglob("*") if path.is_file()}
    proc = run_cli("fix", str(root), "--apply", "--no-cache")
    assert proc.returncode == 0
    assert_no_canary(proc)
    for path, had in before.items():
        assert canaries.leaks(path.read_text()).keys() <= had.keys(), path
    assert not [p for p in root.rglob("*") if p not in before and p.is_file()]


def test_package_outputs_and_bundle_hold_no_credential(project, tmp_path):
    out = tmp_path / "bundle"
    text = run_cli("package", str(project), "--out", str(out))
    assert text.returncode == 0
    assert_no_canary(text)
    for line in ("dags/.env: environment file (may hold secrets)", "dags/.netrc: credential file",
                 "dags/credentials.json: credential file",
                 "dags/keys/deploy.txt: contains a private key",
                 "plugins/.env: environment file (may hold secrets)"):
        assert line in text.stdout  # what was left out, and why
    for path, what in CREDENTIAL_FILES.items():  # left out by content, or by name first
        assert f"{path}: contains {what}" in text.stdout or f"{path}: credential file" in text.stdout, path
    assert "REQUIREMENTS_PASSWORD_1" in text.stdout  # the index password is not shipped
    assert_no_canary(run_cli("package", str(project), "--out", str(out), "--format", "json"))
    # The DAG files are the project's own code, shipped as they are (and so is the kubeconfig
    # MWAA's EKS guide has, which holds no secret); nothing else may leak.
    dag_copies = copies_of_project_files(project, out / "dags", lambda rel: f"dags/{rel}")
    assert dag_copies == {out / "dags" / "warehouse_load.py", out / "dags" / "kube_config.yaml"}
    leaks = canaries.leaks_in_tree(out, skip=tuple(dag_copies))
    assert leaks == {}, leaks
    requirements = (out / "requirements.txt").read_text()
    assert "https://deploy:${REQUIREMENTS_PASSWORD_1}@nexus.corp.example.com/simple" in requirements
    startup = (out / "startup.sh").read_text()
    assert "WAREHOUSE_HOST" in startup and "DWH_PASSWORD" not in startup


def test_package_ships_credentials_only_when_asked(project, tmp_path):
    out = tmp_path / "bundle"
    proc = run_cli("package", str(project), "--out", str(out), "--include-secret-options",
                   "--include", "dags/.env")
    assert proc.returncode == 0
    assert_no_canary(proc)  # the report still masks what the bundle now holds
    assert canaries.CANARIES["requirements-index-password"] in (out / "requirements.txt").read_text()
    assert canaries.CANARIES["dags-env-file"] in (out / "dags" / ".env").read_text()
    assert "shipped because --include 'dags/.env' says so" in proc.stdout


@pytest.mark.parametrize("fmt", ["markdown", "json", "html"])
def test_size_report_holds_no_credential(project, fmt):
    proc = run_cli("size", str(project), "--format", fmt)
    assert proc.returncode == 0
    assert_no_canary(proc)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_connections_export_dry_run_holds_no_credential(project, fmt):
    proc = run_cli("connections", "export", str(project), "--format", fmt)
    assert proc.returncode == 0
    assert_no_canary(proc)
    assert "airflow/connections/warehouse_ro" in proc.stdout  # exported, value masked
    assert "connections-broken.json" in proc.stdout  # named as not read, its password not quoted


def test_migrate_reports_and_bundle_hold_no_credential(project, tmp_path):
    out = tmp_path / "migrated"
    proc = run_cli("migrate", str(project), "--out", str(out))
    assert proc.returncode == 1
    assert_no_canary(proc)
    for report in ("report.md", "report.json"):
        assert canaries.leaks((out / report).read_text()) == {}, report
    # project/ is the (fixed) copy of the project; the bundle's DAG files are its DAG files.
    dag_copies = copies_of_project_files(out / "project", out / "bundle" / "dags",
                                         lambda rel: f"dags/{rel}")
    leaks = canaries.leaks_in_tree(out, skip=(out / "project", *dag_copies))
    assert leaks == {}, leaks
