"""docker-compose files read node by node (``yamlparse.compose``), so anchors, aliases and ``<<``
merges resolve while line numbers survive; ``env_file:`` references are followed inside the
project."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import yaml

from migrator.analysis import yamlparse
from migrator.analysis.crashes import contained
from migrator.analysis.envsources.model import PIP_ADDITIONAL, EnvFacts, EnvVar
from migrator.analysis.envsources.shell import _record_commands, compose_default, parse_env_file
from migrator.analysis.source import Problem, read_text
from migrator.workspace import Workspace, is_v1_compose_service


def _node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def mapping_items(node: yaml.Node, _seen: frozenset[int] = frozenset()) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    """Key/value node pairs of a mapping node with ``<<`` merges applied (explicit keys win)."""
    if not isinstance(node, yaml.MappingNode) or id(node) in _seen:
        return []
    seen = _seen | {id(node)}
    explicit: list[tuple[yaml.ScalarNode, yaml.Node]] = []
    merged: list[tuple[yaml.ScalarNode, yaml.Node]] = []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag == "tag:yaml.org,2002:merge":
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in sources:
                merged.extend(mapping_items(source, seen))
        elif isinstance(key, yaml.ScalarNode):
            explicit.append((key, value))
    names = {k.value for k, _ in explicit}
    result: dict[str, tuple[yaml.ScalarNode, yaml.Node]] = {}
    for key, value in merged:
        if key.value not in names:
            result.setdefault(key.value, (key, value))
    return [*result.values(), *explicit]


def mapping_get(node: yaml.Node, name: str) -> yaml.Node | None:
    for key, value in mapping_items(node):
        if key.value == name:
            return value
    return None


def _scalar(node: yaml.Node | None) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == "tag:yaml.org,2002:null" else str(node.value)
    return None


def _compose_environment(node: yaml.Node) -> Iterator[tuple[str, str | None, int]]:
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            text = _scalar(item)
            if text is None:
                continue
            name, eq, value = text.partition("=")
            yield name.strip(), (value if eq else None), _node_line(item)
    else:
        for key, value in mapping_items(node):
            yield str(key.value), _scalar(value), _node_line(key)


def _compose_command_text(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.SequenceNode):
        parts = [_scalar(item) or "" for item in node.value]
        if parts[:2] in (["bash", "-c"], ["sh", "-c"], ["/bin/bash", "-c"], ["/bin/sh", "-c"]):
            return " ".join(parts[2:])
        return " ".join(shlex.quote(p) for p in parts)
    return _scalar(node)


def _compose_services(root: yaml.Node | None) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    """(name, service) nodes of a compose document, in the current or the v1 format (see
    :func:`migrator.workspace.compose_services`)."""
    if root is None:
        return []
    services = mapping_get(root, "services")
    if services is not None or mapping_get(root, "version") is not None:
        return mapping_items(services) if services is not None else []
    return [(key, value) for key, value in mapping_items(root)
            if isinstance(value, yaml.MappingNode)
            and is_v1_compose_service(str(key.value), {k.value for k, _ in mapping_items(value)})]


def parse_compose(facts: EnvFacts, workspace: Workspace, text: str, path: str) -> None:
    try:
        root = yamlparse.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        facts.problems.append((path, Problem("syntax", f"invalid YAML: {getattr(exc, 'problem', exc)}",
                                             (mark.line + 1) if mark else 1)))
        return
    base = PurePosixPath(path).parent
    env_files: set[str] = set()
    seen: set[tuple[str, int]] = set()
    for service_key, service in _compose_services(root):
        service_name = str(service_key.value)
        facts.compose_services.setdefault(path, set()).add(service_name)
        image = _scalar(mapping_get(service, "image"))
        if image:
            facts.compose_images[(path, service_name)] = image
        environment = mapping_get(service, "environment")
        if environment is not None:
            for name, value, line in _compose_environment(environment):
                if (name, line) in seen:  # one anchored block shared by many services
                    continue
                seen.add((name, line))
                facts.variables.append(EnvVar(name, value, path, line, "compose", service_name))
                if name == PIP_ADDITIONAL and value:
                    facts.pip_additional.append((compose_default(value), path, line))
        env_file = mapping_get(service, "env_file")
        if env_file is not None:
            items = env_file.value if isinstance(env_file, yaml.SequenceNode) else [env_file]
            for item in items:
                name = _scalar(item) or _scalar(mapping_get(item, "path"))
                if name:
                    env_files.add((base / name).as_posix())
        command = mapping_get(service, "command")
        if command is not None:
            command_text = _compose_command_text(command)
            if command_text and (_node_line(command), path) not in {(c.line, c.path) for c in facts.commands}:
                _record_commands(facts, command_text, path, _node_line(command), "compose")
    for rel in sorted(env_files):
        normalized = PurePosixPath(*[p for p in PurePosixPath(rel).parts if p != "."]).as_posix()
        if normalized in workspace.env_files:
            continue  # read on its own already
        full = workspace.root / normalized
        if not _inside(workspace.root, full) or not full.is_file():
            continue
        source = read_text(full)
        if isinstance(source, Problem):
            facts.problems.append((normalized, source))
            continue
        facts.variables.extend(contained(facts.crashes, normalized, "env file", parse_env_file,
                                         source.text, normalized) or ())


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (OSError, ValueError):
        return False
    return True


