"""Before/after cases for ``kubernetes-object``, driven by API014's own findings: Airflow's pod
objects become the Kubernetes client models built from the same values."""

from __future__ import annotations

import inspect

import pytest
from conftest import write_files
from migrator.compat import get_version

from migrator.config import Settings
from migrator.engine import scan
from migrator.findings import FixSafety
from migrator.fix import plan_fixes

# API001 removes the old imports' findings the rewrite leaves unused; API014 rewrites the calls.
SETTINGS = Settings(select=("API001", "API014"))
PATH = "dags/pods.py"


def source(text: str) -> str:
    return inspect.cleandoc(text) + "\n"


def fixed(tmp_path, before: str, target: str = "3.3.1") -> str:
    root = write_files(tmp_path / "project", {PATH: source(before)})
    plan = plan_fixes(root, SETTINGS, get_version(target), unsafe=True, use_cache=False)
    return plan.files[PATH][1].decode() if PATH in plan.files else source(before)


def findings(tmp_path, code: str, target: str = "3.3.1"):
    root = write_files(tmp_path / "scanned", {PATH: source(code)})
    return [f for f in scan(root, SETTINGS, get_version(target), jobs=1, use_cache=False).findings
            if f.rule == "API014"]


def test_volume_mount_and_port_take_keywords_and_reuse_the_files_models_import(tmp_path):
    assert fixed(tmp_path, """
        from airflow.kubernetes.volume_mount import VolumeMount
        from airflow.kubernetes.pod import Port
        from kubernetes.client import models as k8s

        mount = VolumeMount("data", mount_path="/data", sub_path=None, read_only=True)
        port = Port("http", 8080)
        env = k8s.V1EnvVar(name="A", value="1")
        """) == source("""
        from kubernetes.client import models as k8s

        mount = k8s.V1VolumeMount(name="data", mount_path="/data", read_only=True)
        port = k8s.V1ContainerPort(name="http", container_port=8080)
        env = k8s.V1EnvVar(name="A", value="1")
        """)


def test_volume_configs_become_typed_sources(tmp_path):
    assert fixed(tmp_path, """
        from airflow.contrib.kubernetes.volume import Volume

        data = Volume(name="data", configs={"persistentVolumeClaim": {"claimName": "data-pvc", "readOnly": True}})
        config = Volume(
            name="config",
            configs={"configMap": {"name": "cfg", "items": [{"key": "a", "path": "a.yaml"}]}},
        )
        """) == source("""
        from kubernetes import client

        data = client.V1Volume(
            name="data",
            persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(
                claim_name="data-pvc",
                read_only=True,
            ),
        )
        config = client.V1Volume(
            name="config",
            config_map=client.V1ConfigMapVolumeSource(
                name="cfg",
                items=[client.V1KeyToPath(key="a", path="a.yaml")],
            ),
        )
        """)


def test_a_value_the_model_does_not_type_is_kept_as_airflow_set_it(tmp_path):
    # hostPath takes path/type; an unknown key inside it stays a dict, exactly as Airflow copied it.
    assert fixed(tmp_path, """
        from airflow.kubernetes.volume import Volume

        SOURCE = {"path": "/tmp", "sizeLimit": "1Gi"}
        scratch = Volume("scratch", {"hostPath": SOURCE, "emptyDir": None})
        """) == source("""
        from kubernetes import client

        SOURCE = {"path": "/tmp", "sizeLimit": "1Gi"}
        scratch = client.V1Volume(name="scratch", host_path=SOURCE)
        """)


def test_configs_from_a_module_level_dict_read_only_there(tmp_path):
    assert fixed(tmp_path, """
        from airflow.kubernetes.volume import Volume

        claim = {"persistentVolumeClaim": {"claimName": "dump"}}
        dump = Volume(name="dump", configs=claim)
        """) == source("""
        from kubernetes import client

        claim = {"persistentVolumeClaim": {"claimName": "dump"}}
        dump = client.V1Volume(
            name="dump",
            persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(claim_name="dump"),
        )
        """)


def test_resources_become_requests_and_limits(tmp_path):
    assert fixed(tmp_path, """
        from airflow.kubernetes.pod import Resources

        small = Resources(request_cpu="250m", limit_memory="1Gi", limit_gpu=None)
        """) == source("""
        from kubernetes import client

        small = client.V1ResourceRequirements(requests={"cpu": "250m"}, limits={"memory": "1Gi"})
        """)


def test_a_runtime_resource_value_makes_the_fix_unsafe(tmp_path):
    [literal] = findings(tmp_path, 'from airflow.kubernetes.pod import Resources\nr = Resources(limit_cpu="1")')
    [runtime] = findings(tmp_path, "from airflow.kubernetes.pod import Resources\n"
                                   "import os\nr = Resources(limit_cpu=os.environ['CPU'])")
    assert literal.fix.safety is FixSafety.SAFE
    assert runtime.fix.safety is FixSafety.UNSAFE and "review the rewrite" in runtime.message


def test_pod_runtime_info_env_reads_the_field_from_the_pod(tmp_path):
    assert fixed(tmp_path, """
        from airflow.kubernetes.pod_runtime_info_env import PodRuntimeInfoEnv

        ip = PodRuntimeInfoEnv("POD_IP", "status.podIP")
        """, target="2.11.2") == source("""
        from kubernetes import client

        ip = client.V1EnvVar(
            name="POD_IP",
            value_from=client.V1EnvVarSource(field_ref=client.V1ObjectFieldSelector(field_path="status.podIP")),
        )
        """)


def test_the_pod_operator_resources_dict_becomes_container_resources(tmp_path):
    assert fixed(tmp_path, """
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from airflow.kubernetes.pod import Resources

        a = KubernetesPodOperator(task_id="a", image="busybox", resources={"request_memory": "512Mi", "limit_cpu": "1"})
        b = KubernetesPodOperator(task_id="b", image="busybox", resources=Resources(limit_cpu="2"))
        c = KubernetesPodOperator(task_id="c", image="busybox", resources={"cpus": 1})
        SMALL = Resources(request_cpu="1")
        d = KubernetesPodOperator(task_id="d", image="busybox", resources=SMALL)
        """) == source("""
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from kubernetes import client

        a = KubernetesPodOperator(task_id="a", image="busybox", container_resources=client.V1ResourceRequirements(
            requests={"memory": "512Mi"},
            limits={"cpu": "1"},
        ))
        b = KubernetesPodOperator(task_id="b", image="busybox", container_resources=client.V1ResourceRequirements(limits={"cpu": "2"}))
        c = KubernetesPodOperator(task_id="c", image="busybox", resources={"cpus": 1})
        SMALL = client.V1ResourceRequirements(requests={"cpu": "1"})
        d = KubernetesPodOperator(task_id="d", image="busybox", container_resources=SMALL)
        """)


def test_the_client_name_taken_imports_each_model_by_name(tmp_path):
    assert fixed(tmp_path, """
        from airflow.kubernetes.pod import Port

        client = object()
        port = Port(name="http", container_port=80)
        """) == source("""
        from kubernetes.client.models import V1ContainerPort

        client = object()
        port = V1ContainerPort(name="http", container_port=80)
        """)


@pytest.mark.parametrize(("code", "why"), [
    ("def volume(configs):\n    return Volume(name='data', configs=configs)", "built at run time"),
    ("options = {'name': 'data', 'configs': {}}\nv = Volume(**options)", "*args/**kwargs"),
    ("v = Volume(name='data', configs={'persistentVolume': {}})", "no field 'persistentVolume'"),
    ("c = {'emptyDir': {}}\nc['hostPath'] = {'path': '/x'}\nv = Volume(name='data', configs=c)", "built at run time"),
])
def test_what_cannot_be_read_is_reported_with_what_to_write(tmp_path, code, why):
    [finding] = findings(tmp_path, "from airflow.kubernetes.volume import Volume\n" + code)
    assert finding.fix is None
    assert why in finding.message
