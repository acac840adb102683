"""KubernetesPodOperator / GKEStartPodOperator -> EksPodOperator: the pod spec stays as written and
runs on an EKS cluster, for the pods ECS Fargate has no place for (volumes, Kubernetes secrets,
node placement, a service account, sidecars, a pod template, resources beyond Fargate's sizes).

EksPodOperator subclasses KubernetesPodOperator, so every pod argument keeps its meaning; only the
cluster coordinates change (``compat.aws_native.pod_to_eks`` says why for each argument): the
on-prem client settings and GKE coordinates go, ``name`` becomes ``pod_name``, and
``cluster_name`` reads the EKS cluster's name from an Airflow Variable when the task runs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from migrator.compat.aws_native import pod_to_eks

from .docker import NotRewritable, _string, jinja_blocks


@dataclass(frozen=True)
class EksPodTask:
    """A pod-operator call that runs unchanged on an EKS cluster."""

    path: str
    line: int
    task_id: str | None
    namespace: str | None           # None: computed or templated (the access entry cannot name it)
    dropped: tuple[str, ...]        # cluster coordinates left out, each with its reason in compat
    renamed: tuple[tuple[str, str], ...]  # (argument, EksPodOperator's name for it)


def eks_pod_task(module, call: ast.Call) -> EksPodTask | NotRewritable:
    """What the pod-operator ``call`` of ``module`` becomes on EKS, or why it stays."""
    facts = pod_to_eks()
    if call.args or any(k.arg is None for k in call.keywords):
        return NotRewritable(None, "the call passes positional arguments or **kwargs, which hide whether it "
                                   "sets name or config_file, which EksPodOperator takes differently")
    arguments = {k.arg: k.value for k in call.keywords}
    for old, new in facts.renamed.items():
        if old in arguments and new in arguments:
            return NotRewritable(old, f"the call sets both {old} and {new}, which EksPodOperator passes as one")
    task_id = arguments.get("task_id")
    namespace = (_string(module, arguments["namespace"]) if "namespace" in arguments
                 else facts.default_namespace)
    return EksPodTask(module.path, call.lineno,
                      task_id.value if isinstance(task_id, ast.Constant) and isinstance(task_id.value, str) else None,
                      namespace if namespace and not jinja_blocks(namespace) else None,
                      tuple(sorted(name for name in arguments if name in facts.dropped)),
                      tuple((old, new) for old, new in facts.renamed.items() if old in arguments))
