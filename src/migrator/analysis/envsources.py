"""Environment sources: ``.env`` files, docker-compose, Dockerfiles, entrypoint and startup scripts.

On-prem Airflow keeps much of its setup outside Python: ``AIRFLOW__SECTION__KEY`` options,
``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` definitions, ``pip install`` lines, OS packages and the
``airflow connections add`` calls of an entrypoint. This module reads all of them into one
``EnvFacts`` with the file and line of every item, so findings can point at them.

Compose files are read node by node (``yamlparse.compose``: the parse discovery made) so anchors,
aliases and ``<<`` merges resolve while line numbers survive; ``env_file:`` references are
followed inside the project.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from migrator.analysis import yamlparse
from migrator.analysis.crashes import AnalysisCrash, contained
from migrator.analysis.source import Problem, read_text
from migrator.workspace import Workspace, is_v1_compose_service

PIP_ADDITIONAL = "_PIP_ADDITIONAL_REQUIREMENTS"
_ASSIGNMENT = re.compile(r"^(?:export\s+|declare\s+-x\s+|set\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
# " # comment" after a value; (?<!\s) tries a run of spaces once, not from each of its spaces.
_INLINE_COMMENT = re.compile(r"(?<!\s)\s+#")
_DEFAULT_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$", re.DOTALL)
_COMMAND_SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
_PACKAGE_MANAGERS = {
    "apt-get": "apt", "apt": "apt", "yum": "yum", "dnf": "dnf", "microdnf": "dnf", "apk": "apk",
}
_PACKAGE_INSTALL_VERBS = frozenset({"install", "add"})


@dataclass(frozen=True)
class EnvVar:
    """One variable assignment. ``value`` is None when the name is only passed through."""

    name: str
    value: str | None
    path: str
    line: int
    origin: str  # env-file | compose | dockerfile | script | startup
    service: str | None = None

    @property
    def is_reference(self) -> bool:
        """The value only refers to another variable (``${X}``), so it holds no literal."""
        return self.value is not None and bool(re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", self.value.strip()))


@dataclass(frozen=True)
class ShellCommand:
    """One simple command (``a b c``) of a shell line, with its file and line."""

    argv: tuple[str, ...]
    path: str
    line: int
    origin: str  # dockerfile | script | startup | compose


@dataclass(frozen=True)
class PipInstall:
    args: tuple[str, ...]  # what follows ``pip install``
    path: str
    line: int
    origin: str
    venv: str | None = None  # the virtual environment it installs into (None: the image's Python)


@dataclass(frozen=True)
class OsPackage:
    name: str
    manager: str  # apt | yum | dnf | apk | list
    path: str
    line: int


@dataclass(frozen=True)
class BaseImage:
    image: str
    path: str
    line: int

    @property
    def airflow_version(self) -> str | None:
        """``apache/airflow:2.7.3-python3.10`` -> ``2.7.3``."""
        match = re.match(r"^(?:[\w.\-/:]*/)?(?:apache/)?airflow:(?:v)?(\d+\.\d+(?:\.\d+)?)", self.image)
        return match.group(1) if match else None


@dataclass
class EnvFacts:
    variables: list[EnvVar] = field(default_factory=list)
    commands: list[ShellCommand] = field(default_factory=list)
    pip_installs: list[PipInstall] = field(default_factory=list)
    # compose ``_PIP_ADDITIONAL_REQUIREMENTS``: (requirement text, path, line)
    pip_additional: list[tuple[str, str, int]] = field(default_factory=list)
    os_packages: list[OsPackage] = field(default_factory=list)
    base_images: list[BaseImage] = field(default_factory=list)
    # compose file -> the names of its services (the host names its containers reach each other by)
    compose_services: dict[str, set[str]] = field(default_factory=dict)
    # (compose file, service) -> the image it runs
    compose_images: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    crashes: list[AnalysisCrash] = field(default_factory=list)

    def named(self, prefix: str) -> list[EnvVar]:
        return [v for v in self.variables if v.name.startswith(prefix)]


# -- small parsers -----------------------------------------------------------------------------


def unquote_value(raw: str) -> str:
    """The value of ``KEY=raw`` as a shell or dotenv reader sees it (quotes and comments)."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        return inner.replace('\\"', '"') if raw[0] == '"' else inner
    if raw[:1] and raw[0] in "\"'":
        end = raw.find(raw[0], 1)
        if end > 0:
            return raw[1:end]
    return _INLINE_COMMENT.split(raw, maxsplit=1)[0].strip()


def compose_default(value: str) -> str:
    """``${X:-default}`` -> ``default``; anything else unchanged."""
    match = _DEFAULT_REF.match(value.strip())
    return match.group(1) if match else value


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line, text) of every line, joining backslash continuations."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if raw.rstrip().endswith("\\") and not raw.lstrip().startswith("#"):
            buffer.append(raw.rstrip()[:-1])
            continue
        buffer.append(raw)
        yield start, " ".join(part.strip() for part in buffer)
        buffer = []
    if buffer:
        yield start, " ".join(part.strip() for part in buffer)


def split_commands(text: str) -> list[list[str]]:
    """Split a shell line into simple commands (``a && b; c | d``); unparsable text gives []."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        return []
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _COMMAND_SEPARATORS or set(token) <= set(";&|"):
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def _strip_command_prefix(argv: list[str]) -> list[str]:
    """Drop ``sudo``, ``env A=B``, ``A=B`` prefixes and ``python -m`` before the real command."""
    args = list(argv)
    while args:
        head = args[0]
        if head in ("sudo", "exec", "command", "time", "nohup") or head == "env" or _ASSIGNMENT.match(head):
            args = args[1:]
        else:
            break
    if len(args) >= 3 and re.fullmatch(r"python[\d.]*", PurePosixPath(args[0]).name) and args[1] == "-m":
        args = args[2:]
    return args


def pip_install_args(argv: list[str]) -> list[str] | None:
    """The arguments of ``pip install`` in a command, or None when it is not one."""
    args = _strip_command_prefix(argv)
    if not args or not re.fullmatch(r"pip[\d.]*|uv", PurePosixPath(args[0]).name):
        return None
    rest = args[1:]
    if rest[:1] == ["pip"]:  # ``uv pip install``
        rest = rest[1:]
    while rest and rest[0].startswith("-") and rest[0] != "install":
        rest = rest[1:]  # global options such as --no-cache-dir before the verb
    if not rest or rest[0] != "install":
        return None
    return rest[1:]


# Options of an install command whose value is the next argument, not a package.
_OPTIONS_WITH_VALUE = {"apk": frozenset({"--virtual", "-t", "--repository", "-X"}),
                       "apt": frozenset({"-o", "-t", "--target-release"})}


def os_install_packages(argv: list[str]) -> tuple[str, list[str]] | None:
    """(manager, package names) of ``apt-get install``/``yum install``/``apk add`` commands."""
    args = _strip_command_prefix(argv)
    if not args:
        return None
    manager = _PACKAGE_MANAGERS.get(PurePosixPath(args[0]).name)
    if manager is None:
        return None
    verbs = [a for a in args[1:] if not a.startswith("-")]
    if not verbs or verbs[0] not in _PACKAGE_INSTALL_VERBS:
        return None
    position = args.index(verbs[0])
    names, rest = [], iter(args[position + 1:])
    for arg in rest:
        if arg in _OPTIONS_WITH_VALUE.get(manager, ()):
            next(rest, None)  # ``apk add --virtual .build-deps gcc``: .build-deps names the group
        elif not arg.startswith("-") and not arg.startswith("$"):
            names.append(arg)
    return manager, names


def parse_env_file(text: str, path: str, origin: str = "env-file") -> list[EnvVar]:
    found = []
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ASSIGNMENT.match(stripped)
        if match:
            found.append(EnvVar(match.group(1), unquote_value(match.group(2)), path, number, origin))
    return found


# -- scripts and Dockerfiles -------------------------------------------------------------------


def _created_venv(argv: list[str]) -> str | None:
    """The folder of ``python -m venv X`` / ``virtualenv X`` / ``uv venv X``, else None."""
    args = [a for a in _strip_command_prefix(argv) if not a.startswith("-")]
    if args[:1] == ["venv"] and len(args) > 1:  # python -m venv X (the prefix strip drops python -m)
        return args[1].rstrip("/")
    if args[:1] == ["virtualenv"] or args[:2] == ["uv", "venv"]:
        folder = args[1 if args[0] == "virtualenv" else 2:][:1]
        return folder[0].rstrip("/") if folder else (".venv" if args[0] == "uv" else None)
    return None


def _record_commands(facts: EnvFacts, text: str, path: str, line: int, origin: str) -> None:
    venvs: set[str] = set()  # created earlier in the same shell line
    active_venv = None  # ``source X/bin/activate`` earlier in the same shell line
    for argv in split_commands(text):
        facts.commands.append(ShellCommand(tuple(argv), path, line, origin))
        if (created := _created_venv(argv)) is not None:
            venvs.add(created)
        if argv[0] in ("source", ".") and len(argv) > 1 and argv[1].endswith("/bin/activate"):
            active_venv = argv[1][:-len("/bin/activate")]
        elif argv[0] == "deactivate":
            active_venv = None
        pip = pip_install_args(argv)
        if pip is not None:
            folder = argv[0].rpartition("/bin/")[0]  # soda_venv/bin/pip, soda_venv/bin/python -m pip
            venv = folder if folder in venvs else active_venv
            facts.pip_installs.append(PipInstall(tuple(pip), path, line, origin, venv))
        packages = os_install_packages(argv)
        if packages:
            manager, names = packages
            facts.os_packages.extend(OsPackage(n, manager, path, line) for n in names)
        if argv[0] == "export" or (len(argv) == 1 and _ASSIGNMENT.match(argv[0])):
            for word in argv[1:] if argv[0] == "export" else argv:
                match = _ASSIGNMENT.match(word)
                if match:
                    facts.variables.append(EnvVar(match.group(1), match.group(2), path, line, origin))


def parse_script(facts: EnvFacts, text: str, path: str, origin: str = "script") -> None:
    """Read a shell script; ``origin`` is "script" (entrypoints) or "startup" (MWAA startup.sh)."""
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        _record_commands(facts, stripped, path, number, origin)


def _dockerfile_env(args: str) -> list[tuple[str, str]]:
    try:
        words = shlex.split(args, posix=True)
    except ValueError:
        return []
    if words and "=" not in words[0]:  # legacy ``ENV KEY value with spaces``
        return [(words[0], " ".join(words[1:]))]
    return [tuple(w.split("=", 1)) for w in words if "=" in w]  # type: ignore[misc]


# A base image that is Airflow: apache/airflow, puckel/docker-airflow, a team's own x/airflow, and
# Astronomer's runtime (https://www.astronomer.io/docs/astro/runtime-image-architecture).
_AIRFLOW_BASE_IMAGE = re.compile(r"airflow|astro-runtime", re.IGNORECASE)
# What only an Airflow image's build says: the airflow CLI, the apache-airflow distribution, an
# AIRFLOW_HOME / AIRFLOW__SECTION__KEY variable, the airflow user.
_AIRFLOW_WORD = re.compile(r"^(?:airflow|apache-airflow(?:\[.*\])?(?:[=<>!~].*)?|AIRFLOW_\w*)$")


def parse_dockerfile(facts: EnvFacts, text: str, path: str) -> None:
    """Read a Dockerfile. Its pip and OS package installs count only when it builds the Airflow
    image: another image of the repository (an ECS task, a Lambda, a web app) runs elsewhere,
    and what it installs is nothing MWAA's workers need."""
    image = EnvFacts()
    airflow = False
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        instruction, _, args = stripped.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            name = next((w for w in args.split() if not w.startswith("--")), "")
            if name:
                facts.base_images.append(BaseImage(name, path, number))
                airflow = airflow or bool(_AIRFLOW_BASE_IMAGE.search(name.rpartition(":")[0] or name))
        elif instruction in ("ENV", "ARG"):
            assigned = _dockerfile_env(args)
            airflow = airflow or any(_AIRFLOW_WORD.match(name) for name, _ in assigned)
            if instruction == "ENV":
                for name, value in assigned:
                    facts.variables.append(EnvVar(name, value, path, number, "dockerfile"))
        elif instruction == "USER":
            airflow = airflow or bool(_AIRFLOW_WORD.match(args.strip().partition(":")[0]))
        elif instruction == "RUN":
            body = args.strip()
            while body.startswith("--"):  # RUN --mount=... cmd
                body = body.split(None, 1)[1] if " " in body else ""
            if body.startswith("["):
                try:
                    argv = json.loads(body)
                    body = " ".join(shlex.quote(str(a)) for a in argv)
                except ValueError:
                    pass
            _record_commands(image, body, path, number, "dockerfile")
    airflow = airflow or any(_AIRFLOW_WORD.match(word) for command in image.commands for word in command.argv)
    facts.commands += image.commands
    facts.variables += image.variables
    if airflow:
        facts.pip_installs += image.pip_installs
        facts.os_packages += image.os_packages


# -- docker-compose ------------------------------------------------------------------------------


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


# -- the whole project ---------------------------------------------------------------------------


def analyse_env(workspace: Workspace) -> EnvFacts:
    """Read every env source the workspace found, once."""
    facts = EnvFacts()

    def each(paths: list[str], analysis: str, parse) -> None:
        for rel in paths:
            source = read_text(workspace.path(rel))
            if isinstance(source, Problem):
                facts.problems.append((rel, source))
            else:
                contained(facts.crashes, rel, analysis, parse, rel, source.text)

    each(workspace.env_files, "env file",
         lambda rel, text: facts.variables.extend(parse_env_file(text, rel)))
    each(workspace.compose_files, "compose file",
         lambda rel, text: parse_compose(facts, workspace, text, rel))
    each(workspace.dockerfiles, "Dockerfile", lambda rel, text: parse_dockerfile(facts, text, rel))
    each(workspace.entrypoints, "entrypoint script", lambda rel, text: parse_script(facts, text, rel))
    each(workspace.startup_scripts, "startup script",
         lambda rel, text: parse_script(facts, text, rel, "startup"))
    each(workspace.os_package_lists, "OS package list",
         lambda rel, text: facts.os_packages.extend(parse_os_packages(text, rel)))
    return facts


def parse_os_packages(text: str, path: str) -> list[OsPackage]:
    """One package per word of ``packages.txt``-style lists (``#`` starts a comment)."""
    return [OsPackage(name, "list", path, number)
            for number, line in enumerate(text.splitlines(), 1)
            for name in line.split("#", 1)[0].split()]
