"""KubernetesPodOperator / GKEStartPodOperator -> EcsRunTaskOperator: what one call maps to, or
why it does not.

A pod spec maps when it is one container run to completion: a literal image, the command as
lists (``cmds`` then ``arguments``), ``env_vars`` as a dict or a list of ``V1EnvVar(name=,
value=)``, and literal CPU/memory requests or limits that fit a Fargate size. The cluster
coordinates and Kubernetes client settings are dropped (``compat.aws_native.pod_to_ecs`` says
why for each). Volumes, Kubernetes secrets, node placement, a service account, extra containers
or a pod template keep the finding with the reason (``migrator.aws_native.eks`` rewrites those to
``EksPodOperator``). The result is the Docker rewrite's ``ContainerTask``, so the
codemod and the infrastructure see one kind of container task.
"""

from __future__ import annotations

import ast
import math
import re

from migrator.analysis.strings import name_value
from migrator.compat.aws_native import fargate_size, pod_to_ecs
from migrator.compat.resolver import resolve

from .docker import (
    ContainerTask,
    NotRewritable,
    _ecs_arguments,
    _literal,
    _string,
    jinja_blocks,
    task_definition_family,
)

# A Kubernetes quantity: a decimal number and a suffix (``500m``, ``1.5Gi``, ``2e3``).
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$")
_MIB = 1024 ** 2
_COMMAND_ARGUMENTS = ("cmds", "arguments")
_RESOURCE_ARGUMENTS = ("container_resources", "resources")


def is_rewritable_pod_operator(qualname: str, target) -> bool:
    """Whether ``qualname`` (any Airflow spelling) is a pod operator the rewrite replaces."""
    resolution = resolve(qualname, target)
    return bool({qualname, resolution.new, *resolution.hops} & pod_to_ecs().operators)


def pod_task(module, call: ast.Call, target) -> ContainerTask | NotRewritable:
    """What the pod-operator ``call`` of ``module`` becomes on ECS, or why it stays."""
    facts = pod_to_ecs()
    if call.args or any(k.arg is None for k in call.keywords):
        return NotRewritable(None, "the call passes positional arguments or **kwargs, which hide what it sets")
    arguments = {k.arg: k.value for k in call.keywords}
    accepted = _ecs_arguments(target)
    for name, value in arguments.items():
        if name in facts.blocking:
            return NotRewritable(name, f"{name}: {facts.blocking[name]}")
        if name == "do_xcom_push" and _literal(module, value) is not False:
            return NotRewritable(name, facts.xcom_reason)
        if name not in facts.mapped and name not in facts.dropped and accepted is not None and name not in accepted:
            return NotRewritable(name, f"{name}: EcsRunTaskOperator on Airflow {target.airflow} does not take it")
    image = _string(module, arguments.get("image"))
    if image is None or jinja_blocks(image):
        return NotRewritable("image", "the image is not a literal string (templated or computed), so no task "
                                      "definition can be named for it")
    for name in _COMMAND_ARGUMENTS:
        if name in arguments and not isinstance(_resolved(module, arguments[name]), (ast.List, ast.Tuple)):
            return NotRewritable(name, f"{name} is not a list: ECS takes the argument list, so write it as one")
    keys = _environment_keys(module, arguments.get("env_vars"))
    if isinstance(keys, NotRewritable):
        return keys
    cpu = memory = None
    for name in _RESOURCE_ARGUMENTS:
        if name in arguments:
            request = _resources(module, arguments[name])
            if isinstance(request, str):
                return NotRewritable(name, f"{name}: {request}")
            cpu, memory = _larger(cpu, request[0]), _larger(memory, request[1])
    size = fargate_size(cpu, memory) if cpu is not None or memory is not None else None
    if (cpu is not None or memory is not None) and size is None:
        return NotRewritable(next(n for n in _RESOURCE_ARGUMENTS if n in arguments),
                             "the CPU or memory asked for is larger than any Fargate task size")
    task_id = arguments.get("task_id")
    return ContainerTask(module.path, call.lineno,
                         task_id.value if isinstance(task_id, ast.Constant) and isinstance(task_id.value, str) else None,
                         image, task_definition_family(image), None, keys, False, cpu, memory, size,
                         tuple(sorted(name for name in arguments if name in facts.dropped)))


def _resolved(module, node: ast.AST | None) -> ast.AST | None:
    """The expression itself, or the one a name assigned once stands for."""
    return name_value(module, node) if isinstance(node, ast.Name) else node


def _environment_keys(module, node: ast.AST | None) -> tuple[str, ...] | NotRewritable:
    """The names ``env_vars`` sets (literal keys only), or why its shape has no ECS form."""
    if node is None:
        return ()
    value = _resolved(module, node)
    if isinstance(value, ast.Dict):
        return tuple(k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
    if isinstance(value, ast.List) and value is node:
        keys = []
        for entry in value.elts:
            fields = _env_var(entry)
            if fields is None:
                return NotRewritable("env_vars", f"env_vars: an entry is not {pod_to_ecs().env_var_class}(name=, "
                                                 f"value=) (a value from a secret or a field reference has no "
                                                 f"ECS override: use the task definition's secrets)")
            name = fields["name"]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                keys.append(name.value)
        return tuple(keys)
    return NotRewritable("env_vars", "env_vars is neither a dict nor a list of "
                                     f"{pod_to_ecs().env_var_class}(name=, value=) written in the call")


def _env_var(node: ast.AST) -> dict[str, ast.AST] | None:
    """The ``name=``/``value=`` of a ``V1EnvVar`` call, None for any other entry."""
    if not (isinstance(node, ast.Call) and _called(node) == pod_to_ecs().env_var_class and not node.args):
        return None
    fields = {k.arg: k.value for k in node.keywords}
    return fields if set(fields) <= {"name", "value"} and "name" in fields else None


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _resources(module, node: ast.AST) -> tuple[int | None, int | None] | str:
    """The (CPU units, MiB) a resources argument asks for (the larger of request and limit),
    or why it cannot be read."""
    facts = pod_to_ecs()
    value = _resolved(module, node)
    if isinstance(value, ast.Call) and _called(value) == facts.resources_class and not value.args:
        parts = [_resolved(module, k.value) if k.arg in ("requests", "limits") else None for k in value.keywords]
    else:
        parts = [value]
    quantities: list[tuple[str, object]] = []
    for part in parts:
        items = _dict_items(module, part) if isinstance(part, ast.Dict) else None
        if items is None:
            return f"not a dict or {facts.resources_class}(requests=, limits=) of literal quantities"
        quantities += items
    cpu = memory = None
    for key, raw in quantities:
        if raw is None or key in facts.resources_ignored:
            continue
        kind = facts.resources_keys.get(key, key)
        if kind not in ("cpu", "memory"):
            return f"{key} has no Fargate equivalent (Fargate sizes only CPU and memory)"
        amount = _quantity(raw)
        if amount is None:
            return f"{key} is not a literal quantity"
        if kind == "cpu":
            cpu = _larger(cpu, math.ceil(amount * facts.cpu_units_per_cpu))
        else:
            memory = _larger(memory, max(1, math.ceil(amount / _MIB)))
    return cpu, memory


def _dict_items(module, node: ast.Dict) -> list[tuple[str, object]] | None:
    """A dict literal's keys with their literal values (``object()`` for a computed one); None
    when a key is not a string literal (``**other``)."""
    items = []
    for key, value in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        literal = _literal(module, value)
        computed = literal is None and not (isinstance(value, ast.Constant) and value.value is None)
        items.append((key.value, object() if computed else literal))
    return items


def _quantity(value: object) -> float | None:
    """A Kubernetes quantity in its base unit (cores, bytes); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    if isinstance(value, str) and (match := _QUANTITY.match(value)):
        multiplier = pod_to_ecs().quantity_suffixes.get(match.group(2))
        if multiplier is not None and float(match.group(1)) > 0:
            return float(match.group(1)) * multiplier
    return None


def _larger(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
