"""One DAG count (migrator.dag_count) said the same way by scan, size, package and migrate."""

from __future__ import annotations

import json

import pytest

from migrator.cli import main
from migrator.dag_count import DagCount, DagFactory, FactoryCall, ModuleDags, count_dags

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


# DAG factories another module of the project defines, called from DAG files: each shape alone,
# then the words scan, size and package say for it.
FACTORY = ('from airflow import DAG\n\n\n'
           'def create_dag(name):\n    return DAG(f"made_{name}", schedule=None)\n')
WITH_BLOCK_FACTORY = ('from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\n\n\n'
                      'def build(name):\n    with DAG(dag_id=name, schedule=None) as dag:\n'
                      '        EmptyOperator(task_id="start")\n    return dag\n')
DECORATED = ('from airflow.decorators import dag\nfrom airflow.operators.empty import EmptyOperator\n\n\n'
             '@dag(schedule=None)\ndef nightly():\n    EmptyOperator(task_id="t")\n')
FACTORY_SHAPES = {
    "direct call": ({"mypkg/factory.py": FACTORY,
                     "dags/direct.py": 'from mypkg.factory import create_dag\n\ndag = create_dag("one")\n'},
                    "1 DAG in 1 DAG file"),
    "loop over a literal list": ({"mypkg/factory.py": FACTORY,
                                  "dags/loop.py": ('from mypkg.factory import create_dag\n\n'
                                                   'for name in ["a", "b", "c"]:\n'
                                                   '    globals()[name] = create_dag(name)\n')},
                                 "3 DAGs in 1 DAG file"),
    "loop over a Variable": ({"mypkg/factory.py": FACTORY,
                              "dags/loop.py": ('from airflow.models import Variable\n'
                                               'from mypkg.factory import create_dag\n\n'
                                               'for name in Variable.get("names", deserialize_json=True):\n'
                                               '    globals()[name] = create_dag(name)\n')},
                             "at least 1 DAG in 1 DAG file"),
    "with DAG(...) as dag: return dag": ({"mypkg/builders.py": WITH_BLOCK_FACTORY,
                                          "dags/a.py": 'from mypkg.builders import build\n\ndag = build("a")\n',
                                          "dags/b.py": 'from mypkg.builders import build\n\ndag = build("b")\n'},
                                         "2 DAGs in 2 DAG files"),
    # The id is the function's: two files calling it build one DAG.
    "@dag function": ({"mypkg/flows.py": DECORATED,
                       "dags/nightly.py": 'from mypkg.flows import nightly\n\nnightly()\n',
                       "dags/again.py": 'from mypkg.flows import nightly\n\nnightly_dag = nightly()\n'},
                      "1 DAG in 2 DAG files"),
    # A factory module in the DAG folder builds nothing itself when another DAG file calls it
    # (relative to the DAG folder, as Airflow imports it).
    "factory in the DAG folder": ({"dags/common/__init__.py": "",
                                   "dags/common/factory.py": FACTORY,
                                   "dags/a.py": 'from common.factory import create_dag\n\ncreate_dag("a")\n'},
                                  "1 DAG in 1 DAG file"),
    # A SubDAG runs inside its parent's runs: the factory building it adds no DAG.
    "SubDAG factory": ({"dags/subdags/__init__.py": "",
                        "dags/subdags/child.py": ('from airflow import DAG\n\n\n'
                                                  'def make_subdag(parent, child):\n'
                                                  '    return DAG(f"{parent}.{child}", schedule=None)\n'),
                        "dags/parent.py": ('from airflow import DAG\n'
                                           'from airflow.operators.subdag import SubDagOperator\n'
                                           'from subdags.child import make_subdag\n\n'
                                           'with DAG("parent", schedule=None) as dag:\n'
                                           '    SubDagOperator(task_id="child", subdag=make_subdag("parent", "child"))\n')},
                       "1 DAG in 1 DAG file"),
    # Called from no file: it counts where it is, as a lower bound (other code may call it).
    "factory nobody calls": ({"dags/factory.py": FACTORY, "dags/plain.py": "X = 1\n"},
                             "at least 1 DAG in 1 DAG file"),
}


@pytest.mark.parametrize("shape", FACTORY_SHAPES)
def test_scan_size_and_package_count_factories_called_from_dag_files(shape, make_project, tmp_path, capsys):
    files, words = FACTORY_SHAPES[shape]
    project = make_project(files)
    _, out = run(["scan", str(project), "-f", "json"], capsys)
    inventory = json.loads(out)["inventory"]
    scanned = DagCount(inventory["dags"], inventory["dag_files"], inventory["dags_estimated"])
    assert scanned.text() == words
    _, out = run(["size", str(project), "--format", "json"], capsys)
    inputs = json.loads(out)["inputs"]
    assert DagCount(inputs["dags"], inputs["files_with_dags"], inputs["dags_at_least"]) == scanned
    _, out = run(["package", str(project), "--out", str(tmp_path / "bundle")], capsys)
    assert f"; {words}" in out


def test_a_factory_counts_the_dags_one_call_builds():
    # A factory building two DAGs per call, called in a loop of three: six, no id to dedupe.
    library = ModuleDags(factories=(DagFactory("pkg.f.pair", 2, False),))
    caller = ModuleDags(factory_calls=(FactoryCall("pkg.f.pair", 3, False), FactoryCall("pkg.util.helper", 1, False)))
    assert count_dags([caller], [library]) == DagCount(6, 1, False)
    # A factory whose own loop runs over what only running tells makes the count a lower bound.
    library = ModuleDags(factories=(DagFactory("pkg.f.pair", 1, True),))
    assert count_dags([caller], [library]) == DagCount(3, 1, True)
