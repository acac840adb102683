"""Constraint checks with the real MWAA constraint files, and how constraints are obtained."""

from __future__ import annotations

import hashlib
import http.server
import re
import shutil
import socket
import threading

import pytest
from conftest import EXAMPLE_PROJECT, SHARED
from migrator.compat import essential_pin_names, get_version, runtime, supported_versions

from migrator.analysis.requirements import (
    OFFLINE_ENV,
    cache_dir,
    parse_constraints_text,
    parse_requirements_text,
)
from migrator.cli import main
from migrator.config import Settings
from migrator.engine import scan

MWAA_DATA = SHARED / "mwaa-data"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MWAA_MIGRATOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(OFFLINE_ENV, raising=False)
    return tmp_path / "cache"


def pins(path) -> dict[str, str]:
    """name -> version of a constraints file, read with a plain regex (independent of the tool)."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def findings(root, version, rules, constraints=None):
    settings = Settings(select=rules, constraints=str(constraints) if constraints else None)
    return scan(root, settings, get_version(version), jobs=1, use_cache=False).findings


@pytest.mark.parametrize("version", ["2.10.3", "3.3.1"])
def test_example_project_against_real_constraint_files(version):
    constraints_file = MWAA_DATA / version / "airflow_constraints.txt"
    essential = pins(MWAA_DATA / version / "mwaa_essential_constraints.txt")
    apache = pins(constraints_file)
    result = findings(EXAMPLE_PROJECT, version, ("REQ001", "REQ004"), constraints_file)
    by_line = {(f.path, f.location.line): f for f in result}

    requirements = [r for path in ("requirements.txt", "requirements-extra.txt")
                    for r in parse_requirements_text((EXAMPLE_PROJECT / path).read_text(), path).requirements]
    names = essential_pin_names(version)
    checked_essential = checked_constraint = 0
    for requirement in requirements:
        if not requirement.pinned_version or requirement.name == "apache-airflow":
            continue
        key = (requirement.path, requirement.line)
        if requirement.name in names and requirement.name in essential:
            if requirement.pinned_version != essential[requirement.name]:
                finding = by_line[key]
                assert finding.rule == "REQ001"
                assert f"=={essential[requirement.name]}" in finding.message  # MWAA's version
                assert requirement.pinned_version in finding.message  # the file's version
                checked_essential += 1
        elif requirement.name in apache and requirement.pinned_version != apache[requirement.name]:
            finding = by_line[key]
            assert finding.rule == "REQ004"
            assert f"=={apache[requirement.name]}" in finding.message
            assert f"=={requirement.pinned_version}" in finding.message
            checked_constraint += 1
    assert checked_essential >= 3 and checked_constraint >= 3, (checked_essential, checked_constraint)


def test_essential_pin_versions_match_mwaa_essential_constraints():
    """The versions the tool takes from Apache's constraints are the ones MWAA enforces."""
    for version in ("2.10.3", "3.3.1"):
        apache = parse_constraints_text((MWAA_DATA / version / "airflow_constraints.txt").read_text(), "x")
        essential = pins(MWAA_DATA / version / "mwaa_essential_constraints.txt")
        for name in essential_pin_names(version) - {"apache-airflow"}:
            if apache.get(name) is not None and name in essential:
                assert apache.get(name) == essential[name], (version, name)


def test_local_constraint_file_of_the_requirements_is_used(make_project):
    root = make_project({"requirements.txt": "-c deps/constraints.txt\nrequests==2.25.1\n",
                         "deps/constraints.txt": "requests==2.32.5\n"})
    [finding] = findings(root, "3.3.1", ("REQ004", "REQ006"))
    assert finding.rule == "REQ004" and "requests==2.32.5" in finding.message and "deps/constraints.txt" in finding.message


def test_mwaa_dags_path_maps_to_the_dag_folder(make_project):
    root = make_project({"requirements.txt": "--constraint /usr/local/airflow/dags/constraints-3.12.txt\nrequests==2.25.1\n",
                         "dags/constraints-3.12.txt": "requests==2.32.5\n", "dags/etl.py": "from airflow import DAG\n"})
    assert [f.rule for f in findings(root, "3.3.1", ("REQ004", "REQ006", "REQ018"))] == ["REQ004"]


class _ConstraintsServer:
    def __init__(self, body: bytes):
        self.hits = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/constraints-3.3.1/constraints-3.12.txt"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_constraints_url_is_fetched_once_and_cached(make_project, private_cache):
    server = _ConstraintsServer(b"requests==2.32.5\n")
    try:
        root = make_project({"requirements.txt": f"-c {server.url}\nrequests==2.25.1\n"})
        for _ in range(2):  # two runs: the second reads the cache
            [finding] = findings(root, "3.3.1", ("REQ004", "REQ006"))
            assert finding.rule == "REQ004" and "requests==2.32.5" in finding.message
        assert server.hits == 1
        cached = private_cache / "constraints" / (hashlib.sha256(server.url.encode()).hexdigest()[:32] + ".txt")
        assert cached.read_text() == "requests==2.32.5\n"
        assert cache_dir() == cached.parent
    finally:
        server.close()


def test_unreachable_own_constraints_are_said_once_and_the_target_s_are_checked(make_project):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = make_project({"requirements.txt": f"-c http://127.0.0.1:{port}/constraints.txt\nrequests==2.25.1\n"})
    result = findings(root, "3.3.1", ("REQ", ))
    skipped = [f for f in result if f.rule == "REQ006"]
    assert len(skipped) == 1 and "--constraints FILE" in skipped[0].message
    [conflict] = [f for f in result if f.rule == "REQ004"]
    assert f"requests=={pins(MWAA_DATA / '3.3.1' / 'airflow_constraints.txt')['requests']}" in conflict.message


@pytest.mark.parametrize("version", [v.airflow for v in supported_versions() if runtime(v) is not None])
def test_offline_every_target_is_checked_against_its_image_constraints(make_project, monkeypatch, version):
    monkeypatch.setenv(OFFLINE_ENV, "1")
    apache = pins(MWAA_DATA / version / "airflow_constraints.txt")
    flask = pins(MWAA_DATA / version / "mwaa_essential_constraints.txt")["flask"]
    root = make_project({"requirements.txt": f"requests==2.0.0\nFlask==1.0\n--constraint {get_version(version).constraints_url}\n"})
    result = findings(root, version, ("REQ",))
    assert "REQ006" not in {f.rule for f in result}
    assert [f"requests=={apache['requests']}" in f.message for f in result if f.rule == "REQ004"] == [True]
    assert [f"Flask=={flask}" in f.message for f in result if f.rule == "REQ001"] == [True]


def test_offline_switch_skips_the_fetch_of_a_target_without_image_data(make_project, monkeypatch):
    monkeypatch.setenv(OFFLINE_ENV, "1")
    root = make_project({"requirements.txt": "requests==2.25.1\n"})
    [finding] = findings(root, "2.8.1", ("REQ006",))
    assert OFFLINE_ENV in finding.message


def test_wrong_version_url_is_reported_and_the_target_constraints_are_used(make_project, private_cache):
    target = get_version("3.3.1")
    cached = cache_dir() / (hashlib.sha256(target.constraints_url.encode()).hexdigest()[:32] + ".txt")
    cached.parent.mkdir(parents=True)
    shutil.copy(MWAA_DATA / "3.3.1" / "airflow_constraints.txt", cached)
    old = "https://raw.githubusercontent.com/apache/airflow/constraints-2.7.3/constraints-3.11.txt"
    root = make_project({"requirements.txt": f"--constraint {old}\nrequests==2.25.1\n"})
    result = findings(root, "3.3.1", ("REQ004", "REQ005", "REQ006"))
    assert sorted(f.rule for f in result) == ["REQ004", "REQ005"]
    conflict = next(f for f in result if f.rule == "REQ004")
    assert f"requests=={pins(MWAA_DATA / '3.3.1' / 'airflow_constraints.txt')['requests']}" in conflict.message


def test_scan_constraints_option(make_project, capsys):
    root = make_project({"requirements.txt": "Flask==2.2.5\n"})
    constraints = MWAA_DATA / "3.3.1" / "airflow_constraints.txt"
    code = main(["scan", str(root), "--select", "REQ001", "--target", "3.3.1", "--constraints", str(constraints),
                 "--format", "json", "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1
    flask = pins(MWAA_DATA / "3.3.1" / "mwaa_essential_constraints.txt")["flask"]
    assert f"Flask=={flask}" in out
    assert main(["scan", str(root), "--constraints", str(root / "missing.txt")]) == 2
