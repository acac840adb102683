"""The fix kinds: one frozen dataclass per kind of change a finding can offer, its parameters as
fields (``migrator.findings.Fix`` gives safety, description and the JSON shape). The codemod that
applies a kind is ``migrator.codemods.<module>`` (``codemods.CODEMODS`` maps each type to it).

They stand apart from their codemods for one reason: a scan reports fixes and never applies
them, and the codemods import LibCST, which would cost every scan a third of a second. Each
class names its codemod module in its docstring's first line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from migrator.findings import Fix, optional


@dataclass(frozen=True, kw_only=True)
class ReplaceImport(Fix):
    """codemods/replace_import.py: The import or name at the location refers to ``old``; make it refer to ``new`` (dotted qualnames)."""

    kind: ClassVar[str] = "replace-import"
    old: str
    new: str


@dataclass(frozen=True, kw_only=True)
class ReplaceClass(Fix):
    """codemods/replace_class.py: The class ``old`` used at the location becomes ``new``, with its arguments renamed
    (``rename_arguments``: old name -> new name, or None to remove it; a mapping or pairs)."""

    kind: ClassVar[str] = "replace-class"
    old: str
    new: str
    rename_arguments: Mapping[str, str | None] | tuple[tuple[str, str | None], ...] | None = optional()


@dataclass(frozen=True, kw_only=True)
class ReplaceKubernetesObject(Fix):
    """codemods/replace_kubernetes_object.py: Airflow's pod object constructed at the location (``old``), or the operator argument
    ``argument`` holding its parameters, becomes the client model ``new`` built from the same values."""

    kind: ClassVar[str] = "kubernetes-object"
    new: str | None = optional()  # a kubernetes.client.models class
    old: str | None = optional()  # the class the call constructs
    parameters: tuple[str, ...] | None = optional()  # the old constructor's, in order
    fields: tuple[tuple[str, Any], ...] | None = optional()  # (parameter, steps)
    expand: str | None = optional()
    expand_spec: tuple[Any, ...] | None = optional()
    values_at: tuple[int, int, int, int] | None = optional()  # the dict literal a variable names
    argument: str | None = optional()
    new_argument: str | None = optional()
    value: Literal["dict", "object"] | None = optional()


@dataclass(frozen=True, kw_only=True)
class RenameArgument(Fix):
    """codemods/rename_argument.py: The keyword argument (or ``default_args`` key) ``old`` at the location becomes ``new``;
    ``also`` names more arguments given the same value."""

    kind: ClassVar[str] = "rename-argument"
    old: str
    new: str
    also: tuple[str, ...] = optional(())


@dataclass(frozen=True, kw_only=True)
class RemoveArgument(Fix):
    """codemods/remove_argument.py: The keyword argument (or ``default_args`` key) ``name`` at the location goes."""

    kind: ClassVar[str] = "remove-argument"
    name: str


@dataclass(frozen=True, kw_only=True)
class DaysAgo(Fix):
    """codemods/days_ago.py: The ``days_ago(...)`` call at the location becomes the same date with pendulum."""

    kind: ClassVar[str] = "days-ago"
    old: str

    @property
    def params(self) -> dict[str, Any]:
        # Reports show it as it was reported before it had a kind of its own: a replace-call template.
        return {"kind": "replace-call", "old": self.old, "template": "days_ago"}


@dataclass(frozen=True, kw_only=True)
class ReplaceContextKey(Fix):
    """codemods/replace_context_key.py: The context key ``old`` read at the location (subscript, get, parameter or Jinja reference)
    becomes ``new`` (a name, or inside templates a Jinja expression)."""

    kind: ClassVar[str] = "replace-context-key"
    old: str
    new: str


@dataclass(frozen=True, kw_only=True)
class RemoveDecorator(Fix):
    """codemods/remove_decorator.py: The decorator ``name`` at the location goes."""

    kind: ClassVar[str] = "remove-decorator"
    name: str


@dataclass(frozen=True, kw_only=True)
class ReplaceValue(Fix):
    """codemods/replace_value.py: The value ``old`` at the location becomes ``new`` (JSON values: an argument value), or
    with ``attribute`` the member or attribute name ``old`` becomes ``new`` (``TriggerRule.X``,
    ``DagRun.execution_date``)."""

    kind: ClassVar[str] = "replace-value"
    old: object
    new: object
    attribute: bool = optional(False)


@dataclass(frozen=True, kw_only=True)
class SubdagToTaskgroup(Fix):
    """codemods/subdag_to_taskgroup.py: The ``SubDagOperator(subdag=factory(...))`` at the location becomes ``factory(...)``, and
    the factory in the same file builds a TaskGroup; ``part`` says which of the two this edit does."""

    kind: ClassVar[str] = "subdag-to-taskgroup"
    factory: str
    group_id: str  # the factory's parameter naming the group
    variable: str  # the factory's DAG variable
    task_group: str  # TaskGroup's dotted path
    part: Literal["both", "operator", "factory"] = "both"


@dataclass(frozen=True, kw_only=True)
class DropDagFromChain(Fix):
    """codemods/drop_dag_from_chain.py: The ``>>``/``<<`` operation at the location with the DAG ``dag`` as one operand becomes its
    other operand; comments between them move to the opening parenthesis."""

    kind: ClassVar[str] = "drop-dag-from-chain"
    dag: str  # the DAG's variable


@dataclass(frozen=True, kw_only=True)
class GuardRemovedImport(Fix):
    """codemods/guard_removed_import.py: The ``from x import Name`` at the location, used only in ``isinstance``/``issubclass``, goes
    inside ``try``/``except ImportError`` with a stand-in class."""

    kind: ClassVar[str] = "guard-removed-import"
    name: str  # the local name the import binds


@dataclass(frozen=True, kw_only=True)
class DefineRemovedHelper(Fix):
    """codemods/define_removed_helper.py: The ``from x import name`` at the location, of a private Airflow helper no
    release keeps, becomes ``definition``, a function doing what the helper did."""

    kind: ClassVar[str] = "define-removed-helper"
    name: str
    definition: str  # Python source defining ``name`` (compat's removed helpers)


@dataclass(frozen=True, kw_only=True)
class AppendBase(Fix):
    """codemods/append_base.py: The ``bases`` the module-level class ``name`` does not end with already become its last
    bases, before its keywords (API019)."""

    kind: ClassVar[str] = "append-base"
    name: str
    bases: tuple[str, ...]  # dotted qualnames, in order


@dataclass(frozen=True, kw_only=True)
class EndInitChain(Fix):
    """codemods/end_init_chain.py: The module-level class ``name`` lists ``_InitChainEnd`` right before ``mixin`` (API019)."""

    kind: ClassVar[str] = "end-init-chain"
    name: str
    mixin: str  # dotted name of the base listed right after the operator's


@dataclass(frozen=True, kw_only=True)
class RemoveUnusedImport(Fix):
    """codemods/remove_unused_import.py: The import of ``name`` is dropped (the whole statement when it was its only name)."""

    kind: ClassVar[str] = "remove-unused-import"
    name: str  # the local name the import binds


@dataclass(frozen=True, kw_only=True)
class ReplacePayloadRead(Fix):
    """codemods/replace_payload_read.py: ``op.json["key"]`` / ``op.json.get("key")`` at the location becomes ``op.key`` (API022)."""

    kind: ClassVar[str] = "payload-read"
    attribute: str  # the payload attribute (json)
    key: str


@dataclass(frozen=True, kw_only=True)
class DockerToEcs(Fix):
    """codemods/docker_to_ecs.py: The DockerOperator call at the location becomes an EcsRunTaskOperator call on ECS Fargate."""

    kind: ClassVar[str] = "docker-to-ecs"
    old: str  # the class the call names
    family: str  # the task definition and container
    command: tuple[str, ...] | None = None  # the split command; None: its code is kept
    size: tuple[Any, Any] | None = None  # the Fargate (cpu, memory)
    drop: tuple[str, ...] = ()  # arguments to leave out


@dataclass(frozen=True, kw_only=True)
class PodToEcs(DockerToEcs):
    """codemods/pod_to_ecs.py: The KubernetesPodOperator / GKEStartPodOperator call at the location becomes an
    EcsRunTaskOperator call on ECS Fargate (the parameters of ``docker-to-ecs``)."""

    kind: ClassVar[str] = "pod-to-ecs"


@dataclass(frozen=True, kw_only=True)
class PodToEks(Fix):
    """codemods/pod_to_eks.py: The KubernetesPodOperator / GKEStartPodOperator call at the location becomes an EksPodOperator
    call, the pod spec as written, ``cluster_name`` from an Airflow Variable."""

    kind: ClassVar[str] = "pod-to-eks"
    old: str  # the class the call names
    drop: tuple[str, ...] = ()  # cluster coordinates to leave out
    rename: tuple[tuple[str, str], ...] = ()  # (argument, EksPodOperator's name for it)
