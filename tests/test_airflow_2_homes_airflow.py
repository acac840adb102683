"""An Airflow 3 project's Task SDK imports fail on a real Airflow 2.11.2, and the file loads after
the fix ``migrate`` applies (API001's replace-import to the names' Airflow 2 homes, the
airflow-2-homes table of compat's moves.json).

The pattern real repositories had: a project written for Airflow 3 (``from airflow.sdk import dag,
task, task_group, get_current_context``) moved to an MWAA environment on Airflow 2.
"""

from __future__ import annotations

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

AIRFLOW_3_PROJECT = '''\
import pendulum
from airflow.sdk import Asset, Label, Variable, dag, get_current_context, task, task_group

RAW = Asset("s3://bucket/raw.csv")


@dag(start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=[RAW], catchup=False)
def written_for_airflow_3():
    @task_group
    def load():
        @task
        def extract():
            return get_current_context()["ti"].task_id

        @task.short_circuit
        def check():
            return Variable.get("enabled", default_var="yes") == "yes"

        check() >> Label("when enabled") >> extract()

    load()


written_for_airflow_3()
'''


def test_task_sdk_imports_fail_on_airflow_2_and_the_file_loads_after_the_fix(make_project):
    root = make_project({"dags/sdk_project.py": AIRFLOW_3_PROJECT})
    target = "2.11.2"
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    [before] = verify_project(root, settings, target, constraints=constraints).files
    assert "No module named 'airflow.sdk'" in before.error
    plan = plan_fixes(root, settings, get_version(target), required=True, jobs=1, use_cache=False)
    assert plan.fixed.get("API001") == 7
    apply_plan(root, plan)
    fixed = (root / "dags" / "sdk_project.py").read_text()
    assert "airflow.sdk" not in fixed and 'RAW = Dataset("s3://bucket/raw.csv")' in fixed
    [after] = verify_project(root, settings, target, constraints=constraints).files
    assert after.error is None and after.dag_ids == ("written_for_airflow_3",), (after.error, after.dag_ids)
