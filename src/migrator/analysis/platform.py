"""What the rules judge MWAA paths by that is no fact of MWAA (the facts are in ``migrator.compat``:
``worker_paths``, ``worker_environment``, ``other_platform_folders``): where on-prem machines keep
files, what names a container's image, how messages name a worker's folders; and two index
pre-passes over the project's text (``quick_remote_compute_wrappers``,
``quick_container_only_constants``): what another module's definition makes of a call or a
constant, which a per-module rule cannot see.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial

from migrator import compat
from migrator.analysis.classes import module_classes, quick_subclasses
from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.analysis.reachability import TextFacts, text_facts
from migrator.cache import FileFacts
from migrator.observed import for_facts, holds_any, record_answer

_WORKER = compat.worker_paths()
# A process's pid file (FHS 3.0 /run: "<program>.pid"): a cron-era overlap guard, not data.
PID_FILE_SUFFIX = ".pid"
# What a task writes instead of a root-owned file: Airflow captures stdout into the task log.
ROOT_OWNED_ADVICE = (f"the folder exists on MWAA workers but only root can write in it and tasks run as "
                     f"the airflow user: write to {_WORKER.scratch} or to stdout, which Airflow keeps "
                     "in the task log")
# How messages name what a worker has for the project.
WORKER_FOLDERS = (f"the DAG and plugin folders under {_WORKER.airflow_home} (from S3) and an ephemeral "
                  f"{_WORKER.scratch}")
# Top-level folders where on-prem machines keep data, scripts and keys: an absolute path under
# one of these is a local file reference wherever it appears in code.
LOCAL_ROOTS = ("/data", "/home", "/opt", "/mnt", "/srv", "/nfs", "/export", "/share", "/shared",
               "/apps", "/app", "/var", "/etc", "/usr", "/root", "/scratch", "/local", "/u01", "/u02",
               "/media", "/net", "/Users")
# Where other platforms (docker-compose, Cloud Composer) mount the project, with MWAA's folder.
OTHER_PLATFORM_FOLDERS = compat.other_platform_folders()

# Keywords that name the image a call runs: the call describes a container (a DockerOperator
# subclass, a helper that builds `docker run` or an EMR step in an image), so the paths and
# environment it is given are the container's.
IMAGE_KEYWORDS = frozenset({"image", "image_name", "docker_image", "docker_image_name"})


# -- the project's own wrappers around remote compute -----------------------------------------------

def quick_platform_subclasses(workspace, texts: Mapping[str, bytes], file_facts: FileFacts) -> tuple[tuple[str, str], ...]:
    """(project class, Airflow class it derives from), sorted, for the project's subclasses of
    the classes an MWAA platform limit names (a helper's ``FailureTrackingDockerOperator``
    needs a Docker daemon as ``DockerOperator`` does), in any module of the project."""
    roots = frozenset(name for limit in compat.platform_limits() for name in limit.names)
    return tuple(sorted(quick_subclasses(workspace, texts, file_facts, roots).items()))


def quick_remote_compute_wrappers(workspace, texts: Mapping[str, bytes], file_facts: FileFacts) -> frozenset[str]:
    """The index pre-pass: dotted names of the project's classes and functions that hand their
    work to another service's machines, so the paths and hosts their callers give them are that
    side's (compat ``worker_paths``: ``remote_compute_modules``, ``remote_request_keys``).

    A module-level class is such a wrapper when a base is one (an operator of those modules, or
    a wrapper of the project's, followed across modules through ``module_classes``), or when
    its body builds the request itself: a dict with one of those keys (an EMR step). A class
    that only constructs such tasks among others (a DAG builder) is not: its arguments may be
    the worker's. A module-level function is one when it returns a construction of a wrapper,
    directly or through the name it assigned it to; a module re-exporting a wrapper
    (``from pkg.tasks import JobTask`` in ``pkg/v2.py``) makes its name one too. Only modules
    whose text names a remote module, a request key or a wrapper found so far are parsed, and
    what each defines is kept in ``file_facts`` by content. ``texts``: the project's Python files
    (``project_python_bytes``)."""
    paths = compat.worker_paths()
    remote = tuple(module + "." for module in paths.remote_compute_modules)
    # The text that makes a module worth parsing in the first round: "operators.emr", "HadoopJarStep".
    first_words = [".".join(module.split(".")[-2:]).encode() for module in paths.remote_compute_modules]
    first_words += [key.encode() for key in paths.remote_request_keys]
    # Helper packages outside the DAG folders (a src/ package the DAGs import) define wrappers too.
    parsed: dict[str, list[_Definition]] = {}
    wrappers: set[str] = set()
    words = tuple(first_words)
    files = for_facts(texts)
    while words:
        asked = [(rel, text, partial(_definitions, rel, module_name=name), (name,))
                 for rel, text in files.items() if rel not in parsed and holds_any(texts, rel, words)
                 for name in [workspace.module_name(rel)]]
        parsed.update(file_facts.of_each("remote_definitions", asked))
        found = {d.qualname for ds in parsed.values() for d in ds if d.qualname not in wrappers
                 and d.hands_off(remote, wrappers)}
        wrappers |= found
        words = tuple(sorted({name.rsplit(".", 1)[-1].encode() for name in found}))
    return frozenset(wrappers)


@dataclass(frozen=True)
class _Definition:
    """What a module-level class, function or imported name of the project stands for, for the
    wrapper fixpoint."""

    qualname: str
    bases: tuple[str, ...]  # a class's bases; what an imported name imports
    request_keys: frozenset[str]  # the remote request keys of the dicts a class body builds
    returns: frozenset[str] | None  # for a function: what the calls it returns call

    def hands_off(self, remote: tuple[str, ...], wrappers: set[str]) -> bool:
        def remote_name(name: str) -> bool:
            return name.startswith(remote) or name in wrappers

        if self.returns is not None:
            return any(remote_name(name) for name in self.returns)
        return bool(self.request_keys) or any(remote_name(name) for name in self.bases)


def _definitions(rel: str, data: bytes, module_name: str) -> list[_Definition]:
    module = ModuleFacts.from_bytes(rel, data, module_name)
    if module.tree is None:
        return []
    request_keys = set(compat.worker_paths().remote_request_keys)
    prefix = f"{module.module_name}." if module.module_name else ""
    own = {node.name for node in module.tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}

    def name_of(node: ast.AST) -> str:
        if isinstance(node, ast.Name) and node.id in own:
            return prefix + node.id
        return module.qualname(node) or ""

    bases = {facts.qualname: facts.bases for facts in module_classes(module)}
    # A name imported at module level stands for what it imports (a re-export).
    found = [_Definition(prefix + (alias.asname or alias.name),
                         (f"{node.module}.{alias.name}",), frozenset(), None)
             for node in module.tree.body if isinstance(node, ast.ImportFrom) and node.module and not node.level
             for alias in node.names if alias.name != "*"]
    # What each module-level class's dicts key and each function's body assigns and returns,
    # found in the module's node index (anywhere below the definition, as ``ast.walk`` would).
    keys: dict[ast.AST, set[str]] = {}
    for node in module.nodes_of(ast.Dict):
        named = {key.value for key in node.keys if isinstance(key, ast.Constant) and key.value in request_keys}
        if named:
            keys.setdefault(module.top_level(node), set()).update(named)
    assigned: dict[ast.AST, dict[str, ast.Call]] = {}
    for node in module.nodes_of(ast.Assign):
        if isinstance(node.value, ast.Call):
            assigned.setdefault(module.top_level(node), {}).update(
                (t.id, node.value) for t in node.targets if isinstance(t, ast.Name))
    returned: dict[ast.AST, list[ast.Call]] = {}
    for node in module.nodes_of(ast.Return):
        if node.value is not None:
            top = module.top_level(node)
            value = node.value
            if isinstance(value, ast.Name) and value.id in assigned.get(top, {}):
                value = assigned[top][value.id]
            if isinstance(value, ast.Call):
                returned.setdefault(top, []).append(value)
    for node in module.tree.body:
        if isinstance(node, ast.ClassDef):
            found.append(_Definition(prefix + node.name, bases.get(prefix + node.name, ()),
                                     frozenset(keys.get(node, ())), None))
        elif isinstance(node, ast.FunctionDef):
            # The calls it returns: ``return Cls(...)``, or ``task = Cls(...) ... return task``.
            found.append(_Definition(prefix + node.name, (), frozenset(),
                                     frozenset(name_of(c.func) for c in returned.get(node, ()))))
    return found


# -- module constants only containers use -----------------------------------------------------------

def quick_container_only_constants(workspace, texts: Mapping[str, bytes], file_facts: FileFacts,
                                   mentions: dict[str, TextFacts]) -> frozenset[str]:
    """The index pre-pass: dotted names of the project's module-level path constants
    (``NAME = "/..."``) that every use puts inside a container or pod (an init container's
    ``cp`` destination, a mount path, a pod's environment), in whatever module defines them:
    their paths are the container's, not the worker's.

    A use is inside when a call describing a container encloses it: a model of compat's
    ``container_spec_modules`` (``V1Container``), a Docker or Kubernetes operator, or a call given
    the image it runs. A use in the value of another module constant (``CFG = MOUNT + "/x"``)
    is as inside as every use of that constant. A constant with any other use (or none) is not
    one. A mount point (read as a container's mount path: ``V1VolumeMount(mount_path=)``, a pod
    ``VolumeMount``, a Docker ``Mount`` target) that no code reads elsewhere names a folder inside
    the container, and so do the paths into it: the constants derived from it and the path
    constants of its module at or under its value, whatever reads them (a pod's ``PYTHONPATH``
    in an environment dict). Only modules whose text names such a constant are parsed (what each
    module's uses are is kept in ``file_facts`` by content and the constants asked about).
    ``mentions``: each file's words (``reachability.project_text_facts``)."""
    short_names: set[str] = set().union(*file_facts.of_files("path_constant_names", texts, _path_constant_names).values())
    inside: set[str] = set()
    outside: set[str] = set()
    mounted: set[str] = set()
    derived: dict[str, set[str]] = {}  # constant -> the constants whose values use it
    asked_about: set[str] = set()
    while short_names - asked_about:  # derived constants are asked about in turn (a chain is short)
        wanted = tuple(sorted(name.encode() for name in short_names - asked_about))
        asked_about |= short_names
        naming = partial(_named_of, wanted)
        asked = []
        for rel, facts in mentions.items():
            named = _named(wanted, facts)
            record_answer(rel, naming, named)  # all this pass takes of the file's words
            if named:
                module_name = workspace.module_name(rel)
                asked.append((rel, for_facts(texts)[rel], partial(_constant_uses, rel, module_name=module_name, named=set(named)),
                              (module_name, *named)))
        for uses in file_facts.of_each("constant_uses", asked).values():
            inside |= uses[0]
            outside |= uses[1]
            for used, value_of in uses[2]:
                derived.setdefault(used, set()).add(value_of)
                short_names.add(value_of.rpartition(".")[2])
            mounted |= uses[3]
    container_only = {name for name in inside | set(derived) if _container_only(name, inside, outside, derived)}
    return frozenset(container_only | _into_mounts(workspace, texts, mounted - outside, derived))


def _named(wanted: tuple[bytes, ...], facts: TextFacts) -> list[str]:
    """Which of ``wanted`` the file's words hold."""
    return sorted(word.decode() for word in wanted if word in facts.mentions)


def _named_of(wanted: tuple[bytes, ...], data: bytes) -> list[str]:
    return _named(wanted, text_facts(data))


def _path_constant_names(data: bytes) -> frozenset[str]:
    return frozenset(match.group(1).decode() for match in _PATH_CONSTANT_LINE.finditer(data))


def _into_mounts(workspace, texts: Mapping[str, bytes], mounted: set[str], derived: dict[str, set[str]]) -> set[str]:
    """The mount-point constants, the constants derived from them, and the path constants of a
    mount point's module whose literal value is that mount point or a path under it."""
    found = set(mounted)
    pending = list(mounted)
    while pending:
        new = derived.get(pending.pop(), set()) - found
        found |= new
        pending.extend(new)
    shorts_by_module: dict[str, set[str]] = {}
    for name in mounted:
        module_name, _, short = name.rpartition(".")
        shorts_by_module.setdefault(module_name, set()).add(short)
    for rel in texts:
        module_name = workspace.module_name(rel) or ""
        shorts = shorts_by_module.get(module_name)
        if not shorts:
            continue
        data = texts[rel]  # read whole
        values = {m.group(1).decode(): m.group(3).decode() for m in _PATH_CONSTANT_LITERAL.finditer(data)}
        mounts = [values[short].rstrip("/") for short in shorts if values.get(short, "").rstrip("/")]
        prefix = f"{module_name}." if module_name else ""
        found.update(prefix + name for name, value in values.items()
                     if any(value == mount or value.startswith(mount + "/") for mount in mounts))
    return found


def _container_only(name: str, inside: set[str], outside: set[str], derived: dict[str, set[str]],
                    seen: frozenset[str] = frozenset()) -> bool:
    """Whether every use of ``name`` is inside a container, directly or through the constants
    derived from it (a cycle counts as no use)."""
    if name in outside or name in seen:
        return False
    through = derived.get(name, set())
    return (name in inside or bool(through)) and all(
        _container_only(other, inside, outside, derived, seen | {name}) for other in through)


# A module-level assignment of a string literal that starts an absolute path.
_PATH_CONSTANT_LINE = re.compile(rb"""(?m)^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=\s*[rRuU]?["']/""")
# The same when the whole value is one plain literal: (name, quote, path).
_PATH_CONSTANT_LITERAL = re.compile(rb"""(?m)^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*[rRuU]?(["'])(/[^"'\\\n]*)\2[ \t]*(?:#.*)?$""")


def _constant_uses(rel: str, data: bytes, module_name: str, named: set[str]
                   ) -> tuple[frozenset[str], frozenset[str], frozenset[tuple[str, str]], frozenset[str]]:
    """The dotted names of the constants ``named`` (short names) the module reads within a call
    describing a container, those it reads elsewhere, (constant, module constant whose value
    reads it) pairs, and those it reads as a container's mount path."""
    inside: set[str] = set()
    outside: set[str] = set()
    derived: set[tuple[str, str]] = set()
    mounted: set[str] = set()
    module = ModuleFacts.from_bytes(rel, data, module_name)
    if module.tree is None:
        return frozenset(), frozenset(), frozenset(), frozenset()
    prefix = f"{module.module_name}." if module.module_name else ""
    container_calls = [(call, qualname) for call, qualname in module.calls if _describes_container(call, qualname)]
    in_container = {id(node) for call, _ in container_calls for node in walk(call) if isinstance(node, ast.Name)}
    mount_paths = {id(value) for call, qualname in container_calls for value in container_mount_paths(call, qualname)}
    in_constant = {id(node): prefix + statement.targets[0].id for statement in module.tree.body
                   if isinstance(statement, ast.Assign) and len(statement.targets) == 1
                   and isinstance(statement.targets[0], ast.Name)
                   for node in _path_parts(statement.value)}
    for node in module.nodes_of(ast.Name):
        if node.id in named and isinstance(node.ctx, ast.Load):
            name = prefix + node.id if node.id in module.constants else module.qualname(node)
            if not name:
                continue
            if id(node) in mount_paths:
                mounted.add(name)
            if id(node) in in_container:
                inside.add(name)
            elif id(node) in in_constant:
                derived.add((name, in_constant[id(node)]))
            else:
                outside.add(name)
    return frozenset(inside), frozenset(outside), frozenset(derived), frozenset(mounted)


# Calls that build a path from their arguments (``os.path.join(MOUNT, "x")``, ``Path(MOUNT)``).
_PATH_BUILDERS = frozenset({"join", "Path", "PurePosixPath", "PosixPath", "format"})


def _path_parts(value: ast.expr) -> Iterator[ast.Name]:
    """The names a constant's value builds its path from (``MOUNT + "/x"``, ``f"{MOUNT}/x"``,
    ``os.path.join(MOUNT, "x")``), not those it hands to another call (``os.listdir(MOUNT)``
    reads the folder)."""
    if isinstance(value, ast.Name):
        yield value
    elif isinstance(value, ast.Call):
        function = value.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if name in _PATH_BUILDERS:
            for argument in value.args:
                yield from _path_parts(argument)
    else:
        for child in ast.iter_child_nodes(value):
            if isinstance(child, ast.expr):
                yield from _path_parts(child)


# Arguments that name a path inside a container or pod, not on the worker that starts it, by the
# class's short name: (keyword, position): docker.types.Mount(target, source, ...), Kubernetes'
# V1VolumeMount(mount_path=...) and Airflow 1.10/2.x's VolumeMount(name, mount_path, ...); and
# the keys of a manifest dict that do the same.
CONTAINER_MOUNT_ARGUMENTS = {"Mount": ("target", 0), "V1VolumeMount": ("mount_path", None),
                             "VolumeMount": ("mount_path", 1)}
CONTAINER_MOUNT_KEYS = frozenset({"mountPath", "mount_path"})


def container_mount_paths(call: ast.Call, qualname: str) -> list[ast.expr]:
    """The arguments of a container model's call that are a mount path inside the container."""
    keyword, position = CONTAINER_MOUNT_ARGUMENTS.get(qualname.rpartition(".")[2], (None, None))
    found = [k.value for k in call.keywords if keyword and k.arg == keyword]
    if position is not None and len(call.args) > position:
        found.append(call.args[position])
    return found


def _describes_container(call: ast.Call, qualname: str | None) -> bool:
    if any(k.arg in IMAGE_KEYWORDS for k in call.keywords):
        return True
    if not qualname:
        return False
    if qualname.startswith(tuple(module + "." for module in compat.worker_paths().container_spec_modules)):
        return True
    limit = compat.platform_limit_for(qualname) if qualname.startswith("airflow.") else None
    return limit is not None and limit.id in ("docker", "kubernetes")
