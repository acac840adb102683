"""What the AWS-native rewrites need to know: how a DockerOperator or a pod operator maps onto an ECS Fargate
task (``EcsRunTaskOperator``), the naming conventions the rewrite shares with the generated
infrastructure, and the task sizes Fargate accepts (``data/aws_native.json``)."""

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
    eks_way_out: str               # names EksPodOperator, for a pod spec ECS has no place for
    mapped: dict[str, str]         # argument -> where it goes on ECS
    dropped: dict[str, str]        # argument -> why it has no meaning on ECS
    blocking: dict[str, str]       # argument -> why the task cannot be rewritten automatically
    eks_blocking: frozenset[str]   # blocking arguments an EKS cluster would keep
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
    return PodToEcs(frozenset(row["operators"]), row["eks_way_out"], dict(row["mapped"]),
                    dict(row["dropped"]), dict(row["blocking"]), frozenset(row["eks_blocking"]),
                    row["xcom_reason"], row["env_var_class"], row["resources_class"], dict(row["resources_keys"]),
                    dict(row["resources_ignored"]), row["kubernetes_cpu_units"], dict(row["quantity_suffixes"]))
