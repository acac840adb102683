"""-f github (workflow-command annotations) and repository-relative paths in SARIF."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from migrator.compat import newest_version

from migrator.cli import main
from migrator.reporters.github import annotation

# `scan` without --target: the newest MWAA version.
NEWEST = newest_version().airflow
DAG = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"
       "with DAG('d', schedule=None) as dag:\n    BashOperator(task_id='t', bash_command='true')\n")
FINDING = {"rule": "API001", "name": "moved-import", "severity": "warning", "path": "dags/a,b:c.py",
           "line": 2, "column": 5, "end_line": 2, "end_column": 9, "message": "50% done\nnext line",
           "related": []}


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_an_annotation_escapes_as_the_actions_toolkit_does():
    assert annotation(FINDING, "airflow/") == (
        "::warning file=airflow/dags/a%2Cb%3Ac.py,line=2,endLine=2,col=5,endColumn=9,"
        "title=API001 moved-import::50%25 done%0Anext line\n")
    info = {**FINDING, "severity": "info", "related": [FINDING]}
    assert annotation(info).startswith("::notice file=dags/a%2Cb%3Ac.py,")
    assert annotation(info).endswith("(and 1 other place(s) of this cause)\n")


def test_scan_writes_one_annotation_per_finding(make_project, capsys):
    root = make_project({"dags/d.py": DAG})
    code, out, _ = run(["scan", str(root), "-f", "github"], capsys)
    assert code == 1
    assert out.splitlines() == [(
        "::error file=dags/d.py,line=2,endLine=2,col=45,endColumn=57,title=API001 moved-import::"
        "airflow.operators.bash_operator.BashOperator moved: use airflow.providers.standard.operators.bash."
        f"BashOperator (apache-airflow-providers-standard>=1.6.0, preinstalled on MWAA {NEWEST}); the old path "
        f"does not exist on Airflow {NEWEST}.")]


@pytest.fixture
def monorepo(make_project):
    if shutil.which("git") is None:
        pytest.skip("needs git")
    root = make_project({"teams/etl/dags/d.py": DAG})
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def uris(sarif: str) -> list[str]:
    results = json.loads(sarif)["runs"][0]["results"]
    return [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]


def test_paths_are_relative_to_the_repository_root(monorepo, capsys):
    project = monorepo / "teams" / "etl"
    _, out, _ = run(["scan", str(project), "-f", "sarif"], capsys)
    assert uris(out) == ["teams/etl/dags/d.py"]
    _, out, _ = run(["scan", str(project), "-f", "github"], capsys)
    assert out.startswith("::error file=teams/etl/dags/d.py,")
    _, out, _ = run(["scan", str(project), "-f", "json"], capsys)
    assert json.loads(out)["findings"][0]["path"] == "dags/d.py"  # the project's own paths


def test_sarif_root_overrides(monorepo, make_project, capsys):
    project = monorepo / "teams" / "etl"
    _, out, _ = run(["scan", str(project), "-f", "sarif", "--sarif-root", str(monorepo / "teams")], capsys)
    assert uris(out) == ["etl/dags/d.py"]
    _, out, _ = run(["scan", str(project), "-f", "sarif", "--sarif-root", str(project)], capsys)
    assert uris(out) == ["dags/d.py"]
    code, _, err = run(["scan", str(project), "-f", "sarif", "--sarif-root", str(project / "dags")], capsys)
    assert code == 2 and "is not inside it" in err


def test_outside_a_repository_paths_stay_the_projects(make_project, capsys):
    root = make_project({"dags/d.py": DAG})
    _, out, _ = run(["scan", str(root), "-f", "sarif"], capsys)
    assert uris(out) == ["dags/d.py"]
