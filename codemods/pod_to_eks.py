"""``pod-to-eks``: a KubernetesPodOperator or GKEStartPodOperator task becomes an EksPodOperator
task on an EKS cluster, its pod spec as written.

Params (from ``migrator.aws_native.eks_pod_task``, through rule MWA002): ``old`` (the class the
call names), ``drop`` (the on-prem client settings and GKE coordinates to leave out) and
``rename`` (``[[old, new], ...]``: ``name`` becomes ``pod_name``). ``cluster_name`` is added
after ``task_id`` (first when there is none), reading the cluster's name from the Airflow Variable
``compat.aws_native.pod_to_eks`` names. Every other argument, its comments, the task's variable
and dependencies stay; the old operator's import goes once nothing uses it.

Unsafe: the pod then runs on an EKS cluster, which must exist with the execution role allowed
into the task's namespaces (``migrator infra`` writes the access entry).
"""

from __future__ import annotations

import libcst as cst
from migrator.compat.aws_native import pod_to_eks

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._helpers import preferred_quote
from ._planner import Planner
from .docker_to_ecs import _without_comment
from .replace_class import replace_callee

SAFETY = FixSafety.UNSAFE
RATIONALE = "the pod moves to an EKS cluster, which must exist and let the execution role in"
# ``migrate --aws-native`` applies this kind without ``--unsafe``.
AWS_NATIVE = True

CLUSTER_ARGUMENT = "cluster_name"


def plan(edit: Edit, planner: Planner) -> None:
    params = edit.fix
    old = params.old
    calls = [c for c in planner.at(edit.location, cst.Call) if old in planner.qualnames(c.func)]
    call = planner.locate(edit.location, calls, f"call of {old.rpartition('.')[2]}")
    if any(a.keyword is None for a in call.args):
        raise CannotFix("positional arguments or **kwargs in the call")
    dropped = frozenset(params.drop)
    renamed = dict(params.rename)
    quote = preferred_quote(planner)
    cluster = f"{quote}{{{{ var.value.{pod_to_eks().cluster_variable} }}}}{quote}"
    replace_callee(planner, call.func, pod_to_eks().replacement)
    kept = [planner.code(a.value) for a in call.args if a.keyword.value not in dropped]
    cluster_value = cst.parse_expression(cluster)
    planner.replace(call, ("expr", f"({', '.join([cluster, *kept])})"),
                    lambda node, c=cluster_value, d=dropped, r=renamed: _rebuild(node, c, d, r))


def _rebuild(call: cst.Call, cluster: cst.BaseExpression, dropped: frozenset[str],
             renamed: dict[str, str]) -> cst.Call:
    """The call's arguments less ``dropped``, ``renamed`` renamed, and ``cluster_name=`` after
    ``task_id``; the last one keeps the original last argument's ending."""
    original = list(call.args)
    kept = [a for a in original if a.keyword.value not in dropped]
    if not kept:
        raise CannotFix("the call keeps no argument")
    # A new argument copies the separator of an argument that has one (a line of its own, or ", ").
    separator = next((_without_comment(a.comma) for a in original if isinstance(a.comma, cst.Comma)),
                     cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args: list[cst.Arg] = []
    for argument in kept:
        name = argument.keyword.value
        if name in renamed:
            argument = argument.with_changes(keyword=cst.Name(renamed[name]))
        args.append(argument.with_changes(comma=argument.comma if isinstance(argument.comma, cst.Comma) else separator))
    at = next((i + 1 for i, a in enumerate(args) if a.keyword.value == "task_id"), 0)
    args.insert(at, cst.Arg(value=cluster, keyword=cst.Name(CLUSTER_ARGUMENT), equal=args[0].equal,
                            comma=separator))
    last = original[-1]
    args[-1] = args[-1].with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    return call.with_changes(args=args)
