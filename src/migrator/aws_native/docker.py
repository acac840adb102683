"""DockerOperator -> EcsRunTaskOperator: what one call maps to, or why it does not.

The facts (argument mapping, naming conventions, Fargate sizes) are ``compat.aws_native``'s;
this module reads a call with them. A call is rewritten only when every argument has a place
on ECS: a bind mount, a per-run working directory or a privileged container keep the finding,
with the reason and the way out.
"""

from __future__ import annotations

import ast
import math
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from migrator.analysis.strings import name_value
from migrator.compat.aws_native import docker_to_ecs, fargate_size
from migrator.compat.resolver import resolve
from migrator.compat.signatures import operator_signature

# Jinja blocks stay one word when a command string is split (``{{ ds }}`` has spaces).
_JINJA_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
# ``2g``, ``512m``, ``1024k``, ``300mb``: Docker's memory strings (docker-py ``parse_bytes``).
_MEMORY = re.compile(r"(?i)^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)b?\s*$")
_MEMORY_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
# A task definition family: letters, digits, hyphens and underscores, up to 255.
_FAMILY_CHARACTER = re.compile(r"[^A-Za-z0-9_-]+")
_FAMILY_MAX = 255


@dataclass(frozen=True)
class ContainerTask:
    """A DockerOperator or pod-operator call that maps onto an ECS Fargate task."""

    path: str
    line: int
    task_id: str | None
    image: str
    family: str                          # task definition family and container name
    command: tuple[str, ...] | None      # a command string split into its arguments; None: lists as written
    environment_keys: tuple[str, ...]    # the names the call sets (literal keys only)
    private_environment: bool            # values Docker kept out of the UI: they show in the overrides
    cpu: int | None                      # requested CPU units (cores x 1024)
    memory: int | None                   # requested MiB
    size: tuple[int, int] | None         # the Fargate task size (CPU units, MiB) that fits the request
    dropped: tuple[str, ...]             # Docker- or Kubernetes-only arguments left out, each with its reason in compat


@dataclass(frozen=True)
class NotRewritable:
    """Why a DockerOperator or pod-operator call stays as it is."""

    argument: str | None
    reason: str


@dataclass(frozen=True)
class TaskDefinition:
    """One ECS task definition: every container task of one image."""

    family: str
    image: str
    cpu: int | None                      # a Fargate size that fits every task (None: none asks for one)
    memory: int | None
    dag_files: tuple[str, ...]


def is_rewritable_docker_operator(qualname: str, target) -> bool:
    """Whether ``qualname`` (any Airflow spelling) is a class the rewrite replaces."""
    return bool(({qualname} | _resolved(qualname, target)) & docker_to_ecs().operators)


def docker_task(module, call: ast.Call, target) -> ContainerTask | NotRewritable:
    """What the DockerOperator ``call`` of ``module`` becomes on ECS, or why it stays."""
    facts = docker_to_ecs()
    if call.args or any(k.arg is None for k in call.keywords):
        return NotRewritable(None, "the call passes positional arguments or **kwargs, which hide what it sets")
    arguments = {k.arg: k.value for k in call.keywords}
    accepted = _ecs_arguments(target)
    for name in arguments:
        if name in facts.blocking:
            return NotRewritable(name, f"{name}: {facts.blocking[name]}")
        if name not in facts.mapped and name not in facts.dropped and accepted is not None and name not in accepted:
            return NotRewritable(name, f"{name}: EcsRunTaskOperator on Airflow {target.airflow} does not take it")
    image = _string(module, arguments.get("image"))
    if image is None or jinja_blocks(image):
        return NotRewritable("image", "the image is not a literal string (templated or computed), so no task "
                                      "definition can be named for it")
    command: tuple[str, ...] | None = None
    if "command" in arguments:
        value = arguments["command"]
        text = _string(module, value)
        if text is not None:
            command = split_command(text)
            if command is None:
                return NotRewritable("command", "the command string does not split into arguments (unbalanced quotes)")
        elif not isinstance(name_value(module, value) if isinstance(value, ast.Name) else value, (ast.List, ast.Tuple)):
            return NotRewritable("command", "the command is computed: ECS takes the argument list, so write it as a "
                                            "list or a string literal")
    cpu = memory = None
    if "cpus" in arguments:
        cpus = _number(module, arguments["cpus"])
        if cpus is None:
            return NotRewritable("cpus", "cpus is not a number literal")
        cpu = math.ceil(cpus * facts.cpu_units_per_cpu)
    if "mem_limit" in arguments:
        memory = _memory_mib(_literal(module, arguments["mem_limit"]))
        if memory is None:
            return NotRewritable("mem_limit", "mem_limit is not a literal size (bytes, or a string such as '2g')")
    size = fargate_size(cpu, memory) if cpu is not None or memory is not None else None
    if (cpu is not None or memory is not None) and size is None:
        return NotRewritable("cpus" if cpu else "mem_limit", "the CPU or memory asked for is larger than any "
                                                             "Fargate task size")
    keys = tuple(key for name in ("environment", "private_environment") if name in arguments
                 for key in _literal_keys(arguments[name]))
    task_id = arguments.get("task_id")
    return ContainerTask(module.path, call.lineno,
                         task_id.value if isinstance(task_id, ast.Constant) and isinstance(task_id.value, str) else None,
                         image, task_definition_family(image), command, keys, "private_environment" in arguments,
                         cpu, memory, size,
                         tuple(sorted(name for name in arguments if name in facts.dropped)))


def jinja_blocks(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the Jinja blocks in ``text``, in one pass (a lazy regex would go
    quadratic on a long run of openers that never close)."""
    spans: list[tuple[int, int]] = []
    upcoming = {opener: text.find(opener) for opener in _JINJA_CLOSERS}
    position = 0
    while upcoming:
        for opener, at in list(upcoming.items()):
            if at < position:
                upcoming[opener] = at = text.find(opener, position)
            if at < 0:
                del upcoming[opener]
        if not upcoming:
            break
        opener, start = min(upcoming.items(), key=lambda item: item[1])
        end = text.find(_JINJA_CLOSERS[opener], start + 2)
        if end < 0:  # this kind never closes again; the others may
            del upcoming[opener]
            continue
        spans.append((start, end + 2))
        position = end + 2
    return spans


def split_command(text: str) -> tuple[str, ...] | None:
    """A Docker command string as the argument list Docker makes of it (``shlex.split``),
    with each Jinja block kept whole; None when the quotes do not balance."""
    blocks: list[str] = []
    held, last = [], 0
    for start, end in jinja_blocks(text):
        blocks.append(text[start:end])
        held += [text[last:start], f"\0{len(blocks) - 1}\0"]
        last = end
    held.append(text[last:])
    try:
        words = shlex.split("".join(held))
    except ValueError:
        return None
    return tuple(re.sub(r"\0(\d+)\0", lambda m: blocks[int(m.group(1))], word) for word in words)


def task_definition_family(image: str) -> str:
    """The task definition (and container) name for an image: its repository path without the
    registry host, and the tag unless it is ``latest``
    (``ghcr.io/acme/etl/load:2.1`` -> ``acme-etl-load-2_1``)."""
    location = image_location(image)
    tag, _, digest = location.reference.partition("@")
    tag = tag.removeprefix(":")
    words = [location.repository.replace("/", "-")]
    if tag and tag != "latest":
        words.append(tag.replace(".", "_"))
    if digest:
        words.append(digest.partition(":")[2][:12])
    return _FAMILY_CHARACTER.sub("-", "-".join(words)).strip("-")[:_FAMILY_MAX]


@dataclass(frozen=True)
class ImageLocation:
    """Where an image reference points: ``registry`` (None: Docker Hub), ``repository`` (its
    path in the registry) and ``reference`` (``:tag`` or ``@digest``, or empty)."""

    registry: str | None
    repository: str
    reference: str

    @property
    def public(self) -> bool:
        """Pulled from a public registry over the internet (no ECR repository to create)."""
        return self.registry is None or self.registry in docker_to_ecs().public_registries

    @property
    def ecr(self) -> re.Match[str] | None:
        """The account and region of an image already in ECR."""
        return docker_to_ecs().ecr_registry.match(self.registry) if self.registry else None


def image_location(image: str) -> ImageLocation:
    """``registry.acme.local:5000/etl/load:2.1`` -> (``registry.acme.local:5000``, ``etl/load``, ``:2.1``);
    the registry host is the first part when it has a dot or a port or is ``localhost`` (Docker's rule)."""
    name, at, digest = image.partition("@")
    parts = name.split("/")
    registry = None
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry, parts = parts[0], parts[1:]
    repository, reference = "/".join(parts), at + digest
    if ":" in parts[-1]:
        repository, _, tag = repository.rpartition(":")
        reference = f":{tag}{reference}"
    return ImageLocation(registry, repository, reference)


def ecs_task_definitions_named(modules: Iterable, target) -> set[str]:
    """The task definitions the rewritten tasks of ``modules`` run: the literal ``task_definition``
    of each EcsRunTaskOperator call on the rewrite's cluster."""
    facts = docker_to_ecs()
    named = set()
    for module in modules:
        for task in module.tasks:
            if not (isinstance(task.node, ast.Call) and task.operator
                    and facts.replacement in {task.operator, *_resolved(task.operator, target)}):
                continue
            arguments = {k.arg: _string(module, k.value) for k in task.node.keywords if k.arg}
            if arguments.get("cluster") == facts.cluster and arguments.get("task_definition"):
                named.add(arguments["task_definition"])
    return named


def _resolved(qualname: str, target) -> set[str]:
    resolution = resolve(qualname, target)
    return {resolution.new, *resolution.hops} - {None}


def task_definitions(tasks: Iterable[ContainerTask]) -> list[TaskDefinition]:
    """One task definition per image, sorted by family, with the smallest Fargate size that fits
    every one of its tasks (each run can ask for its own size in its overrides)."""
    by_family: dict[str, list[ContainerTask]] = {}
    for task in tasks:
        by_family.setdefault(task.family, []).append(task)
    definitions = []
    for family, group in sorted(by_family.items()):
        sizes = [t.size for t in group if t.size]
        size = fargate_size(max(s[0] for s in sizes), max(s[1] for s in sizes)) if sizes else None
        definitions.append(TaskDefinition(family, group[0].image, *(size or (None, None)),
                                          tuple(sorted({t.path for t in group}))))
    return definitions


def _ecs_arguments(target) -> frozenset[str] | None:
    """The keyword arguments EcsRunTaskOperator takes on the target (its own and BaseOperator's);
    None when the knowledge base cannot tell."""
    signature = operator_signature(docker_to_ecs().replacement, target)
    return signature.accepted if signature is not None else None


def _literal(module, node: ast.AST | None) -> object:
    """A constant, directly or through a name assigned once."""
    if isinstance(node, ast.Name):
        node = name_value(module, node)
    return node.value if isinstance(node, ast.Constant) else None


def _string(module, node: ast.AST | None) -> str | None:
    value = _literal(module, node)
    return value if isinstance(value, str) else None


def _number(module, node: ast.AST | None) -> float | None:
    value = _literal(module, node)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def _memory_mib(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        size = value
    elif isinstance(value, str) and (match := _MEMORY.match(value)):
        size = float(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()]
    else:
        return None
    return max(1, math.ceil(size / 1024 ** 2))


def _literal_keys(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return []
