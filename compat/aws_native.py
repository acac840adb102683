"""What the AWS-native rewrites need to know: how a DockerOperator or a pod operator maps onto an ECS Fargate
task (``EcsRunTaskOperator``), or a pod operator onto an EKS cluster (``EksPodOperator``), the naming
conventions the rewrites share with the generated infrastructure, and the task sizes Fargate accepts
(``data/aws_native.json``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ._data import load_json


@dataclass(frozen=True)
class DockerToEcs:
    operators: frozenset[str]      # the classes the rewrite replaces
    replacement: str               # EcsRunTaskOperator's dotted path
    cluster: str
    launch_type: str
    log_group_prefix: str          # + task definition family
    log_stream_prefix: str         # the awslogs-stream-prefix of the task definitions
    subnet_variables: tuple[str, ...]
    security_group_variables: tuple[str, ...]
    assign_public_ip: str
    mapped: frozenset[str]         # arguments that move into the ECS call
    dropped: dict[str, str]        # argument -> why it has no meaning on ECS
    blocking: dict[str, str]       # argument -> why the task cannot be rewritten automatically
    cpu_units_per_cpu: int
    fargate_sizes: tuple[tuple[int, tuple[int, ...]], ...]  # (cpu units, memory MiB choices)
    public_registries: frozenset[str]  # hosts pulled from the internet (no host at all: Docker Hub)
    ecr_registry: re.Pattern[str]      # an ECR registry host, with its account and region
    log_retention_days: int            # of the task log groups the infrastructure creates


@cache
def docker_to_ecs() -> DockerToEcs:
    row = load_json("aws_native.json")["docker_to_ecs"]
    sizes = []
    for size in row["fargate_task_sizes"]:
        memory = size.get("memory") or range(size["memory_from"], size["memory_to"] + 1, size["memory_step"])
        sizes.append((size["cpu"], tuple(memory)))
    network = row["network_variables"]
    return DockerToEcs(frozenset(row["operators"]), row["replacement"], row["cluster"], row["launch_type"],
                       row["log_group_prefix"], row["log_stream_prefix"], tuple(network["subnets"]),
                       tuple(network["security_groups"]), row["assign_public_ip"], frozenset(row["mapped"]),
                       dict(row["dropped"]), dict(row["blocking"]),
                       row["docker_cpu_units"], tuple(sizes), frozenset(row["public_registries"]),
                       re.compile(row["ecr_registry_pattern"]), row["log_retention_days"])


def fargate_size(cpu: int | None, memory: int | None) -> tuple[int, int] | None:
    """The smallest Fargate task size (CPU units, MiB) with at least ``cpu`` and ``memory``;
    None when the request exceeds the largest one."""
    for units, choices in docker_to_ecs().fargate_sizes:
        if cpu is not None and units < cpu:
            continue
        fitting = [m for m in choices if memory is None or m >= memory]
        if fitting:
            return units, fitting[0]
    return None


@dataclass(frozen=True)
class PodToEcs:
    operators: frozenset[str]      # the pod operators the rewrite replaces (by their current path)
    mapped: dict[str, str]         # argument -> where it goes on ECS
    dropped: dict[str, str]        # argument -> why it has no meaning on ECS
    blocking: dict[str, str]       # argument -> why the task cannot be rewritten automatically
    xcom_reason: str
    env_var_class: str             # the Kubernetes model of one env_vars entry
    resources_class: str           # the Kubernetes model of container_resources
    resources_keys: dict[str, str]     # a provider resources-dict key -> cpu or memory
    resources_ignored: dict[str, str]  # a resource with no Fargate size -> why it is left out
    cpu_units_per_cpu: int
    quantity_suffixes: dict[str, float]  # Kubernetes quantity suffix -> multiplier


@cache
def pod_to_ecs() -> PodToEcs:
    row = load_json("aws_native.json")["pod_to_ecs"]
    return PodToEcs(frozenset(row["operators"]), dict(row["mapped"]),
                    dict(row["dropped"]), dict(row["blocking"]),
                    row["xcom_reason"], row["env_var_class"], row["resources_class"], dict(row["resources_keys"]),
                    dict(row["resources_ignored"]), row["kubernetes_cpu_units"], dict(row["quantity_suffixes"]))


@dataclass(frozen=True)
class PodToEks:
    replacement: str               # EksPodOperator's dotted path
    cluster_variable: str          # the Airflow Variable cluster_name reads when the task runs
    renamed: dict[str, str]        # argument -> EksPodOperator's name for it
    dropped: dict[str, str]        # argument -> why it has no meaning on EKS
    default_namespace: str
    access_policy: str             # the EKS access policy the execution role gets, per namespace


@cache
def pod_to_eks() -> PodToEks:
    row = load_json("aws_native.json")["pod_to_eks"]
    return PodToEks(row["replacement"], row["cluster_variable"], dict(row["renamed"]), dict(row["dropped"]),
                    row["default_namespace"], row["access_policy"])
