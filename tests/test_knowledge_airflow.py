"""The knowledge base's newer mappings, judged by real Apache Airflow (2.11.2 and 3.3.1).

One DAG file per mapping (Airflow's Kubernetes pod objects, 1.10's airflow.operators.sensors,
package-level names and contrib modules' imports, Context, mask_secret, provider renames and
relocations, the cncf-kubernetes provider's old operator module); each fails to import before ``fix`` (``--unsafe``: the renamed classes are unsafe
fixes) and loads after it, with the providers the fixed requirements.txt gained installed beside
Airflow, as MWAA installs them.
"""

from __future__ import annotations

import pytest
from conftest import SHARED, write_files
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

HEADER = "from datetime import datetime, timedelta\n\nfrom airflow import DAG\n"


def dag(dag_id: str, imports: str, body: str) -> str:
    return (f"{HEADER}{imports}\n\nwith DAG({dag_id!r}, start_date=datetime(2024, 1, 1), schedule_interval=None) as dag:\n"
            + "".join(f"    {line}\n" for line in body.strip().splitlines()))


CASES = {
    "dags/pod_objects.py": dag("pod_objects", """
from airflow.contrib.kubernetes.pod import Port, Resources
from airflow.contrib.kubernetes.volume import Volume
from airflow.contrib.kubernetes.volume_mount import VolumeMount
from airflow.contrib.operators.kubernetes_pod_operator import KubernetesPodOperator
from airflow.kubernetes.pod_runtime_info_env import PodRuntimeInfoEnv
from airflow.kubernetes.secret import Secret

claim = {"persistentVolumeClaim": {"claimName": "data"}}
data = Volume(name="data", configs=claim)
config = Volume(name="config", configs={"configMap": {"name": "cfg", "items": [{"key": "a", "path": "a.yaml"}]}})
mount = VolumeMount("data", mount_path="/data", sub_path=None, read_only=True)
small = Resources(request_cpu="250m", limit_memory="1Gi")""", """
KubernetesPodOperator(task_id="pod", name="pod", namespace="default", image="busybox",
                      secrets=[Secret("env", "PASSWORD", "db", "password")], volumes=[data, config],
                      volume_mounts=[mount], ports=[Port("http", 8080)],
                      pod_runtime_info_envs=[PodRuntimeInfoEnv("POD_IP", "status.podIP")],
                      resources={"request_memory": "512Mi", "limit_cpu": "1"})
KubernetesPodOperator(task_id="small", name="small", namespace="default", image="busybox", resources=small)"""),
    "dags/sensors_110.py": dag("sensors_110", "from airflow.operators.sensors import ExternalTaskSensor, TimeDeltaSensor", """
TimeDeltaSensor(task_id="wait", delta=timedelta(minutes=5))
ExternalTaskSensor(task_id="upstream", external_dag_id="other", external_task_id="done")"""),
    "dags/package_names.py": dag("package_names", "from airflow.operators import BashOperator, DummyOperator", """
DummyOperator(task_id="start") >> BashOperator(task_id="echo", bash_command="echo hi")"""),
    "dags/context_type.py": dag("context_type", """
from airflow.models.taskinstance import Context
from airflow.operators.python import PythonOperator


def report(**context: Context) -> None:
    print(context["ds"])""", 'PythonOperator(task_id="report", python_callable=report)'),
    "dags/kpo_module.py": dag("kpo_module", """
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator""", """
KubernetesPodOperator(task_id="pod", name="pod", namespace="default", image="busybox")"""),
    "dags/mask_secret.py": dag("mask_secret", """
from airflow.operators.python import PythonOperator
from airflow.utils.log.secrets_masker import mask_secret


def call_api(**_) -> None:
    mask_secret("token")""", 'PythonOperator(task_id="call", python_callable=call_api)'),
    "dags/provider_renames.py": dag("provider_renames", """
from airflow.contrib.operators.ecs_operator import ECSOperator
from airflow.contrib.operators.emr_add_steps_operator import EmrAddStepsOperator
from airflow.contrib.sensors.aws_sqs_sensor import SQSHook
from airflow.operators.mssql_operator import MsSqlOperator

QUEUE = SQSHook(aws_conn_id="aws_default")""", """
ECSOperator(task_id="ecs", task_definition="td", cluster="c", overrides={})
EmrAddStepsOperator(task_id="emr", job_flow_id="j-1", steps=[])
MsSqlOperator(task_id="sql", mssql_conn_id="db", sql="select 1")"""),
}
# Airflow 2.11.2 still has airflow.models.taskinstance.Context and the secrets masker.
FAIL_BEFORE = {"3.3.1": set(CASES), "2.11.2": set(CASES) - {"dags/context_type.py", "dags/mask_secret.py"}}


@pytest.fixture(scope="module", params=sorted(FAIL_BEFORE))
def loads(request, tmp_path_factory):
    target = request.param
    root = write_files(tmp_path_factory.mktemp(f"knowledge-{target}") / "project",
                       {**CASES, "requirements.txt": "# what the DAGs need\n"})
    settings = load_settings(root)
    plan = plan_fixes(root, settings, get_version(target), unsafe=True, use_cache=False)
    fixed_requirements = plan.files["requirements.txt"][1].decode()
    requirements = root.parent / "providers.txt"
    requirements.write_text("\n".join(line for line in fixed_requirements.splitlines()
                                      if line.startswith("apache-airflow-providers-")) + "\n", encoding="utf-8")
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    before = verify_project(root, settings, target, constraints=constraints, requirements=requirements)
    apply_plan(root, plan)
    after = verify_project(root, settings, target, constraints=constraints, requirements=requirements)
    return target, fixed_requirements, before, after


def test_each_mapping_fails_before_the_fix(loads):
    target, _, before, _ = loads
    failing = {f.path for f in before.files if f.status == "import_error"}
    assert failing == FAIL_BEFORE[target], {f.path: f.error for f in before.files}


def test_each_mapping_loads_after_the_fix(loads):
    _, _, _, after = loads
    assert {f.path: f.error for f in after.files if f.status != "loaded"} == {}
    assert {f.path for f in after.files} == set(CASES)


def test_the_fix_asks_for_the_provider_that_brings_the_kubernetes_client(loads):
    _, fixed_requirements, _, _ = loads
    assert "apache-airflow-providers-cncf-kubernetes" in fixed_requirements
