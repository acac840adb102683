"""What an MWAA execution role needs (``data/iam_actions.json``): the base statements, the
secrets backends' reads, S3 on the buckets the DAGs name, and the AWS service actions of the
Amazon provider modules and of the boto3 client calls project code makes itself. ``migrator
infra`` builds the least-privilege policy from these."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ._data import load_json

IAM_FILE = "iam_actions.json"


@dataclass(frozen=True)
class StatementTemplate:
    """One policy statement; resources are templates (``{partition}``, ``{region}``, ...)."""

    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    effect: str = "Allow"
    sid: str = ""
    condition: dict[str, dict[str, list[str]]] | None = None
    why: str = ""
    star_reason: str = ""  # why the resource is "*": the actions have no resource type

    @classmethod
    def of(cls, row: dict[str, Any]) -> StatementTemplate:
        return cls(tuple(sorted(row["actions"])), tuple(row.get("resources", ())),
                   tuple(row.get("not_resources", ())), row.get("effect", "Allow"), row.get("sid", ""),
                   row.get("condition"), row.get("why", ""), row.get("star_reason", ""))


@dataclass(frozen=True)
class ServicePermissions:
    id: str
    what: str
    modules: tuple[str, ...]  # Airflow modules whose operators, hooks or sensors call the service
    statements: tuple[StatementTemplate, ...]
    source: str
    boto3_calls: frozenset[str] = frozenset()  # "service.method" of boto3 clients project code calls

    def used_by(self, qualname: str) -> bool:
        return any(qualname == m or qualname.startswith(m + ".") for m in self.modules)


@dataclass(frozen=True)
class SecretsBackendPermissions:
    actions: tuple[str, ...]
    resource: str  # template with {prefix}
    prefix_trim: str  # leading characters the ARN already has ("/" of SSM parameter names)
    source: str


@dataclass(frozen=True)
class DagBucketPermissions:
    bucket_arguments: frozenset[str]  # keyword arguments whose literal value is a bucket name
    modules: tuple[str, ...]  # Airflow modules that reach S3 (a bucket not literal: granted by hand)
    statements: tuple[StatementTemplate, ...]  # templates with {bucket}
    source: str

    def used_by(self, qualname: str) -> bool:
        return any(qualname == m or qualname.startswith(m + ".") for m in self.modules)


@cache
def base_statements() -> tuple[StatementTemplate, ...]:
    return tuple(StatementTemplate.of(row) for row in load_json(IAM_FILE)["base"]["statements"])


@cache
def service_permissions() -> tuple[ServicePermissions, ...]:
    return tuple(ServicePermissions(row["id"], row["what"], tuple(row["modules"]),
                                    tuple(StatementTemplate.of(s) for s in row["statements"]),
                                    row["source"], frozenset(row.get("boto3_calls", ())))
                 for row in load_json(IAM_FILE)["services"])


def secrets_backend_permissions(backend: str) -> SecretsBackendPermissions | None:
    row = load_json(IAM_FILE)["secrets_backends"].get(backend)
    if row is None:
        return None
    return SecretsBackendPermissions(tuple(row["actions"]), row["resource"], row["prefix_trim"], row["source"])


def default_secrets_prefixes() -> dict[str, str]:
    """The backend's prefixes when ``secrets.backend_kwargs`` names none (the provider's defaults)."""
    return dict(load_json(IAM_FILE)["default_prefixes"])


@cache
def dag_bucket_permissions() -> DagBucketPermissions:
    row = load_json(IAM_FILE)["dag_buckets"]
    return DagBucketPermissions(frozenset(row["bucket_arguments"]), tuple(row["modules"]),
                                tuple(StatementTemplate.of(s) for s in row["statements"]), row["source"])


@dataclass(frozen=True)
class ContainerTaskPermissions:
    """What running the generated ECS task definitions takes: the execution role's statements
    (templates with ``{family}``, ``{cluster}``, ``{log_group}``, ``{task_execution_role_arn}``)
    and the task execution role's (``{repository_arn}``, ``{log_group}``); ``ecr_only`` are the
    sids needed only when an image is pulled from ECR."""

    execution_role: tuple[StatementTemplate, ...]
    task_execution_role: tuple[StatementTemplate, ...]
    ecr_only: frozenset[str]
    why: str
    source: str


@cache
def container_task_permissions() -> ContainerTaskPermissions:
    row = load_json(IAM_FILE)["container_tasks"]
    return ContainerTaskPermissions(
        tuple(StatementTemplate.of(s) for s in row["execution_role"]),
        tuple(StatementTemplate.of(s) for s in row["task_execution_role"]),
        frozenset(s["sid"] for s in row["task_execution_role"] if s.get("when") == "ecr"),
        row["why"], row["source"])
