"""API019 tells the truth: the operators it flags fail to load on a real Airflow 3.3.1, and load
after ``migrator fix --apply``; on a real Airflow 2.11.2 the fix leaves the MRO of a class
with a LoggingMixin subclass as it was, and a mixin after the operator's base is initialised
once, by the operator's explicit call, as before.

A synthetic project with the patterns real repositories had: a LoggingMixin subclass listed
before the operator's base, BaseOperator itself or a provider's operator subclass whose
``__init__`` hands on the arguments (``got an unexpected keyword argument 'task_id'``), and a
mixin with a required ``__init__`` parameter listed after BaseOperator or a provider's operator
subclass, which the operator initialises with an explicit ``Mixin.__init__(self, ...)`` call
(``missing 1 required positional argument``).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.airflow_env import ensure_airflow_env
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
        self.alerting_inits = getattr(self, "alerting_inits", 0) + 1
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

# The mixin initialised by an explicit call, before or after the operator's own __init__; the
# DAG file checks that each operator's mixin state was set once, by that call.
ALERTING = '''\
import pendulum
from airflow import DAG
from airflow.models import BaseOperator
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator

from company.mixins import AlertingMixin


class AlertingOperator(BaseOperator, AlertingMixin):
    def __init__(self, configuration, **kwargs):
        super().__init__(**kwargs)
        AlertingMixin.__init__(self, configuration)

    def execute(self, context):
        return self.configuration


class AlertingAddStepsOperator(EmrAddStepsOperator, AlertingMixin):
    def __init__(self, configuration, **kwargs):
        AlertingMixin.__init__(self, configuration)
        EmrAddStepsOperator.__init__(self, **kwargs)


with DAG("alerting", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    tasks = [AlertingOperator(task_id="run", configuration={"team": "data"}),
             AlertingAddStepsOperator(task_id="add", job_flow_id="j-1", configuration={"team": "data"})]

for task in tasks:
    assert (task.configuration, task.alerting_inits) == ({"team": "data"}, 1), "the mixin's state is not the call's"
'''


# A provider's operator subclass: EmrAddStepsOperator -> AwsBaseOperator -> BaseOperator, each
# __init__ handing **kwargs on. The DAG file checks that the operator got its arguments.
ADD_STEPS_OPERATOR = '''\
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator

from company.mixins import RetryMixin


class RetryingAddStepsOperator(RetryMixin, EmrAddStepsOperator):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
'''

ADD_STEPS = '''\
import pendulum
from airflow import DAG

from company.operators import RetryingAddStepsOperator

with DAG("add_steps", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    task = RetryingAddStepsOperator(task_id="add", job_flow_id="j-1", max_retries=2)

assert (task.task_id, task.job_flow_id, task.max_retries) == ("add", "j-1", 2), "the operator lost arguments"
'''

# The MROs of the operator subclasses, printed after their DAG files loaded.
PRINT_MRO = ("import json, add_steps, alerting, company.operators as m; "
             "print(json.dumps({cls.__name__: [f'{c.__module__}.{c.__qualname__}' for c in cls.__mro__] "
             "for cls in (m.RetryingAddStepsOperator, alerting.AlertingOperator, alerting.AlertingAddStepsOperator)}))")


def _mro_on(target: str, root, home) -> dict[str, list[str]]:
    """The operator subclasses' MROs in the real Airflow ``target``, with MWAA's path (the DAG folder)."""
    env = ensure_airflow_env(get_version(target), SHARED / "mwaa-data" / target / "airflow_constraints.txt")
    home.mkdir(parents=True)
    environ = {"HOME": str(home), "AIRFLOW_HOME": str(home / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
               "PYTHONPATH": str(root / "dags"), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([str(env.python), "-c", PRINT_MRO], env=environ, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_flagged_operators_fail_on_airflow_3_and_load_after_the_fix(make_project, tmp_path):
    root = make_project({"dags/company/__init__.py": "", "dags/company/mixins.py": MIXINS,
                         "dags/company/operators.py": ADD_STEPS_OPERATOR, "dags/add_steps.py": ADD_STEPS,
                         "dags/retrying.py": RETRYING, "dags/alerting.py": ALERTING})
    airflow_2_mro = _mro_on("2.11.2", root, tmp_path / "before")
    target = "3.3.1"
    settings = load_settings(root)
    only_air019 = dataclasses.replace(settings, select=("API019",))
    found = scan(root, only_air019, get_version(target), jobs=1, use_cache=False).findings
    assert sorted(f.path for f in found) == ["dags/alerting.py", "dags/alerting.py", "dags/company/operators.py",
                                             "dags/retrying.py"]
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    before = {r.path: r for r in verify_project(root, settings, target, constraints=constraints).files}
    assert "unexpected keyword argument 'task_id'" in before["dags/retrying.py"].error
    assert "unexpected keyword argument 'task_id'" in before["dags/add_steps.py"].error
    assert "missing 1 required positional argument: 'configuration'" in before["dags/alerting.py"].error

    plan = plan_fixes(root, only_air019, get_version(target), jobs=1, use_cache=False)
    assert sorted(plan.files) == ["dags/alerting.py", "dags/company/operators.py", "dags/retrying.py"]
    assert plan.fixed == {"API019": 4}
    apply_plan(root, plan)
    assert "class RetryingOperator(RetryMixin, BaseOperator, LoggingMixin):" in (root / "dags" / "retrying.py").read_text()
    assert ("class RetryingAddStepsOperator(RetryMixin, EmrAddStepsOperator, BaseOperator, LoggingMixin):"
            in (root / "dags" / "company" / "operators.py").read_text())
    alerting = (root / "dags" / "alerting.py").read_text()
    assert alerting.count("class _InitChainEnd:") == 1
    assert "class AlertingOperator(BaseOperator, _InitChainEnd, AlertingMixin):" in alerting
    assert "class AlertingAddStepsOperator(EmrAddStepsOperator, _InitChainEnd, AlertingMixin):" in alerting
    assert scan(root, only_air019, get_version(target), jobs=1, use_cache=False).findings == []

    # On Airflow 2 the MRO already held BaseOperator, then LoggingMixin, after the listed bases;
    # the chain end comes after every class of the operator's base, right before the mixin
    # (and the DAG file's own check says the mixin was initialised once, by the explicit call).
    after_mro = _mro_on("2.11.2", root, tmp_path / "after")
    assert after_mro["RetryingAddStepsOperator"] == airflow_2_mro["RetryingAddStepsOperator"]
    for name in ("AlertingOperator", "AlertingAddStepsOperator"):
        mixin_at = airflow_2_mro[name].index("company.mixins.AlertingMixin")
        assert after_mro[name] == [*airflow_2_mro[name][:mixin_at], "alerting._InitChainEnd",
                                   *airflow_2_mro[name][mixin_at:]]
    after = {r.path: r for r in verify_project(root, settings, target, constraints=constraints).files}
    for path in ("dags/retrying.py", "dags/alerting.py", "dags/add_steps.py"):
        assert after[path].error is None, (path, after[path].error)
        assert len(after[path].dag_ids) == 1, (path, after[path].dag_ids)
