"""The fixes for issue #18's patterns give DAG files that load in a real Airflow (3.3.1, 2.11.2).

Synthetic DAG files, one per pattern real repositories had (test_fix_load_gaps.py pins the
fixed text): ``datetime`` imported from ``airflow.utils.dates``, ``LazyXComAccess`` in a task
module the DAG imports, ``schedule_interval`` in a dict given to ``DAG`` as ``**kwargs``, and
``DagRun.execution_date`` read on the class at module level. Each is fixed with the fixes
``migrate`` applies (safe ones and the required unsafe ones) and loaded with Airflow's DagBag
before and after. On 3.3.1 every file fails before the fixes, so the test can fail.
"""

from __future__ import annotations

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

DATES = '''\
from airflow.utils.dates import datetime, timedelta
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("dates", start_date=datetime(2024, 1, 1), schedule=timedelta(days=1), catchup=False):
    EmptyOperator(task_id="noop")
'''

LAZY_GROUP = '''\
from airflow.decorators import task
from airflow.models.xcom import LazyXComAccess


@task
def flatten(payload):
    if isinstance(payload, LazyXComAccess):  # the XComs of a mapped task
        return [item for part in payload for item in part]
    return payload
'''

LAZY_DAG = '''\
import pendulum
from airflow import DAG

from groups.lazy import flatten

with DAG("lazy", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
    flatten([1, 2])
'''

SPREAD = '''\
import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator

dag_args = {
    "start_date": pendulum.datetime(2024, 1, 1, tz="UTC"),
    "schedule_interval": None,
    "catchup": False,
}

with DAG("spread", params={"x": 1}, **dag_args) as dag:
    EmptyOperator(task_id="noop")
'''

CLEANUP = '''\
import pendulum
from airflow import DAG
from airflow.models import DagRun
from airflow.operators.empty import EmptyOperator

TABLES = [{"model": DagRun, "age_column": DagRun.execution_date}]

with DAG("cleanup", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    EmptyOperator(task_id="noop")
'''

# A shared callback module that only tests tasks against SubDagOperator: every DAG importing it
# failed on Airflow 3 until the import was guarded with a stand-in class.
CALLBACKS = '''\
from airflow.operators.subdag import SubDagOperator


def failed_tasks(tasks):
    return [t for t in tasks if not isinstance(t, SubDagOperator)]
'''

NOTIFY = '''\
import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator

from callbacks import failed_tasks

with DAG("notify", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False) as dag:
    EmptyOperator(task_id="noop")
    assert failed_tasks(dag.tasks) == dag.tasks
'''

# A name Airflow 3 removed with no destination: API002 reports it and nothing rewrites it.
SLA = '''\
import pendulum
from airflow import DAG
from airflow.models import DagModel, SlaMiss
from airflow.operators.empty import EmptyOperator

CLEANUP = [DagModel, SlaMiss]

with DAG("sla", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    EmptyOperator(task_id="noop")
'''

# The experimental API's trigger_dag, called from a task: defined in place, through InvokeRestApi.
EXPERIMENTAL = '''\
import pendulum
from airflow import DAG
from airflow.api.common.experimental.trigger_dag import trigger_dag
from airflow.operators.python import PythonOperator

with DAG("experimental", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    PythonOperator(task_id="start", python_callable=lambda: trigger_dag(dag_id="other"))
'''

FILES = {"dags/sla.py": SLA, "dags/experimental.py": EXPERIMENTAL, "dags/dates.py": DATES, "dags/groups/__init__.py": "", "dags/groups/lazy.py": LAZY_GROUP,
         "dags/lazy.py": LAZY_DAG, "dags/spread.py": SPREAD, "dags/cleanup.py": CLEANUP,
         "dags/callbacks.py": CALLBACKS, "dags/notify.py": NOTIFY}
DAG_FILES = ("dags/dates.py", "dags/lazy.py", "dags/spread.py", "dags/cleanup.py", "dags/notify.py",
             "dags/experimental.py")


def _fixed_and_loaded(make_project, target: str):
    root = make_project(FILES)
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    before = verify_project(root, settings, target, constraints=constraints)
    plan = plan_fixes(root, settings, get_version(target), required=True, jobs=1, use_cache=False)
    apply_plan(root, plan)
    after = verify_project(root, settings, target, constraints=constraints)
    return root, {r.path: r for r in before.files}, {r.path: r for r in after.files}


def _one_file_before_and_after(root, target: str):
    """The project's one DAG file loaded before and after the fixes ``migrate`` applies."""
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    [before] = verify_project(root, settings, target, constraints=constraints).files
    apply_plan(root, plan_fixes(root, settings, get_version(target), required=True, jobs=1, use_cache=False))
    [after] = verify_project(root, settings, target, constraints=constraints).files
    return before, after


def test_on_airflow_3_every_pattern_fails_before_the_fixes_and_loads_after(make_project):
    root, before, after = _fixed_and_loaded(make_project, "3.3.1")
    assert "cannot import name 'datetime'" in before["dags/dates.py"].error
    assert "LazyXComAccess" in before["dags/lazy.py"].error
    assert "schedule_interval" in before["dags/spread.py"].error
    assert "execution_date" in before["dags/cleanup.py"].error
    assert "airflow.operators.subdag" in before["dags/notify.py"].error
    for path in DAG_FILES:
        assert after[path].error is None, (path, after[path].error)
        assert len(after[path].dag_ids) == 1, (path, after[path].dag_ids)
    assert "from datetime import datetime, timedelta" in (root / "dags" / "dates.py").read_text()
    assert "isinstance(payload, LazyXComSequence)" in (root / "dags" / "groups" / "lazy.py").read_text()
    assert '"schedule": None' in (root / "dags" / "spread.py").read_text()
    assert "DagRun.logical_date" in (root / "dags" / "cleanup.py").read_text()
    assert "except ImportError:" in (root / "dags" / "callbacks.py").read_text()
    # The experimental API's trigger_dag becomes a definition calling MWAA's InvokeRestApi.
    assert "airflow.api.common.experimental" in before["dags/experimental.py"].error
    assert "invoke_rest_api(" in (root / "dags" / "experimental.py").read_text()
    # The finding API002 makes for SlaMiss is true: the file fails, before and after the fixes.
    assert "SlaMiss" in before["dags/sla.py"].error and "SlaMiss" in after["dags/sla.py"].error
    assert "from airflow.models import DagModel, SlaMiss\n" in (root / "dags" / "sla.py").read_text()


def test_on_airflow_2_lazy_xcom_access_loads_after_the_fix_and_the_rest_still_loads(make_project):
    root, before, after = _fixed_and_loaded(make_project, "2.11.2")
    assert "LazyXComAccess" in before["dags/lazy.py"].error
    for path in DAG_FILES:
        assert after[path].error is None, (path, after[path].error)
    for path in ("dags/dates.py", "dags/spread.py", "dags/cleanup.py", "dags/sla.py", "dags/experimental.py",
                 "dags/notify.py"):
        assert before[path].error is None, (path, before[path].error)
    assert "isinstance(payload, LazyXComSelectSequence)" in (root / "dags" / "groups" / "lazy.py").read_text()
    # Airflow 2 keeps these as written (deprecated at most): nothing a file needs is rewritten.
    assert "from airflow.utils.dates import datetime" in (root / "dags" / "dates.py").read_text()
    assert "DagRun.execution_date" in (root / "dags" / "cleanup.py").read_text()
    assert "try:" not in (root / "dags" / "callbacks.py").read_text()  # SubDagOperator exists on 2.x


# A plugin operator importing a private helper of 1.10's SFTP operator that no release keeps
# (Airflow 2's contrib shims re-export only public classes): API002's fix defines it in place.
SFTP_PLUGIN = '''\
from airflow.contrib.operators.sftp_operator import _make_intermediate_dirs
from airflow.models import BaseOperator


class UploadOperator(BaseOperator):
    def execute(self, context):
        _make_intermediate_dirs(self.sftp_client, "/upload")
'''

SFTP_DAG = '''\
import pendulum
from airflow import DAG

from upload_operators import UploadOperator

with DAG("upload", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    UploadOperator(task_id="upload")
'''


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_a_removed_private_helper_is_defined_in_place_and_the_dag_loads(make_project, target):
    root = make_project({"plugins/upload_operators.py": SFTP_PLUGIN, "dags/upload.py": SFTP_DAG})
    before, after = _one_file_before_and_after(root, target)
    assert "_make_intermediate_dirs" in (before.error or "") or "airflow.contrib" in (before.error or "")
    assert after.error is None and list(after.dag_ids) == ["upload"], after.error
    assert "def _make_intermediate_dirs(sftp_client, remote_directory):" in (
        root / "plugins" / "upload_operators.py").read_text(encoding="utf-8")


# 1.10's contrib AWSBatchOperator still imports on Airflow 2.11 as an alias of the amazon
# provider's BatchOperator, which renamed overrides to container_overrides: a subclass passing
# the old name fails while parsed, and API003 renames it though the import is left as it is.
BATCH_DAG = '''\
import pendulum
from airflow import DAG
from airflow.contrib.operators.awsbatch_operator import AWSBatchOperator


class PartialBatch(AWSBatchOperator):
    def __init__(self, *args, **kwargs):
        super().__init__(job_name="j", job_definition="d", job_queue="q", overrides={"command": ["run"]},
                         *args, **kwargs)


with DAG("batch", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    PartialBatch(task_id="batch")
'''


def test_an_argument_the_aliased_class_renamed_is_renamed_and_the_dag_loads_on_airflow_2(make_project):
    root = make_project({"dags/batch.py": BATCH_DAG})
    before, after = _one_file_before_and_after(root, "2.11.2")
    assert "overrides" in (before.error or ""), before.error
    assert after.error is None and list(after.dag_ids) == ["batch"], after.error
    text = (root / "dags" / "batch.py").read_text(encoding="utf-8")
    assert "container_overrides=" in text and "from airflow.contrib.operators.awsbatch_operator" in text


# A project operator handing **kwargs to BaseOperator, given task_concurrency (removed in Airflow
# 3) in a dict that a task factory of the module spreads into the operator as well: the key is
# renamed in the dict (API003), and the DAG loads.
TASK_OPERATOR = '''\
from airflow.models import BaseOperator


class TaskServiceOperator(BaseOperator):
    def __init__(self, task_name, **kwargs):
        super().__init__(task_id=task_name, **kwargs)

    def execute(self, context):
        return self.task_id
'''

FACTORY_DAG = '''\
import pendulum
from airflow import DAG

from task_service import TaskServiceOperator


def phase_task(main_args, phase):
    phase_args = {**main_args, "task_name": f"phase-{phase}"}
    return TaskServiceOperator(**phase_args)


with DAG("phases", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    task_args = {"task_name": "collect", "task_concurrency": 1}
    TaskServiceOperator(**task_args) >> phase_task(task_args, "export")
'''


def test_a_removed_key_a_task_factory_spreads_into_operators_is_renamed_and_the_dag_loads(make_project):
    root = make_project({"plugins/task_service.py": TASK_OPERATOR, "dags/phases.py": FACTORY_DAG})
    before, after = _one_file_before_and_after(root, "3.3.1")
    assert "task_concurrency" in (before.error or ""), before.error
    assert after.error is None and list(after.dag_ids) == ["phases"], after.error
    assert '"max_active_tis_per_dag": 1' in (root / "dags" / "phases.py").read_text(encoding="utf-8")
