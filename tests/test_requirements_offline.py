"""With no network at all (the offline switch set and every socket refused), scan, fix, package
and migrate give the same requirement findings and fixes as with the target's constraints file
given by hand, for every supported target whose MWAA image data ships with the tool; verify's
constraints come from the same data."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import SHARED
from migrator.compat import get_version, runtime, supported_versions

from migrator.airflow_env import constraints_file
from migrator.analysis.requirements import OFFLINE_ENV
from migrator.cli import main

TARGETS = [v.airflow for v in supported_versions() if runtime(v) is not None]
REQUIREMENTS = """\
# pipeline deps
apache-airflow[slack]==1.10.15
Flask==1.1.4
requests==2.20.0
docker==4.4.4
pandas==1.1.5
apache-airflow-providers-amazon
tabulate==0.8.7
my-company-lib==1.0
"""
DAG = "from airflow import DAG\nfrom airflow.providers.slack.operators.slack import SlackAPIPostOperator\n"


def _refuse(*args, **kwargs):
    raise OSError("network is off in this test")


def block_network(patch: pytest.MonkeyPatch) -> None:
    """The tool's offline switch, and every socket connection refused."""
    patch.setenv(OFFLINE_ENV, "1")
    patch.setattr(socket.socket, "connect", _refuse)
    patch.setattr(socket, "create_connection", _refuse)


def run(args, capsys) -> str:
    main(args)
    return capsys.readouterr().out


def requirement_findings(output: str) -> list[tuple[str, str, int, str]]:
    return sorted((f["rule"], f["path"], f["line"], f["message"].split(" (")[0])
                  for f in json.loads(output)["findings"] if f["rule"].startswith("REQ"))


@pytest.mark.parametrize("version", TARGETS)
def test_offline_equals_the_constraints_file_given_by_hand(version, make_project, tmp_path, capsys, monkeypatch):
    by_hand = ["--constraints", str(SHARED / "mwaa-data" / version / "airflow_constraints.txt")]
    files = {"requirements.txt": REQUIREMENTS, "dags/etl.py": DAG}
    offline_root, by_hand_root = make_project(files), make_project(files)

    def outcomes(root, extra):
        scan = requirement_findings(run(["scan", str(root), "--target", version, "--format", "json", "--no-cache",
                                         *extra], capsys))
        main(["fix", str(root), "--target", version, "--apply", "--no-cache", *extra])
        capsys.readouterr()
        main(["package", str(root), "--target", version, "--out", str(root.parent / f"{root.name}-bundle"), *extra])
        capsys.readouterr()
        return scan, (root / "requirements.txt").read_text(), \
            (root.parent / f"{root.name}-bundle" / "requirements.txt").read_text()

    with monkeypatch.context() as patch:
        block_network(patch)
        offline = outcomes(offline_root, [])
        main(["migrate", str(make_project(files)), "--target", version, "--out", str(tmp_path / "migrated")])
        capsys.readouterr()
    assert any(rule == "REQ004" for rule, *_ in offline[0]) and "REQ006" not in {r for r, *_ in offline[0]}
    assert offline == outcomes(by_hand_root, by_hand)
    assert (tmp_path / "migrated" / "bundle" / "requirements.txt").read_text() == offline[2]


def test_verify_s_constraints_need_no_network(tmp_path, monkeypatch):
    block_network(monkeypatch)
    path = constraints_file(get_version("3.3.1"), None, tmp_path)
    assert path.read_text() == runtime("3.3.1").constraints_text()
    assert path.parent == tmp_path / "constraints"
