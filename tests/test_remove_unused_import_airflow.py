"""An unused import of a name Airflow 3 removed fails the DAG file on a real Airflow 3.3.1, and
the file loads after the fix ``migrate`` applies (API002's remove-unused-import).

The pattern real repositories had: a custom operator module that once decorated ``__init__``
with ``@apply_defaults``, lost the decorator, and kept the import.
"""

from __future__ import annotations

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

LEFTOVER = '''\
import pendulum
from airflow import DAG
from airflow.models import BaseOperator
from airflow.utils.decorators import apply_defaults


class EchoOperator(BaseOperator):
    def __init__(self, message, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def execute(self, context):
        return self.message


with DAG("leftover", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    EchoOperator(task_id="echo", message="hi")
'''


def test_the_unused_removed_import_fails_on_airflow_3_and_the_file_loads_after_the_fix(make_project):
    root = make_project({"dags/leftover.py": LEFTOVER})
    target = "3.3.1"
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    [before] = verify_project(root, settings, target, constraints=constraints).files
    assert "cannot import name 'apply_defaults'" in before.error
    plan = plan_fixes(root, settings, get_version(target), required=True, jobs=1, use_cache=False)
    assert plan.fixed.get("API002") == 1
    apply_plan(root, plan)
    assert "apply_defaults" not in (root / "dags" / "leftover.py").read_text()
    [after] = verify_project(root, settings, target, constraints=constraints).files
    assert after.error is None and after.dag_ids == ("leftover",), (after.error, after.dag_ids)
