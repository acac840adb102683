"""Pod-operator tasks rewritten to EcsRunTaskOperator (``migrate --aws-native``) load in a real
Airflow 3.3.1 and 2.11.2 with the amazon provider MWAA preinstalls, with no cncf-kubernetes
provider or Kubernetes client, where the pod-operator file did not load."""

from __future__ import annotations

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

POD_DAG = '''\
import pendulum
from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

COMMON_ENV = {"STAGE": "prod"}

with DAG("pods", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    # scores the day's events
    score = KubernetesPodOperator(
        task_id="score",
        name="score",
        namespace="ml",
        image="ghcr.io/acme/ml/score:7",
        cmds=["python", "-m", "score"],
        arguments=["--day", "{{ ds }}"],
        env_vars=[k8s.V1EnvVar(name="RUN", value="{{ run_id }}")],
        container_resources=k8s.V1ResourceRequirements(requests={"cpu": "1", "memory": "2Gi"}),
        in_cluster=True,
        get_logs=True,
        is_delete_operator_pod=True,
        retries=2,
    )
    load = KubernetesPodOperator(task_id="load", name="load", namespace="ml", image="acme/load",
                                 arguments=["load", "--all"], env_vars=COMMON_ENV, do_xcom_push=False)
    score >> load
'''


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_the_rewritten_pod_tasks_load_in_real_airflow(make_project, target):
    root = make_project({"dags/pods.py": POD_DAG})
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    settings = load_settings(root)
    [before] = verify_project(root, settings, target, constraints=constraints).files
    assert before.error is not None and ("cncf" in before.error or "kubernetes" in before.error), before.error
    plan = plan_fixes(root, settings, get_version(target), required=True, aws_native=True, jobs=1, use_cache=False)
    assert plan.fixed.get("MWA002") == 2
    apply_plan(root, plan)
    text = (root / "dags" / "pods.py").read_text()
    assert "KubernetesPodOperator" not in text and "kubernetes" not in text
    assert "score >> load" in text and "# scores the day's events" in text
    [after] = verify_project(root, settings, target, constraints=constraints).files
    assert after.error is None and after.dag_ids == ("pods",), (after.error, after.dag_ids)
