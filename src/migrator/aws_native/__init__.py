"""AWS-native rewrites of what MWAA cannot run: a DockerOperator task, or a KubernetesPodOperator /
GKEStartPodOperator task whose pod spec is one container, becomes an ``EcsRunTaskOperator`` task
on ECS Fargate (``migrator fix --unsafe``, ``migrate --aws-native``); a pod task whose spec ECS has
no place for becomes an ``EksPodOperator`` task on an EKS cluster.

``docker_task`` and ``pod_task`` decide, for one call, whether it maps onto an ECS task and
with what (``ContainerTask``), or why not (``NotRewritable``), and ``eks_pod_task`` the same for EKS
(``EksPodTask``); rules MWA001 and MWA002 attach the fix from it, and the codemods
``docker-to-ecs``, ``pod-to-ecs`` and ``pod-to-eks`` write it.
``project_container_tasks`` lists the container tasks of a whole project, and
``task_definitions`` groups them by image: one ECS task definition each, for the
infrastructure generator.
"""

from .docker import (
    ContainerTask,
    ImageLocation,
    NotRewritable,
    TaskDefinition,
    docker_task,
    ecs_task_definitions_named,
    image_location,
    is_rewritable_docker_operator,
    split_command,
    task_definition_family,
    task_definitions,
)
from .eks import EksPodTask, eks_pod_task
from .pod import is_rewritable_pod_operator, pod_task
from .tasks import container_tasks, eks_pod_tasks, project_container_tasks

__all__ = ["ContainerTask", "EksPodTask", "ImageLocation", "NotRewritable", "TaskDefinition", "container_tasks", "docker_task",
           "ecs_task_definitions_named", "eks_pod_task", "eks_pod_tasks", "image_location", "is_rewritable_docker_operator",
           "is_rewritable_pod_operator", "pod_task", "project_container_tasks", "split_command",
           "task_definition_family", "task_definitions"]
