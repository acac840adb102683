"""MWA021 on paths read from the working directory (issue 18): when the read runs decides the
severity and the words, and only files the project holds are judged."""

from __future__ import annotations

from migrator.compat import get_version

from migrator.analysis.read_paths import quick_helper_files, quick_root_named_files
from migrator.config import Settings
from migrator.engine import scan
from migrator.findings import Severity


def _mwa021(root):
    return [f for f in scan(root, Settings(select=("MWA021",)), get_version("3.3.1"), jobs=1, use_cache=False).findings
            if f.rule == "MWA021"]


def test_a_read_while_parsed_is_an_error_and_one_only_a_task_runs_is_a_warning_that_says_when(make_project):
    root = make_project({
        "catalogs/catalog.yaml": "sources: {}\n",
        "data/funders.csv": "id\n",
        "dags/harvest.py": (
            "import pandas\nfrom airflow.sdk import DAG, task\n\n"
            "FUNDERS = pandas.read_csv('data/funders.csv')\n\n"
            "@task\ndef harvest():\n    with open('catalogs/catalog.yaml') as fh:\n        return fh.read()\n\n"
            "with DAG('harvest', schedule=None):\n    harvest()\n"),
    })
    by_file = {f.anchor: f for f in _mwa021(root)}
    assert sorted(by_file) == ["catalogs/catalog.yaml", "data/funders.csv"]
    parsed, task = by_file["data/funders.csv"], by_file["catalogs/catalog.yaml"]
    assert (parsed.severity, parsed.location.line) == (Severity.ERROR, 4)
    assert "while the file is parsed" in parsed.message and "/usr/local/airflow" in parsed.message
    assert (task.severity, task.location.line) == (Severity.WARNING, 8)
    assert "while the file is parsed" not in task.message and "in a task" in task.message


def test_one_file_named_twice_in_a_module_is_one_finding_at_its_first_read(make_project):
    root = make_project({
        "catalogs/catalog.yaml": "sources: {}\n",
        "dags/catalog.py": ("import os\n\nSOURCE = os.environ.get('CATALOG', default='./catalogs/catalog.yaml')\n"
                            "TEXT = open(SOURCE).read()\n"),
    })
    [finding] = _mwa021(root)
    assert (finding.anchor, finding.location.line) == ("catalogs/catalog.yaml", 3)


def test_the_root_named_files_are_the_project_files_the_literals_name_from_the_root(tmp_path):
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "catalog.yaml").write_text("x")
    (tmp_path / "feeds.json").write_text("{}")
    outside = tmp_path.parent / "secret.json"
    outside.write_text("{}")
    texts = {"dags/a.py": b"A = 'catalogs/catalog.yaml'\nB = \"./feeds.json\"\nC = '../secret.json'\n"
                          b"D = '/etc/hosts.txt'\nE = 'missing/file.csv'\nF = 'catalogs'\n"}
    assert quick_root_named_files(tmp_path, texts) == {"catalogs/catalog.yaml", "feeds.json"}


def test_the_helper_files_are_those_under_helper_modules_folders_without_the_dag_folder(tmp_path):
    for rel in ("acme/__init__.py", "acme/data/x.csv", "acme/dags/d.py", "acme/dags/sql/q.sql", "other/y.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert quick_helper_files(tmp_path, frozenset({"acme/__init__.py"}), ["acme/dags", ""]) == {
        "acme/__init__.py", "acme/data/x.csv"}
