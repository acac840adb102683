"""The MWAA environment as code: ``migrator infra`` (and ``migrate``'s ``infra/``).

``project_environment(root, settings, target, ...)`` reads the project (its modules, the bundle
``migrator package`` builds, ``migrator size``'s recommendation) into an ``EnvironmentSpec``
(``model``); ``write_infra(spec, out)`` writes ``out/cloudformation.yaml`` and the equivalent
Terraform module ``out/terraform/`` (``main.tf``, ``variables.tf``, ``outputs.tf``). Both
renderers are pure and deterministic. docs/infra.md describes the output and how to deploy it.

ECS: the DockerOperator and pod-operator tasks that migrator.aws_native rewrites to EcsRunTaskOperator become
the ECS cluster, one task definition per image (``task_definitions``, the families the rewrite
names), their log groups, ECR repositories and task execution role, and the execution role's
statements to run exactly those. On a project not yet rewritten (``infra PATH``), every container
task the rewrite maps; with ``source`` (``migrate``: PATH is its rewritten copy), the tasks of
``source`` whose task definitions the rewritten code at PATH runs.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from migrator.analysis.python import ModuleFacts
from migrator.aws_native import (
    TaskDefinition,
    container_tasks,
    ecs_task_definitions_named,
    eks_pod_tasks,
    task_definitions,
)
from migrator.bundle.build import build_bundle
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.engine import scan
from migrator.infra.cloudformation import render_cloudformation
from migrator.infra.model import (
    BundleFacts,
    EnvironmentSpec,
    build_environment,
    check_environment_name,
    environment_name,
)
from migrator.infra.terraform import render_terraform
from migrator.infra.usage import AwsUsage, aws_usage
from migrator.sizing.report import size_project
from migrator.workspace import discover

CLOUDFORMATION = "cloudformation.yaml"
TERRAFORM_DIR = "terraform"

__all__ = ["CLOUDFORMATION", "TERRAFORM_DIR", "AwsUsage", "BundleFacts", "EnvironmentSpec",
           "project_environment", "render_cloudformation", "render_terraform", "write_infra"]


def project_modules(root: Path, settings: Settings) -> list[ModuleFacts]:
    workspace = discover(root, settings)
    return [ModuleFacts.from_file(workspace.root, workspace.path(rel), workspace.module_name(rel))
            for rel in workspace.python_files]


def project_task_definitions(modules: list[ModuleFacts], settings: Settings, target: MwaaVersion,
                             source: Path | None = None) -> tuple[list[TaskDefinition], set[str]]:
    """The ECS task definitions of the project whose ``modules`` are given, and the families its
    rewritten tasks run that no Docker or pod call gives the image of. Without ``source``: its
    Docker and pod tasks the rewrite maps; with ``source``, the project before the rewrite: those
    of ``source``'s tasks the rewritten ``modules`` run (the families are the rewrite's,
    ``task_definition_family``)."""
    running = ecs_task_definitions_named(modules, target)
    tasks = container_tasks(modules if source is None else project_modules(source, settings), target)
    if source is not None:
        tasks = [t for t in tasks if t.family in running]
    definitions = task_definitions(tasks)
    return definitions, running - {d.family for d in definitions}


def project_environment(root: Path, settings: Settings, target: MwaaVersion, *, name: str | None = None,
                        bundle: Path | None = None, sizing: Mapping[str, Any] | None = None,
                        region: str | None = None, source: Path | None = None,
                        create_vpc: bool = False) -> EnvironmentSpec:
    """The environment for the project at ``root``. ``bundle``: a folder ``migrator package``
    built from it (one is built into a temporary folder when not given); ``sizing``:
    ``migrator size``'s document (computed when not given, for ``region``); ``source``: the
    project ``root`` was rewritten from (its container tasks' images are there); ``create_vpc``:
    the environment in a private VPC the templates create."""
    root = Path(root)
    name = check_environment_name(name or environment_name(root.resolve().name))
    if sizing is None:
        sizing = size_project(root, settings, target, region=region)
    if bundle is not None:
        facts = BundleFacts.read(bundle)
    else:
        scratch = Path(tempfile.mkdtemp(prefix="migrator-infra-"))
        try:
            built = scratch / "bundle"
            build_bundle(scan(root, settings, target), built, sizing=sizing)
            facts = BundleFacts.read(built)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    modules = project_modules(root, settings)
    definitions, unknown = project_task_definitions(modules, settings, target, source)
    spec = build_environment(name, target, sizing["recommendation"], facts, aws_usage(modules), definitions,
                             create_vpc=create_vpc,
                             eks_tasks=eks_pod_tasks(modules, target, rewritten=source is not None))
    if unknown:
        spec = replace(spec, notes=(*spec.notes, (
            f"ECS task definitions {', '.join(sorted(unknown))} run by the rewritten DAGs: their images are not "
            "in this code, so the templates do not create them; run `migrator infra` with --source, the "
            "project before the rewrite")))
    return spec


def infra_files(spec: EnvironmentSpec) -> dict[str, str]:
    """Relative path -> text of everything ``write_infra`` writes."""
    files = {CLOUDFORMATION: render_cloudformation(spec)}
    files.update({f"{TERRAFORM_DIR}/{name}": text for name, text in render_terraform(spec).items()})
    return files


def write_infra(spec: EnvironmentSpec, out: Path) -> list[Path]:
    """Write the template and the module into ``out``; returns the files written."""
    written = []
    for rel, text in infra_files(spec).items():
        path = Path(out) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
