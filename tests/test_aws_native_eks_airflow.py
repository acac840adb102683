"""Pod-operator tasks ECS has no place for, rewritten to EksPodOperator (``migrate --aws-native``),
load in a real Airflow 3.3.1 and 2.11.2 with the amazon provider MWAA preinstalls and the
cncf-kubernetes provider the rewrite asks requirements.txt for: the pod spec (volumes, a
Kubernetes secret, a service account) passes through unchanged."""

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
from airflow.providers.cncf.kubernetes.secret import Secret
from kubernetes.client import models as k8s

with DAG("pods", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    # trains on the shared volume
    train = KubernetesPodOperator(
        task_id="train",
        name="train",
        namespace="ml",
        image="ghcr.io/acme/ml/train:3",
        secrets=[Secret("env", "DB_URL", "db", "url")],
        volumes=[k8s.V1Volume(name="data", empty_dir=k8s.V1EmptyDirVolumeSource())],
        volume_mounts=[k8s.V1VolumeMount(name="data", mount_path="/data")],
        service_account_name="trainer",
        in_cluster=True,
        get_logs=True,
    )
    score = KubernetesPodOperator(task_id="score", name="score", image="acme/score:{{ ds_nodash }}",
                                  node_selector={"pool": "cpu"}, config_file="/home/airflow/.kube/config")
    train >> score
'''


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_the_pod_tasks_rewritten_to_eks_load_in_real_airflow(make_project, target):
    root = make_project({"dags/pods.py": POD_DAG, "requirements.txt": "pendulum\n"})
    settings = load_settings(root)
    plan = plan_fixes(root, settings, get_version(target), required=True, aws_native=True, jobs=1, use_cache=False)
    assert plan.fixed.get("MWA002") == 2
    apply_plan(root, plan)
    text = (root / "dags" / "pods.py").read_text()
    assert "KubernetesPodOperator" not in text and text.count("EksPodOperator(") == 2
    assert "train >> score" in text and "# trains on the shared volume" in text
    assert "apache-airflow-providers-cncf-kubernetes" in (root / "requirements.txt").read_text()
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    [after] = verify_project(root, settings, target, constraints=constraints).files
    assert after.error is None and after.dag_ids == ("pods",), (after.error, after.dag_ids)
