"""Read operator constructor signatures, and the deprecation code around them, out of wheels.

For every operator, sensor and mixin class of Airflow's core, the task SDK and each provider
wheel the MWAA targets pin: the keyword arguments its ``__init__`` takes, whether it hands
``**kwargs`` on to its bases (and which bases: so the arguments a class accepts are its own
plus its bases', down to ``BaseOperator``), and the values an argument is checked against
(``if auto_remove not in ("never", "success", "force"): raise ...``).

From the deprecation code of every wheel read (and of a few older provider releases, whose
shims record renames later majors dropped): arguments renamed (``Parameter `timeout` is
deprecated. Please use `conn_timeout` and `cmd_timeout` instead.``), arguments ignored before
they were removed (``kwargs.pop("provide_context")`` after a warning) and old values mapped to
new ones (``if trigger_rule == "dummy": warn(...); trigger_rule = TriggerRule.ALWAYS``).

``ast`` only, like ``wheel_reader``: nothing here imports what it reads. ``write`` is the one
entry point ``generate`` calls.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import moves_reader
from . import wheel_reader as wr

# Older provider releases read only for their deprecation shims: the releases before the
# major that removed the argument (apache-airflow-providers-ssh 3.0.0 removed
# SSHOperator(timeout=...), which 2.4.4 still mapped onto conn_timeout and cmd_timeout).
HISTORY_RELEASES = (("apache-airflow-providers-ssh", "2.4.4"),)

# Classes whose signatures are kept: what a DAG constructs, and what those classes build on.
_KEPT_SUFFIXES = ("Operator", "Sensor", "Mixin", "MixIn")
# Bases outside Airflow that add no constructor arguments.
TRANSPARENT_BASES = frozenset({"object", "abc.ABC", "typing.Generic"})
# BaseOperator validates trigger_rule against this enum (TriggerRule.is_valid): its values are
# read from the same wheels.
ENUMS = ("TriggerRule",)

SIGNATURES_FOLDER = "signatures"
# Written one class per line: small, and still diffable.
_BLOCKS = ("classes", "aliases")
DEPRECATIONS_FILE = "deprecated_arguments.json"


# ---------------------------------------------------------------------------------------------
# one module


def _imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, list[str]]:
    """Local name -> dotted paths it may be bound to at module level (every branch of a
    top-level ``if``/``try``, in source order; ``TYPE_CHECKING`` blocks left out)."""
    package = module if is_package else module.rpartition(".")[0]
    found: dict[str, list[str]] = {}

    def bind(local: str, path: str) -> None:
        paths = found.setdefault(local, [])
        if path not in paths:
            paths.append(path)

    for node in wr.runtime_statements(tree.body):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[:len(parent) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                if alias.name != "*":
                    bind(alias.asname or alias.name, f"{base}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bind(alias.asname or alias.name.split(".")[0],
                     alias.name if alias.asname else alias.name.split(".")[0])
    return found


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Subscript):  # Generic[T], AwsBaseHookMixin[AwsHookType]
        node = node.value
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _base_paths(base: ast.expr, imports: dict[str, list[str]], module: str,
                local_classes: set[str]) -> list[str]:
    dotted = _dotted(base)
    if dotted is None:
        return []
    head, _, rest = dotted.partition(".")
    if head in local_classes and not rest:
        return [f"{module}.{head}"]
    if head in imports:
        return [p + (f".{rest}" if rest else "") for p in imports[head]]
    return [dotted]


def _message_text(node: ast.expr) -> str:
    """The literal parts of a warning message: constants, f-strings, ``+`` and implicit joins."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_message_text(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _message_text(node.left) + _message_text(node.right)
    return ""


def _is_warning(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _dotted(node.func) in {"warnings.warn", "warn"}


def _warning_text(body: list[ast.stmt]) -> str | None:
    for statement in body:
        for node in ast.walk(statement):
            if _is_warning(node) and node.args:
                return _message_text(node.args[0])
    return None


def _subjects(test: ast.expr) -> set[str]:
    """Argument names an ``if`` test looks at: ``x``, ``self.x``, ``kwargs.get("x")``,
    ``kwargs["x"]``, ``"x" in kwargs``."""
    names = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)
    return names


def _kwargs_keys(init: ast.FunctionDef, kwargs: str | None) -> set[str]:
    keys = set()
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("pop", "get") \
                and _dotted(node.func.value) == kwargs and node.args:
            key = node.args[0]
        elif isinstance(node, ast.Subscript) and _dotted(node.value) == kwargs:
            key = node.slice
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            keys.add(key.value)
    return keys


def _popped_keys(body: list[ast.stmt], kwargs: str | None) -> set[str]:
    keys = set()
    for statement in body:
        for node in ast.walk(statement):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pop"
                    and _dotted(node.func.value) == kwargs and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                keys.add(node.args[0].value)
    return keys


_QUOTED = re.compile(r"[`'\"]+([A-Za-z_][A-Za-z0-9_]*)[`'\"]+")


def _constant(node: ast.expr) -> tuple[bool, Any]:
    """(True, value) for a literal; a member of an enum in ``ENUMS`` (``TriggerRule.ALWAYS``)
    reads as ``"\0TriggerRule.ALWAYS"`` until every wheel's enums are known."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool, int, float)):
        return True, node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ENUMS:
        return True, f"\0{node.value.id}.{node.attr}"
    return False, None


def _names(node: ast.expr, name: str) -> bool:
    """``name`` or ``self.name``."""
    if isinstance(node, ast.Name):
        return node.id == name
    return (isinstance(node, ast.Attribute) and node.attr == name
            and isinstance(node.value, ast.Name) and node.value.id == "self")


def _assigned_value(body: list[ast.stmt], name: str) -> ast.expr | None:
    """The value ``name = ...`` or ``self.name = ...`` gets in an ``if`` body."""
    for statement in body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and _names(statement.targets[0], name):
            return statement.value
    return None


def _value_renames(test: ast.expr, body: list[ast.stmt], parameters: set[str]) -> tuple[str, list[list[Any]]] | None:
    """``if p == OLD: warn(); p = NEW`` and ``if isinstance(p, bool): warn(); p = A if p else B``."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq) \
            and isinstance(test.left, ast.Name) and test.left.id in parameters:
        name = test.left.id
        known, old = _constant(test.comparators[0])
        value = _assigned_value(body, name)
        if known and value is not None:
            known_new, new = _constant(value)
            if known_new and new != old:
                return name, [[old, new]]
    if isinstance(test, ast.Call) and _dotted(test.func) == "isinstance" and len(test.args) == 2 \
            and isinstance(test.args[0], ast.Name) and test.args[0].id in parameters \
            and _dotted(test.args[1]) == "bool":
        name = test.args[0].id
        value = _assigned_value(body, name)
        if isinstance(value, ast.IfExp) and isinstance(value.test, ast.Name) and value.test.id == name:
            known_true, if_true = _constant(value.body)
            known_false, if_false = _constant(value.orelse)
            if known_true and known_false:
                return name, [[True, if_true], [False, if_false]]
    return None


def _checked_values(test: ast.expr, body: list[ast.stmt], parameters: set[str]) -> tuple[str, list[Any]] | None:
    """``if p not in ("a", "b"): raise ...``: the values ``p`` must take."""
    if not any(isinstance(n, ast.Raise) for s in body for n in ast.walk(s)):
        return None
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.NotIn) \
                and isinstance(node.left, ast.Name) and node.left.id in parameters \
                and isinstance(node.comparators[0], (ast.Tuple, ast.List, ast.Set)):
            values = [e.value for e in node.comparators[0].elts if isinstance(e, ast.Constant)]
            if values and len(values) == len(node.comparators[0].elts):
                return node.left.id, sorted(values, key=repr)
    return None


def _reads(node: ast.expr, name: str) -> bool:
    """``name``, ``self.name``, or a conditional/``or`` that yields one of them."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _names(node, name)
    if isinstance(node, ast.IfExp):
        return _reads(node.body, name) or _reads(node.orelse, name)
    if isinstance(node, ast.BoolOp):
        return any(_reads(v, name) for v in node.values)
    return False


def _carries(init: ast.FunctionDef, old: str, new: str) -> bool:
    """The constructor hands the old argument's value to the new one (``self.new = old``):
    the rename is exact, not just advice to use something else."""
    return any(isinstance(node, ast.Assign) and len(node.targets) == 1 and _names(node.targets[0], new)
               and _reads(node.value, old) for node in ast.walk(init))


def _init(node: ast.ClassDef) -> ast.FunctionDef | None:
    return next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)


def _class_entry(node: ast.ClassDef, bases: list[list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(signature, deprecations) of one class."""
    # Defaults are left out to keep the files small: a class takes **kwargs and hands them on
    # ("closed" when it does not), and defines __init__ ("inherits_init" when it does not).
    init = _init(node)
    if init is None:
        return {"bases": bases, "inherits_init": True}, {}
    arguments = init.args
    parameters = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs][1:]
    kwargs = arguments.kwarg.arg if arguments.kwarg else None
    # Keys the constructor takes out of **kwargs itself (kwargs.pop("x"), kwargs.get("x")) are
    # accepted too: they never reach BaseOperator's check.
    taken = _kwargs_keys(init, kwargs) - set(parameters)
    signature: dict[str, Any] = {"bases": bases, "parameters": sorted(set(parameters) | taken)}
    if kwargs is None:
        signature["closed"] = True
    values: dict[str, list[Any]] = {}
    renamed: dict[str, list[str]] = {}
    replaced: dict[str, list[str]] = {}
    dropped: set[str] = set()
    value_renames: dict[str, list[list[Any]]] = {}
    names = set(parameters)
    for branch in ast.walk(init):
        if not isinstance(branch, ast.If):
            continue
        checked = _checked_values(branch.test, branch.body, names)
        if checked:
            values[checked[0]] = checked[1]
        message = _warning_text(branch.body)
        if message is None:
            continue
        mapped = _value_renames(branch.test, branch.body, names)
        if mapped:
            value_renames.setdefault(mapped[0], []).extend(p for p in mapped[1] if p not in value_renames.get(mapped[0], []))
            continue
        popped = _popped_keys(branch.body, kwargs)
        subjects = _subjects(branch.test) & (names | popped)
        if len(subjects) != 1:
            continue
        (old,) = subjects
        quoted = [q for q in _QUOTED.findall(message) if q in names and q != old]
        if quoted:
            new = list(dict.fromkeys(quoted))
            exact = all(_carries(init, old, n) for n in new)
            (renamed if exact else replaced)[old] = new
        elif old in popped:
            dropped.add(old)
    if values:
        signature["values"] = values
    deprecations: dict[str, Any] = {}
    if renamed:
        deprecations["renamed"] = renamed
    if replaced:
        deprecations["replaced"] = replaced
    if dropped:
        deprecations["dropped"] = sorted(dropped)
    if value_renames:
        deprecations["value_renames"] = value_renames
    return signature, deprecations


def _enums(tree: ast.Module, names: Iterable[str]) -> dict[str, dict[str, str]]:
    wanted = set(names)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in wanted:
            members = {}
            for statement in node.body:
                name = wr.assigned_name(statement)
                if name and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str):
                    members[name] = statement.value.value
            if members:
                found[node.name] = members
    return found


def _aliases(tree: ast.Module, module: str, imports: dict[str, list[str]]) -> dict[str, list[str]]:
    """Kept-class names a module re-exports: its imports, ``__lazy_imports`` (the task SDK)
    and the ``_IMPORT_MAP`` of common.compat (``"BaseOperator": ("airflow.sdk", ...)``)."""
    found: dict[str, list[str]] = {}
    value = wr.module_assignments(tree).get("_IMPORT_MAP")
    if isinstance(value, ast.Dict):
        for key, target in zip(value.keys, value.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                try:
                    modules = wr.literal(target)
                except ValueError:
                    continue
                modules = [modules] if isinstance(modules, str) else list(modules)
                found[key.value] = [f"{m}.{key.value}" for m in modules]
    if "__lazy_imports" in wr.module_assignments(tree):
        for name, path in moves_reader.lazy_imports(ast.unparse(tree), module).items():
            found.setdefault(name, []).append(path)
    for name, paths in imports.items():
        found.setdefault(name, []).extend(p for p in paths if p not in found[name])
    return {f"{module}.{name}": paths for name, paths in sorted(found.items())
            if name.endswith(_KEPT_SUFFIXES) and paths != [f"{module}.{name}"]}


def module_classes(source: str, member: str) -> dict[str, dict[str, Any]]:
    """What one module says about kept classes, by dotted path: ``classes`` (signatures),
    ``deprecations``, ``aliases`` (re-exported names) and ``enums`` (members of ``ENUMS``)."""
    tree = wr.parse(source, member)
    module = wr.module_name(member)
    imports = _imports(tree, module, member.endswith("__init__.py"))
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    local = {c.name for c in classes}
    found: dict[str, dict[str, Any]] = {"classes": {}, "deprecations": {}, "aliases": _aliases(tree, module, imports),
                                        "enums": {f"{module}.{k}": v for k, v in _enums(tree, ENUMS).items()}}
    for node in classes:
        if not node.name.endswith(_KEPT_SUFFIXES):
            continue
        # One path per base, or the paths it may be bound to when imports differ by branch.
        bases = [paths[0] if len(paths) == 1 else paths
                 for base in node.bases if (paths := _base_paths(base, imports, module, local))]
        signature, deprecated = _class_entry(node, bases)
        found["classes"][f"{module}.{node.name}"] = signature
        if deprecated:
            found["deprecations"][f"{module}.{node.name}"] = deprecated
    return found


def _resolve_placeholders(value: Any, enums: Mapping[str, Mapping[str, str]]) -> Any:
    if isinstance(value, str) and value.startswith("\0"):
        name, _, member = value[1:].partition(".")
        members = {k: v for path, m in sorted(enums.items()) if path.rsplit(".", 1)[-1] == name
                   for k, v in m.items()}
        return members.get(member)
    if isinstance(value, list):
        return [_resolve_placeholders(v, enums) for v in value]
    if isinstance(value, dict):
        return {k: _resolve_placeholders(v, enums) for k, v in value.items()}
    return value


def wheel_classes(wheel: wr.Wheel, prefix: str) -> dict[str, dict[str, Any]]:
    """``module_classes`` of every module under ``prefix`` in one wheel, merged."""
    merged: dict[str, dict[str, Any]] = {"classes": {}, "deprecations": {}, "aliases": {}, "enums": {}}
    for member, source in wheel.python_sources(prefix):
        if "/tests/" in member or "/example_dags/" in member:
            continue
        for kind, facts in module_classes(source, member).items():
            merged[kind].update(facts)
    return merged


# ---------------------------------------------------------------------------------------------
# output


def signature_file_name(distribution: str, version: str) -> str:
    return f"{SIGNATURES_FOLDER}/{distribution}-{version}.json"


def _package_prefix(distribution: str) -> str:
    if distribution.startswith("apache-airflow-providers-"):
        return "airflow/providers/" + distribution[len("apache-airflow-providers-"):].replace("-", "/") + "/"
    if distribution == "apache-airflow-task-sdk":
        return "airflow/sdk/"
    return "airflow/"


def _candidates(base: str | list[str]) -> list[str]:
    return [base] if isinstance(base, str) else base


def _needed_aliases(read: Iterable[dict[str, dict[str, Any]]]) -> set[str]:
    """Re-exported names some base class is reached through (most modules re-export
    BaseOperator; only the ones a class names as its base matter)."""
    classes: set[str] = set()
    aliases: dict[str, set[str]] = {}
    wanted: list[str] = []
    for facts in read:
        classes.update(facts["classes"])
        for alias, paths in facts["aliases"].items():
            aliases.setdefault(alias, set()).update(paths)
        wanted += [p for s in facts["classes"].values() for base in s["bases"] for p in _candidates(base)]
    needed: set[str] = set()
    while wanted:
        path = wanted.pop()
        if path in aliases and path not in needed and path not in classes:
            needed.add(path)
            wanted += sorted(aliases[path])
    return needed


def write(out: Path, wheels: Mapping[tuple[str, str], wr.Wheel],
          fetch: Callable[[Iterable[tuple[str, str]]], Mapping[tuple[str, str], wr.Wheel]],
          dump_compact: Callable[..., int]) -> dict[str, int]:
    """Write one signature file per wheel in ``wheels`` (core, task SDK and providers the
    targets pin) and ``deprecated_arguments.json``: the deprecations found in them and in
    ``HISTORY_RELEASES`` (downloaded with ``fetch``). Returns bytes written per file."""
    history = fetch(HISTORY_RELEASES)
    everything = {**wheels, **history}
    read = {key: wheel_classes(everything[key], _package_prefix(key[0])) for key in sorted(everything)}
    enums: dict[str, Any] = {}
    for key in sorted(read):
        enums.update(read[key]["enums"])
    deprecations: dict[str, dict[str, Any]] = {}
    for key in sorted(read):
        for qualname, facts in read[key]["deprecations"].items():
            merged = deprecations.setdefault(qualname, {"sources": []})
            for kind, value in _resolve_placeholders(facts, enums).items():
                if kind == "dropped":
                    merged[kind] = sorted(set(merged.get(kind, [])) | set(value))
                elif kind in ("renamed", "replaced"):
                    merged.setdefault(kind, {}).update(value)
                else:
                    table = merged.setdefault(kind, {})
                    for parameter, pairs in value.items():
                        known = table.setdefault(parameter, [])
                        known.extend(p for p in pairs if p not in known and p[1] is not None)
            merged["sources"].append(f"{key[0]}=={key[1]}")
    needed = _needed_aliases(read.values())
    written: dict[str, int] = {}
    for key in sorted(wheels):
        facts = read[key]
        name = signature_file_name(*key)
        written[name] = dump_compact(out / name, blocks=_BLOCKS, document={
            "provenance": wheels[key].provenance([_package_prefix(key[0])]),
            "classes": {q: _resolve_placeholders(s, enums) for q, s in facts["classes"].items()},
            "aliases": {a: p for a, p in facts["aliases"].items() if a in needed}, "enums": facts["enums"]})
    written[DEPRECATIONS_FILE] = dump_compact(out / DEPRECATIONS_FILE, blocks=_BLOCKS, document={
        "generated_by": "python -m migrator.compat.generate",
        "about": "Constructor arguments operators renamed, dropped or re-valued, read from the "
                 "deprecation code of the wheels each entry lists as its sources.",
        "history_provenance": [history[k].provenance() for k in sorted(history)],
        "classes": deprecations})
    return written
