"""The container tasks of a project that map onto ECS: DockerOperator and pod-operator tasks
alike, for the infrastructure generator (one task definition per image, ``task_definitions``);
and the pod tasks that run on EKS."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from migrator.analysis.python import ModuleFacts
from migrator.compat.aws_native import pod_to_eks

from .docker import ContainerTask, NotRewritable, docker_task, is_rewritable_docker_operator
from .eks import EksPodTask, eks_pod_task
from .pod import is_rewritable_pod_operator, pod_task


def project_container_tasks(workspace, target) -> list[ContainerTask]:
    """Every Docker or pod task of a discovered project's DAG and plugin files that maps onto ECS."""
    return container_tasks((ModuleFacts.from_file(workspace.root, workspace.path(rel), workspace.module_name(rel))
                            for rel in workspace.python_files), target)


def container_tasks(modules: Iterable, target) -> list[ContainerTask]:
    """Every Docker or pod task of ``modules`` (``ModuleFacts``) that maps onto ECS."""
    found = []
    for module in modules:
        for task in module.tasks:
            if isinstance(task.node, ast.Call):
                result = ecs_rewrite(module, task.operator, task.node, target)
                if isinstance(result, ContainerTask):
                    found.append(result)
    return found


def ecs_rewrite(module, operator: str, call: ast.Call, target) -> ContainerTask | NotRewritable | None:
    """What a task's call becomes on ECS, why it stays, or None when its class is not one the
    rewrites replace."""
    if is_rewritable_docker_operator(operator, target):
        return docker_task(module, call, target)
    if is_rewritable_pod_operator(operator, target):
        return pod_task(module, call, target)
    return None


def eks_pod_tasks(modules: Iterable, target, *, rewritten: bool = False) -> list[EksPodTask]:
    """The EksPodOperator tasks of ``modules`` (``ModuleFacts``), and unless they are already
    ``rewritten``, the pod tasks the rewrite turns into ones (those ECS has no place for)."""
    found = []
    for module in modules:
        for task in module.tasks:
            if not isinstance(task.node, ast.Call):
                continue
            if task.operator == pod_to_eks().replacement or (
                    not rewritten and is_rewritable_pod_operator(task.operator, target)
                    and isinstance(pod_task(module, task.node, target), NotRewritable)):
                on_eks = eks_pod_task(module, task.node)
                if isinstance(on_eks, EksPodTask):
                    found.append(on_eks)
    return found
