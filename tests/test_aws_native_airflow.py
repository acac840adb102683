"""DockerOperator tasks rewritten to EcsRunTaskOperator (``migrate --aws-native``) load in a
real Airflow 3.3.1 and 2.11.2 with the amazon provider MWAA preinstalls, where the DockerOperator
file did not (MWAA has no docker provider, and no Docker daemon for it)."""

from __future__ import annotations

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

DOCKER_DAG = '''\
import pendulum
from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator

COMMON_ENV = {"STAGE": "prod"}

with DAG("containers", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    # extracts the day's files
    extract = DockerOperator(
        task_id="extract",
        image="ghcr.io/acme/etl/extract:1.4",
        command="python -m extract --day {{ ds }}",
        environment={**COMMON_ENV, "RUN": "{{ run_id }}"},
        cpus=2,
        mem_limit="6g",
        docker_url="unix://var/run/docker.sock",
        auto_remove="force",
        network_mode="bridge",
        retries=2,
    )
    load = DockerOperator(task_id="load", image="acme/load", command=["load", "--all"],
                          environment={"TARGET": "warehouse"})
    extract >> load
'''


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_the_rewritten_docker_tasks_load_in_real_airflow(make_project, target):
    root = make_project({"dags/containers.py": DOCKER_DAG})
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    [before] = verify_project(root, settings, target, constraints=constraints).files
    assert before.error is not None and "docker" in before.error
    plan = plan_fixes(root, settings, get_version(target), required=True, aws_native=True, jobs=1, use_cache=False)
    assert plan.fixed.get("MWA001") == 2
    apply_plan(root, plan)
    text = (root / "dags" / "containers.py").read_text()
    assert "DockerOperator" not in text and "extract >> load" in text and "# extracts the day's files" in text
    [after] = verify_project(root, settings, target, constraints=constraints).files
    assert after.error is None and after.dag_ids == ("containers",), (after.error, after.dag_ids)
