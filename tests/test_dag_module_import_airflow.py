"""MWA022 tells the truth: a DAG file that imports another DAG file's factory, where that file
builds its own DAG at import, has the DAG refused as a duplicate by a real Airflow 3.3.1 and
2.11.2 (both bag what a `with DAG` block closes while the importer runs); importing a helper of
a module whose DAG is built without such a block loads, and so does the remedy, the factory
moved into a helper module that builds no DAG.

A synthetic project with the pattern a field repository had: `dags/pipelines/discover.py`
defines `make_dag` and calls it at module level; `dags/generate.py` imports `make_dag` from it.
"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.engine import scan
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

HEAD = '''\
import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator

START = pendulum.datetime(2024, 1, 1, tz="UTC")
'''

FACTORY = HEAD + '''

def make_dag(dag_id):
    with DAG(dag_id, start_date=START, schedule=None, catchup=False) as dag:
        EmptyOperator(task_id="start")
    return dag
'''

PLAIN = HEAD + '''
dag = DAG("nightly", start_date=START, schedule=None, catchup=False)
EmptyOperator(task_id="start", dag=dag)


def on_failure(context):
    pass
'''

WEEKLY = HEAD + '''
from nightly import on_failure

with DAG("weekly", start_date=START, schedule=None, catchup=False, on_failure_callback=on_failure):
    EmptyOperator(task_id="start")
'''

DUPLICATE = "AirflowDagDuplicatedIdException: Ignoring DAG discover from dags/pipelines/discover.py"


def _errors(root, settings, target: str) -> dict[str, str | None]:
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    return {r.path: r.error for r in verify_project(root, settings, target, constraints=constraints).files}


def _flagged(root, settings, target: str) -> list[tuple[str, int, tuple[str, ...]]]:
    only_mwa022 = dataclasses.replace(settings, select=("MWA022",))
    return sorted((f.path, f.location.line, tuple(r.path for r in f.related))
                  for f in scan(root, only_mwa022, get_version(target), jobs=1, use_cache=False).findings)


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_an_imported_dag_file_is_refused_as_a_duplicate_and_the_helper_layout_loads(make_project, target):
    root = make_project({
        "dags/pipelines/__init__.py": "",
        "dags/pipelines/discover.py": FACTORY + '\n\nmake_dag("discover")\n',
        "dags/generate.py": HEAD + '\nfrom pipelines.discover import make_dag\n\nmake_dag("discover_more")\n',
        "dags/nightly.py": PLAIN,
        "dags/weekly.py": WEEKLY,
    })
    settings = load_settings(root)
    assert _flagged(root, settings, target) == [("dags/generate.py", 7, ("dags/pipelines/discover.py",))]
    errors = _errors(root, settings, target)
    assert DUPLICATE in errors["dags/pipelines/discover.py"] and "also found in dags/generate.py" in \
        errors["dags/pipelines/discover.py"]
    assert {path: error for path, error in errors.items() if path != "dags/pipelines/discover.py"} == {
        "dags/generate.py": None, "dags/nightly.py": None, "dags/weekly.py": None}

    # The remedy: the factory in a helper module that builds no DAG, imported by both files.
    (root / "dags/pipelines/factory.py").write_text(FACTORY)
    (root / "dags/pipelines/discover.py").write_text(
        HEAD + '\nfrom pipelines.factory import make_dag\n\nmake_dag("discover")\n')
    (root / "dags/generate.py").write_text(HEAD + '\nfrom pipelines.factory import make_dag\n\nmake_dag("discover_more")\n')
    assert _flagged(root, settings, target) == []
    assert set(_errors(root, settings, target).values()) == {None}
