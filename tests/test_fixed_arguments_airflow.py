"""The argument, value and SubDAG fixes give DAG files that load in a real Airflow (2.11.2, 3.3.1).

One 2.x-era project: a SubDAG factory used by SubDagOperators in a list comprehension, the
same with the factory in a helper module beside the DAGs (the usual layout), an
SSHOperator with the removed ``timeout``, a ShortCircuitOperator with ``provide_context``, a
DockerOperator with ``auto_remove=True`` and a join with ``trigger_rule="none_failed_or_skipped"``.
It is fixed with the fixes ``migrate`` applies on 3.3.1 (safe ones and the unsafe ones a file
cannot load without), and with ``--unsafe`` on 2.11.2 (where SubDAGs still exist, so the
rewrite is optional), then loaded with Airflow's DagBag and the providers its imports need. The
same project fails to load on 3.3.1 before the fixes, so the test can fail.
"""

from __future__ import annotations

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

SUBDAGS = '''\
import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.subdag import SubDagOperator

START = pendulum.datetime(2024, 1, 1, tz="UTC")


def region_subdag(parent_dag_id, child_id, args):
    sub = DAG(dag_id="{}.{}".format(parent_dag_id, child_id), default_args=args,
              start_date=START, schedule="@daily")
    start = EmptyOperator(task_id="start", dag=sub)
    start >> EmptyOperator(task_id="load", dag=sub)
    return sub


with DAG("regions", start_date=START, schedule="@daily", catchup=False) as dag:
    begin = EmptyOperator(task_id="begin")
    snapshots = [
        SubDagOperator(task_id=f"snapshot_{r}", subdag=region_subdag("regions", f"snapshot_{r}", {"owner": "x"}),
                       pool="subdag_pool")
        for r in ("east", "west")
    ]
    done = EmptyOperator(task_id="done", trigger_rule="none_failed_or_skipped")
    begin >> snapshots >> done
'''

ARGUMENTS = '''\
import pendulum
from airflow import DAG
from airflow.operators.python import ShortCircuitOperator
from airflow.providers.docker.operators.docker import DockerOperator
from airflow.providers.ssh.operators.ssh import SSHOperator

with DAG("arguments", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None) as dag:
    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda **_: True, provide_context=True)
    remote = SSHOperator(task_id="remote", ssh_conn_id="ssh_default", command="ls", timeout=60 * 20)
    build = DockerOperator(task_id="build", image="python:3.12-slim", auto_remove=True)
    gate >> remote >> build
'''

FACTORY_MODULE = '''\
from airflow import DAG
from airflow.operators.empty import EmptyOperator


def team_subdag(parent_dag_id, child_id, args):
    with DAG(f"{parent_dag_id}.{child_id}", default_args=args, schedule=None) as sub:
        EmptyOperator(task_id="extract") >> EmptyOperator(task_id="publish")
    return sub
'''

FACTORY_USER = '''\
import pendulum
from airflow import DAG
from airflow.operators.subdag import SubDagOperator

from common.team_subdags import team_subdag

with DAG("teams", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None) as dag:
    SubDagOperator(task_id="sales", subdag=team_subdag("teams", "sales", {"owner": "x"}))
'''

# Airflow 1.10's DAG assignment by >> (API017): the tasks also name their DAG, so the fix is safe.
CHAINED = '''\
import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator

dag = DAG("chained", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None)
extract = EmptyOperator(task_id="extract", dag=dag)
load = EmptyOperator(task_id="load", dag=dag)
publish = EmptyOperator(task_id="publish", dag=dag)

(
    dag  # the DAG starts the chain

    # then the tasks, in order
    >> extract
    >> load
)
dag >> publish
'''

PROVIDERS = "apache-airflow-providers-ssh\napache-airflow-providers-docker\n"


def _fixed_and_loaded(make_project, tmp_path, target: str, unsafe: bool):
    root = make_project({"dags/regions.py": SUBDAGS, "dags/arguments.py": ARGUMENTS,
                         "dags/common/__init__.py": "", "dags/common/team_subdags.py": FACTORY_MODULE,
                         "dags/teams.py": FACTORY_USER, "dags/chained.py": CHAINED})
    requirements = tmp_path / "providers.txt"
    requirements.write_text(PROVIDERS, encoding="utf-8")
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    before = verify_project(root, settings, target, constraints=constraints, requirements=requirements)
    plan = plan_fixes(root, settings, get_version(target), unsafe=unsafe, required=True, jobs=1, use_cache=False)
    apply_plan(root, plan)
    after = verify_project(root, settings, target, constraints=constraints, requirements=requirements)
    return root, {r.path: r for r in before.files}, {r.path: r for r in after.files}


def test_on_airflow_3_both_files_load_only_after_the_fixes(make_project, tmp_path):
    root, before, after = _fixed_and_loaded(make_project, tmp_path, "3.3.1", unsafe=False)
    assert before["dags/regions.py"].error and before["dags/arguments.py"].error and before["dags/teams.py"].error
    assert "update_relative" in before["dags/chained.py"].error
    for path in ("dags/regions.py", "dags/arguments.py", "dags/teams.py", "dags/chained.py"):
        assert after[path].error is None, (path, after[path].error)
    assert after["dags/teams.py"].dag_ids == ("teams",) and after["dags/teams.py"].tasks == 2
    # begin, done and two task groups of two tasks: the sub-DAGs' tasks joined their parent.
    assert after["dags/regions.py"].dag_ids == ("regions",) and after["dags/regions.py"].tasks == 6
    text = (root / "dags" / "regions.py").read_text()
    assert "SubDagOperator" not in text and "TaskGroup(group_id=child_id" in text
    assert 'trigger_rule="none_failed_min_one_success"' in text
    arguments = (root / "dags" / "arguments.py").read_text()
    assert "conn_timeout=60 * 20, cmd_timeout=60 * 20" in arguments and 'auto_remove="success"' in arguments
    assert "provide_context" not in arguments
    assert after["dags/chained.py"].tasks == 3
    chained = (root / "dags" / "chained.py").read_text()
    assert "(  # the DAG starts the chain\n\n    # then the tasks, in order\n    extract\n" in chained


def test_on_airflow_2_the_task_group_rewrite_loads_as_the_sub_dags_did(make_project, tmp_path):
    _root, before, after = _fixed_and_loaded(make_project, tmp_path, "2.11.2", unsafe=True)
    assert before["dags/regions.py"].error is None, before["dags/regions.py"].error
    assert set(before["dags/regions.py"].dag_ids) == {"regions", "regions.snapshot_east", "regions.snapshot_west"}
    assert after["dags/regions.py"].error is None, after["dags/regions.py"].error
    assert after["dags/regions.py"].dag_ids == ("regions",) and after["dags/regions.py"].tasks == 6
    assert after["dags/arguments.py"].error is None, after["dags/arguments.py"].error
    # A SubDagOperator without pool= looks its pool up in the metadata database while the file
    # is parsed: verify gives the load one, as MWAA's DAG processor has.
    assert before["dags/teams.py"].error is None, before["dags/teams.py"].error
    assert after["dags/teams.py"].error is None, after["dags/teams.py"].error
    assert after["dags/teams.py"].dag_ids == ("teams",) and after["dags/teams.py"].tasks == 2
    assert "update_relative" in before["dags/chained.py"].error
    assert after["dags/chained.py"].error is None and after["dags/chained.py"].tasks == 3
