"""API003 on the keys of a dict a project operator gets as ``**name`` tells the truth, and its fix
loads, in a real Airflow (3.3.1, and 2.11.2 where the old name still works).

The project's own operator hands its ``**kwargs`` on to ``BaseOperator``; a helper module that
does not import Airflow builds its tasks from a dict holding ``task_concurrency``. Airflow 3
rejects the key in ``BaseOperator`` ("Invalid arguments were passed to TaskServiceOperator"),
and verify keeps the line below that one, which names it. The fix renames the key in place.
"""

from __future__ import annotations

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

OPERATOR = '''\
try:
    from airflow.sdk import BaseOperator
except ImportError:
    from airflow.models import BaseOperator


class TaskServiceOperator(BaseOperator):
    def __init__(self, task_name, commands=(), **kwargs):
        super().__init__(task_id=task_name, **kwargs)
        self.commands = list(commands)

    def execute(self, context):
        return self.commands
'''

BUILDER = '''\
from common.operators import TaskServiceOperator


def phase_tasks(clusters):
    tasks = []
    for cluster in clusters:
        task_args = {"task_name": f"load-{cluster}", "task_concurrency": 1, "commands": []}
        task_args["commands"].append("warm")
        tasks.append(TaskServiceOperator(**task_args))
    return tasks
'''

DAG_FILE = '''\
import pendulum
from airflow import DAG

from common.builder import phase_tasks

with DAG("phases", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None) as dag:
    phase_tasks(["east", "west"])
'''


def _fixed_and_loaded(make_project, target: str):
    root = make_project({"dags/phases.py": DAG_FILE, "dags/common/__init__.py": "",
                         "dags/common/operators.py": OPERATOR, "dags/common/builder.py": BUILDER})
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    before = verify_project(root, settings, target, constraints=constraints, requirements=None)
    plan = plan_fixes(root, settings, get_version(target), unsafe=False, required=True, jobs=1, use_cache=False)
    apply_plan(root, plan)
    after = verify_project(root, settings, target, constraints=constraints, requirements=None)
    return root, plan, before.files[0], after.files[0]


def test_on_airflow_3_the_key_is_rejected_named_and_renamed(make_project):
    root, plan, before, after = _fixed_and_loaded(make_project, "3.3.1")
    assert before.error_line.startswith("TypeError: Invalid arguments were passed to TaskServiceOperator")
    assert "**kwargs: {'task_concurrency': 1}" in before.error  # the whole message, not its first line
    assert plan.fixed.get("API003") == 1
    assert '"max_active_tis_per_dag": 1' in (root / "dags" / "common" / "builder.py").read_text()
    assert after.error is None, after.error
    assert after.dag_ids == ("phases",) and after.tasks == 2


def test_on_airflow_2_the_old_key_loads_and_the_renamed_one_too(make_project):
    _root, _plan, before, after = _fixed_and_loaded(make_project, "2.11.2")
    assert before.error is None, before.error
    assert after.error is None, after.error
    assert after.dag_ids == ("phases",) and after.tasks == 2
