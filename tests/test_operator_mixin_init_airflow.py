"""API019 tells the truth: the operators it flags fail to load on a real Airflow 3.3.1, and load
after ``migrator fix --apply`` (the LoggingMixin subclass) or the change its documentation gives
(the mixin with a required parameter, which has no automatic fix).

A synthetic project with the two patterns real repositories had: a LoggingMixin subclass listed
before the operator's base (``got an unexpected keyword argument 'task_id'``) and a mixin with a
required ``__init__`` parameter listed after it (``missing 1 required positional argument``).
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

MIXINS = '''\
from airflow.utils.log.logging_mixin import LoggingMixin


class RetryMixin(LoggingMixin):
    def __init__(self, max_retries=5, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_retries = max_retries


class AlertingMixin:
    def __init__(self, configuration):
        self.configuration = configuration
        super().__init__()
'''

RETRYING = '''\
import pendulum
from airflow import DAG
from airflow.models import BaseOperator

from company.mixins import RetryMixin


class RetryingOperator(RetryMixin, BaseOperator):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def execute(self, context):
        return self.max_retries


with DAG("retrying", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    RetryingOperator(task_id="run", max_retries=2)
'''

ALERTING = '''\
import pendulum
from airflow import DAG
from airflow.models import BaseOperator

from company.mixins import AlertingMixin


class AlertingOperator(BaseOperator, AlertingMixin):
    def __init__(self, configuration, **kwargs):
        super().__init__(**kwargs)
        AlertingMixin.__init__(self, configuration)

    def execute(self, context):
        return self.configuration


with DAG("alerting", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    AlertingOperator(task_id="run", configuration={"team": "data"})
'''


def test_flagged_operators_fail_on_airflow_3_and_load_after_the_fix_and_the_documented_change(make_project):
    root = make_project({"dags/company/__init__.py": "", "dags/company/mixins.py": MIXINS,
                         "dags/retrying.py": RETRYING, "dags/alerting.py": ALERTING})
    target = "3.3.1"
    settings = load_settings(root)
    only_air019 = dataclasses.replace(settings, select=("API019",))
    found = scan(root, only_air019, get_version(target), jobs=1, use_cache=False).findings
    assert sorted(f.path for f in found) == ["dags/alerting.py", "dags/retrying.py"]
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    before = {r.path: r for r in verify_project(root, settings, target, constraints=constraints).files}
    assert "unexpected keyword argument 'task_id'" in before["dags/retrying.py"].error
    assert "missing 1 required positional argument: 'configuration'" in before["dags/alerting.py"].error

    plan = plan_fixes(root, only_air019, get_version(target), jobs=1, use_cache=False)
    assert sorted(plan.files) == ["dags/retrying.py"] and plan.fixed == {"API019": 1}
    apply_plan(root, plan)
    assert "class RetryingOperator(RetryMixin, BaseOperator, LoggingMixin):" in (root / "dags" / "retrying.py").read_text()
    mixins = root / "dags" / "company" / "mixins.py"
    mixins.write_text(mixins.read_text().replace("def __init__(self, configuration):",
                                                 "def __init__(self, configuration=None):"))
    assert scan(root, only_air019, get_version(target), jobs=1, use_cache=False).findings == []
    after = {r.path: r for r in verify_project(root, settings, target, constraints=constraints).files}
    for path in ("dags/retrying.py", "dags/alerting.py"):
        assert after[path].error is None, (path, after[path].error)
        assert len(after[path].dag_ids) == 1, (path, after[path].dag_ids)
