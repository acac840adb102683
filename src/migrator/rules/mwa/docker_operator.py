"""MWA001: Docker operators need a Docker daemon, which MWAA workers do not have"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import aws_native, compat
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.rules._common import short_name
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.mwa._helpers import (
    _class_node,
    _ecs_fix,
    _rewrite_finding,
    _subclass_tasks,
    _task_kind,
    _task_limit,
)


class DockerOperatorRule(PythonRule):
    """
    ## What it does
    Reports `DockerOperator`, `DockerSwarmOperator` and `@task.docker` tasks, and the
    project's own subclasses of them (a helper module's `FailureTrackingDockerOperator`).

    ## Why it matters on MWAA
    They talk to a Docker daemon on the worker host (or a swarm manager reachable from it).
    MWAA workers are managed containers with no Docker daemon and no access to one, so the task
    fails as soon as it tries to create the container.

    ## Example
    ```python
    DockerOperator(task_id="build", image="registry.corp/ml:2", docker_url="unix://var/run/docker.sock")
    ```

    ## Fix
    Push the image to Amazon ECR and run it on ECS/Fargate with `EcsRunTaskOperator` (the
    amazon provider is preinstalled on MWAA), or on EKS with `EksPodOperator`. Data the
    container read from bind mounts must come from S3 or EFS.

    `migrator fix --unsafe` (and `migrate --aws-native`) rewrites a `DockerOperator` whose
    arguments all have a place on ECS: one task definition per image (named after it), the
    command and environment as container overrides, `cpus`/`mem_limit` as the Fargate size,
    awsvpc networking from the Variables `ecs_subnet_1`, `ecs_subnet_2` and
    `ecs_security_group`, logs in CloudWatch; Docker-only settings (`docker_url`,
    `auto_remove`, `network_mode`, ...) are dropped. A bind mount, a per-run working
    directory or user, a privileged container or the project's own subclass of the operator
    are not rewritten: the finding says why (see docs/aws-native.md).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/samples-ecs-operator.html
    - https://airflow.apache.org/docs/apache-airflow-providers-amazon/stable/operators/ecs.html
    """

    id = "MWA001"
    name = "docker-operator"
    severity = Severity.ERROR
    fix_safety = FixSafety.UNSAFE
    summary = "Docker operators need a Docker daemon, which MWAA workers do not have"
    needs_airflow_import = True
    valid = (
        Valid("""
            from airflow import DAG
            from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

            EcsRunTaskOperator(task_id="build", cluster="etl", task_definition="features:3", overrides={})
        """),
        Valid("""
            from airflow import DAG
            from docker.types import Mount

            SOURCE = Mount(source="/cache", target="/cache", type="bind")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            build = DockerOperator(task_id="build", image="ml/features:2")
        """, line=3, contains="EcsRunTaskOperator"),
        Invalid("""
            from airflow.operators.docker_operator import DockerOperator as Docker

            Docker(task_id="build", image="ml/features:2")
        """, line=3, contains="Docker daemon"),
        # Every argument has a place on ECS: rewritten by the unsafe fix.
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            load = DockerOperator(
                task_id="load",
                image="registry.acme.io/etl/load:2",
                command="python -m load --day {{ ds }}",
                environment={"STAGE": "prod"},
                docker_url="unix://var/run/docker.sock",
                retries=2,
            )
        """, line=3, contains="DockerOperator needs a Docker daemon", fixed="""
            from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

            load = EcsRunTaskOperator(
                task_id="load",
                cluster="airflow-tasks",
                task_definition="etl-load-2",
                launch_type="FARGATE",
                overrides={
                    "containerOverrides": [
                        {
                            "name": "etl-load-2",
                            "command": ["python", "-m", "load", "--day", "{{ ds }}"],
                            "environment": [{"name": "STAGE", "value": "prod"}],
                        },
                    ],
                },
                network_configuration={
                    "awsvpcConfiguration": {
                        "subnets": ["{{ var.value.ecs_subnet_1 }}", "{{ var.value.ecs_subnet_2 }}"],
                        "securityGroups": ["{{ var.value.ecs_security_group }}"],
                        "assignPublicIp": "DISABLED",
                    },
                },
                awslogs_group="/ecs/etl-load-2",
                awslogs_stream_prefix="ecs/etl-load-2",
                retries=2,
            )
        """),
        # A bind mount reads the Docker host's files: no rewrite, the finding names EFS.
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator
            from docker.types import Mount

            DockerOperator(task_id="load", image="etl/load:2", command="load",
                           mounts=[Mount(source="/srv/data", target="/data", type="bind")])
        """, line=4, contains="mount an Amazon EFS file system"),
        # The project's own subclass: its code may rely on Docker, so it is not rewritten.
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            class CorpDocker(DockerOperator):
                pass
        """, line=3, contains="CorpDocker is the project's own class"),
        Invalid("""
            from airflow.providers.docker.operators.docker_swarm import DockerSwarmOperator

            DockerSwarmOperator(task_id="train", image="ml/train:7", docker_url="tcp://swarm01:2376")
        """, line=3),
        Invalid("""
            from airflow.decorators import task

            @task.docker(image="python:3.12")
            def transform():
                return 1
        """, line=3, contains="@task.docker"),
        # The project's own subclass, defined in a helper module, needs the daemon as its base does.
        Invalid("""
            from airflow import DAG
            from helpers.tracking import TrackingDockerOperator

            with DAG(dag_id="upload") as dag:
                TrackingDockerOperator(task_id="upload", image="ghcr.io/acme/upload:1")
        """, line=5, contains="TrackingDockerOperator (a DockerOperator) needs a Docker daemon",
            files={"dags/helpers/__init__.py": "",
                   "dags/helpers/tracking.py": ("from airflow.providers.docker.operators.docker import DockerOperator\n\n\n"
                                                "class TrackingDockerOperator(DockerOperator):\n    pass\n")}),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        limit = next(l for l in compat.platform_limits() if l.id == "docker")
        for task in module.tasks:
            if _task_limit(task, ctx.target) == "docker":
                message = f"{_task_kind(task)} needs a Docker daemon: {limit.problem} {limit.advice}"
                fix, why_not = None, None
                if isinstance(task.node, ast.Call) and aws_native.is_rewritable_docker_operator(task.operator, ctx.target):
                    rewrite = aws_native.docker_task(module, task.node, ctx.target)
                    if isinstance(rewrite, aws_native.ContainerTask):
                        fix = _ecs_fix(task.operator, rewrite)
                    else:
                        why_not = rewrite.reason
                yield _rewrite_finding(self, module, _class_node(task.node), message, fix=fix, why_not=why_not)
        for node in _docker_subclasses(module, ctx.target):
            yield _rewrite_finding(self, module, node, f"{node.name} extends a Docker operator, which needs a Docker "
                                                       f"daemon: {limit.problem} {limit.advice}",
                                   why_not=f"{node.name} is the project's own class, whose code may rely on Docker")
        # Tasks of the project's subclasses defined in a helper module (a class of this module is
        # reported once, above, where it is defined).
        for call, qualname, base in _subclass_tasks(module, ctx, limit):
            yield self.at_node(module, call.func, f"{short_name(qualname)} (a {short_name(base)}) needs a Docker "
                                                  f"daemon: {limit.problem} {limit.advice}")


def _docker_subclasses(module: ModuleFacts, target) -> list[ast.ClassDef]:
    """The module's classes with a base the rewrite would replace: their tasks stay Docker tasks."""
    return [node for node in module.nodes_of(ast.ClassDef)
            if any(qualname and aws_native.is_rewritable_docker_operator(qualname, target)
                   for qualname in map(module.qualname, node.bases))]
