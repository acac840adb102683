"""Airflow's pod objects and the Kubernetes client models that replaced them."""

from __future__ import annotations

import pytest
from kb_paths import MWAA_DATA
from migrator.compat import field_path, kubernetes_argument, kubernetes_object, model_fields
from packaging.version import Version

TARGETS = sorted((p.name for p in MWAA_DATA.iterdir() if p.is_dir()), key=Version)
SPELLINGS = {
    "kubernetes.client.models.V1Volume": ("airflow.contrib.kubernetes.volume.Volume", "airflow.kubernetes.volume.Volume"),
    "kubernetes.client.models.V1VolumeMount": ("airflow.contrib.kubernetes.volume_mount.VolumeMount",
                                               "airflow.kubernetes.volume_mount.VolumeMount"),
    "kubernetes.client.models.V1ContainerPort": ("airflow.contrib.kubernetes.pod.Port", "airflow.kubernetes.pod.Port"),
    "kubernetes.client.models.V1ResourceRequirements": ("airflow.contrib.kubernetes.pod.Resources",
                                                        "airflow.kubernetes.pod.Resources"),
    "kubernetes.client.models.V1EnvVar": ("airflow.contrib.kubernetes.pod_runtime_info_env.PodRuntimeInfoEnv",
                                          "airflow.kubernetes.pod_runtime_info_env.PodRuntimeInfoEnv"),
}


@pytest.mark.parametrize("target", TARGETS)
def test_every_spelling_of_each_object_names_its_model(target):
    for new, spellings in SPELLINGS.items():
        for spelling in spellings:
            found = kubernetes_object(spelling, target)
            assert found is not None and found.new == new, (spelling, target)
    # Secret kept its constructor in the provider: a plain move, not a conversion.
    assert kubernetes_object("airflow.kubernetes.secret.Secret", target) is None


@pytest.mark.parametrize("target", TARGETS)
def test_every_field_the_overlay_maps_to_exists_in_the_pinned_client(target):
    for spellings in SPELLINGS.values():
        found = kubernetes_object(spellings[1], target)
        for parameter, path in found.fields:
            assert field_path(found.model, path, target) is not None, (found.model, parameter, path, target)
        assert model_fields(found.model, target), found.model


def test_field_paths_say_what_each_step_holds():
    assert field_path("V1EnvVar", ("value_from", "field_ref", "field_path"), "3.3.1") == (
        ("value_from", "V1EnvVarSource"), ("field_ref", "V1ObjectFieldSelector"), ("field_path", ""))
    assert field_path("V1ResourceRequirements", ("limits", "nvidia.com/gpu"), "3.3.1") == (
        ("limits", "dict"), ("nvidia.com/gpu", ""))
    assert field_path("V1Volume", ("no_such_field",), "3.3.1") is None
    assert model_fields("V1Volume", "3.3.1")["persistentVolumeClaim"] == (
        "persistent_volume_claim", "V1PersistentVolumeClaimVolumeSource")
    assert model_fields("V1ConfigMapVolumeSource", "3.3.1")["items"] == ("items", "list:V1KeyToPath")


def test_the_pod_operator_resources_dict_for_every_spelling():
    for operator in ("airflow.contrib.operators.kubernetes_pod_operator.KubernetesPodOperator",
                     "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator"):
        change = kubernetes_argument(operator, "resources", "3.3.1")
        assert change.replacement == "container_resources"
        assert change.object.new == "kubernetes.client.models.V1ResourceRequirements"
    assert kubernetes_argument("airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator",
                               "volumes", "3.3.1") is None
    assert kubernetes_argument("airflow.operators.bash_operator.BashOperator", "resources", "3.3.1") is None
