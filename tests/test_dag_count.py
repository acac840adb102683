"""One DAG count (migrator.dag_count) said the same way by scan, size, package and migrate."""

from __future__ import annotations

import json

import pytest

from migrator.cli import main
from migrator.dag_count import DagCount, ModuleDags, count_dags

# Each pattern the definition has a clause for, and the files that must not count.
PROJECT = {
    "dags/static_one.py": 'from airflow import DAG\n\nDAG("static_one", schedule=None)\n',
    # One id in two files: Airflow keeps one DAG (MWA017 reports the other).
    "dags/dup_a.py": 'from airflow import DAG\n\nDAG("shared_id", schedule=None)\n',
    "dags/dup_b.py": 'from airflow import DAG\n\nDAG("shared_id", schedule=None)\n',
    # A loop the analysis unrolls (3 DAGs), and one over what only running tells ("at least" 1).
    "dags/loop.py": 'from airflow import DAG\n\nfor i in range(3):\n    DAG(f"x_{i}", schedule=None)\n',
    "dags/dynamic.py": ('import json\nfrom airflow import DAG\n\n'
                        'for name in json.load(open("dags.json")):\n    DAG(f"y_{name}", schedule=None)\n'),
    "dags/two.py": 'from airflow import DAG\n\nDAG("two_a", schedule=None)\nDAG("two_b", schedule=None)\n',
    "dags/helpers/util.py": "def helper():\n    return 1\n",
    # Not parsed by the DAG processor: .airflowignore'd, or outside the DAG folder.
    "dags/.airflowignore": "archive/\n",
    "dags/archive/old.py": 'from airflow import DAG\n\nDAG("old", schedule=None)\n',
    "plugins/plugin_dag.py": 'from airflow import DAG\n\nDAG("in_plugins", schedule=None)\n',
}
# static_one, shared_id, two_a, two_b, x_0..x_2 and dynamic.py's site, in 6 files.
WORDS = "at least 8 DAGs in 6 DAG files"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def test_count_dedupes_static_ids_and_counts_other_sites_as_at_least():
    summaries = [
        ModuleDags(built_ids=("same",)),
        ModuleDags(built_ids=("same",)),
        ModuleDags(built_ids=("other",), others=2, at_least=True),
        ModuleDags(),
    ]
    assert count_dags(summaries) == DagCount(dags=4, files=3, at_least=True)
    assert count_dags(summaries[:2]).text() == "1 DAG in 2 DAG files"
    assert count_dags(summaries).text() == "at least 4 DAGs in 3 DAG files"


@pytest.fixture
def project(make_project):
    return make_project(PROJECT)


def test_scan_reports_the_count(project, capsys):
    _, out = run(["scan", str(project), "-f", "json"], capsys)
    inventory = json.loads(out)["inventory"]
    assert (inventory["dags"], inventory["dag_files"], inventory["dags_estimated"]) == (8, 6, True)
    _, out = run(["scan", str(project)], capsys)
    assert "at least 8 DAGs," in out
    _, out = run(["scan", str(project), "-f", "markdown"], capsys)
    assert "6 DAG files, at least 8 DAGs," in out


def test_size_reports_the_count(project, capsys):
    _, out = run(["size", str(project), "--format", "json"], capsys)
    inputs = json.loads(out)["inputs"]
    assert (inputs["dags"], inputs["files_with_dags"], inputs["dags_at_least"]) == (8, 6, True)
    _, out = run(["size", str(project)], capsys)
    assert f"Project: {WORDS}," in out
    assert f"| DAGs | {WORDS} |" in out


def test_package_reports_the_count(project, tmp_path, capsys):
    _, out = run(["package", str(project), "--out", str(tmp_path / "bundle")], capsys)
    assert f"; {WORDS}" in out


def test_migrate_reports_the_count(project, tmp_path, capsys):
    out_dir = tmp_path / "out"
    _, out = run(["migrate", str(project), "--out", str(out_dir)], capsys)
    assert "bundle/: at least 8 DAGs," in out
    assert f"\n{WORDS}.\n" in (out_dir / "report.md").read_text()
