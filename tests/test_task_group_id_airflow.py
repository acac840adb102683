"""API021 tells the truth: the TaskGroup ids it flags load on a real Airflow 2.11.2 (with
``prefix_group_id=False``, which 2.x did not check), fail on a real Airflow 3.3.1, and load on
both after ``migrator fix --unsafe --apply``.

A synthetic project with the pattern a field repository had: a group id with a version suffix
(``...-Spark-3.5``) under ``prefix_group_id=False``, as a ``TaskGroup`` and as ``@task_group``.
"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.engine import scan
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

GROUP = '''\
import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup

with DAG("copy_spark", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    with TaskGroup(group_id="Copy-Spark-3.5", prefix_group_id=False):
        EmptyOperator(task_id="copy")
'''

DECORATED = '''\
import pendulum
from airflow import DAG
from airflow.decorators import task, task_group

with DAG("agg_spark", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    @task
    def aggregate():
        return 1

    @task_group(group_id="Agg-Spark-3.5", prefix_group_id=False)
    def spark():
        aggregate()

    spark()
'''

REJECTED = "has to be made of alphanumeric characters, dashes, and underscores exclusively"


def _errors(root, settings, target: str) -> dict[str, str | None]:
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    return {r.path: r.error for r in verify_project(root, settings, target, constraints=constraints).files}


def test_flagged_group_ids_fail_only_on_airflow_3_and_load_everywhere_after_the_fix(make_project):
    root = make_project({"dags/copy_spark.py": GROUP, "dags/agg_spark.py": DECORATED})
    settings = load_settings(root)
    only_api021 = dataclasses.replace(settings, select=("API021",))
    target = get_version("3.3.1")
    found = scan(root, only_api021, target, jobs=1, use_cache=False).findings
    assert sorted((f.path, f.location.line) for f in found) == [("dags/agg_spark.py", 10), ("dags/copy_spark.py", 7)]
    assert scan(root, only_api021, get_version("2.11.2"), jobs=1, use_cache=False).findings == []

    assert _errors(root, settings, "2.11.2") == {"dags/agg_spark.py": None, "dags/copy_spark.py": None}
    before = _errors(root, settings, "3.3.1")
    assert REJECTED in before["dags/copy_spark.py"] and "Copy-Spark-3.5" in before["dags/copy_spark.py"]
    assert REJECTED in before["dags/agg_spark.py"] and "Agg-Spark-3.5" in before["dags/agg_spark.py"]

    # Unsafe: a plain `fix` leaves it; `fix --unsafe` (and `migrate`: the file needs it) applies it.
    assert plan_fixes(root, only_api021, target, jobs=1, use_cache=False).files == {}
    plan = plan_fixes(root, only_api021, target, unsafe=True, jobs=1, use_cache=False)
    assert plan.fixed == {"API021": 2}
    apply_plan(root, plan)
    assert 'TaskGroup(group_id="Copy-Spark-3_5", prefix_group_id=False)' in (root / "dags/copy_spark.py").read_text()
    assert '@task_group(group_id="Agg-Spark-3_5", prefix_group_id=False)' in (root / "dags/agg_spark.py").read_text()
    assert scan(root, only_api021, target, jobs=1, use_cache=False).findings == []
    for version in ("3.3.1", "2.11.2"):
        assert _errors(root, settings, version) == {"dags/agg_spark.py": None, "dags/copy_spark.py": None}, version
