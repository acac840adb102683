"""``pod-to-ecs``: a KubernetesPodOperator or GKEStartPodOperator task becomes an
EcsRunTaskOperator task on ECS Fargate.

Params (from ``migrator.aws_native.pod_task``, through rule MWA002): ``old``, ``family``,
``size`` (the Fargate ``(cpu, memory)`` for the pod's resources) and ``drop`` (the
Kubernetes-only arguments to leave out), as for ``docker-to-ecs``, whose rewrite this is:
``image=`` is replaced by the same ECS arguments, and ``cmds`` + ``arguments`` become the
container's command, ``env_vars`` (a dict, or a list of ``V1EnvVar(name=, value=)``) its
environment, the resources its size. Imports of the Kubernetes models the moved arguments used
go once nothing uses them.

Unsafe: the task then runs on ECS, which needs the task definition, cluster, network and
Variables to exist, and ``cmds`` cannot replace an image's ENTRYPOINT there.
"""

from __future__ import annotations

import libcst as cst
from migrator.compat.aws_native import pod_to_ecs

from migrator.findings import FixSafety
from migrator.fixes import PodToEcs

from ._core import Edit
from ._planner import Planner
from .docker_to_ecs import _environment, _Moved, rewrite

SAFETY = FixSafety.UNSAFE
RATIONALE = ("the task moves to ECS Fargate, which needs the generated infrastructure and cannot override "
             "the image's ENTRYPOINT")
# ``migrate --aws-native`` applies this kind without ``--unsafe``.
AWS_NATIVE = True

_COMMAND_ARGUMENTS = ("cmds", "arguments")
_MOVED = (*_COMMAND_ARGUMENTS, "env_vars", "container_resources", "resources")


def plan(edit: Edit, planner: Planner) -> None:
    rewrite(edit, planner, _MOVED, _container)


def _container(params: PodToEcs, arguments: dict[str, cst.Arg], planner: Planner, string) -> dict[str, object]:
    """The container override's command (``cmds`` then ``arguments``) and environment."""
    container: dict[str, object] = {}
    words = [word for name in _COMMAND_ARGUMENTS if name in arguments
             for word in _list_items(arguments[name].value, planner)]
    if words:
        container["command"] = words
    if "env_vars" in arguments:
        container["environment"] = _pod_environment(arguments["env_vars"].value, planner, string)
    for name in ("env_vars", "container_resources", "resources"):
        if name in arguments:  # a Kubernetes model they named goes with them when nothing else uses it
            for call in _calls(arguments[name].value):
                planner.forget_binding_of(call.func)
    return container


def _list_items(value: cst.BaseExpression, planner: Planner) -> list[_Moved]:
    """The items a command list adds: a literal's elements, else the whole list unpacked."""
    if isinstance(value, (cst.List, cst.Tuple)):
        return [_Moved(planner.code(e.with_changes(comma=cst.MaybeSentinel.DEFAULT))) for e in value.elements]
    return [_Moved(f"*{planner.code(value)}")]


def _pod_environment(value: cst.BaseExpression, planner: Planner, string) -> object:
    """ECS's environment entries: a list of ``V1EnvVar(name=, value=)`` entry by entry, a dict as
    the Docker rewrite converts one."""
    if isinstance(value, cst.List):
        entries = []
        for element in value.elements:
            fields = {a.keyword.value: a.value for a in element.value.args if a.keyword is not None}
            value_code = planner.code(fields["value"]) if "value" in fields else string("")  # Kubernetes' default
            entries.append({string("name"): _Moved(planner.code(fields["name"])), string("value"): _Moved(value_code)})
        return entries
    return _environment([value], planner, string)


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    """The Kubernetes model calls (``V1EnvVar``, ``V1ResourceRequirements``) inside an argument."""
    facts = pod_to_ecs()
    models = {facts.env_var_class, facts.resources_class}
    found: list[cst.Call] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            func = call.func
            name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(
                func, cst.Attribute) else None
            if name in models:
                found.append(call)

    node.visit(Visitor())
    return found
