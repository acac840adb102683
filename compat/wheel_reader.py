"""Read Airflow facts out of released wheels with ``zipfile`` and ``ast`` only.

Nothing here imports or installs what it reads: the wheels may target another Python, need
dependencies that are absent, or run code at import time. Every extractor takes source text
(so tests can feed it small synthetic modules) and returns plain, JSON-ready data.
"""

from __future__ import annotations

import ast
import hashlib
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any


class ExtractionError(RuntimeError):
    """A wheel does not have the shape the generator expects: the data would be wrong."""


@dataclass(frozen=True)
class Wheel:
    """One downloaded wheel: its distribution, version and file."""

    distribution: str
    version: str
    path: Path

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"

    @cached_property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    @cached_property
    def members(self) -> tuple[str, ...]:
        with zipfile.ZipFile(self.path) as archive:
            return tuple(sorted(archive.namelist()))

    def has(self, member: str) -> bool:
        return member in set(self.members)

    def read(self, member: str) -> str:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(member).decode("utf-8")

    def python_sources(self, prefix: str = "airflow/") -> Iterator[tuple[str, str]]:
        """(member path, text) of every .py file under ``prefix``, sorted by path."""
        with zipfile.ZipFile(self.path) as archive:
            for member in self.members:
                if member.startswith(prefix) and member.endswith(".py"):
                    yield member, archive.read(member).decode("utf-8", errors="replace")

    def metadata_requires(self) -> list[str]:
        """Requires-Dist lines of the wheel's METADATA (no markers evaluated)."""
        metadata = next(m for m in self.members if m.endswith(".dist-info/METADATA"))
        return [line.split(":", 1)[1].strip() for line in self.read(metadata).splitlines()
                if line.startswith("Requires-Dist:")]

    def provenance(self, paths: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        return {"distribution": self.requirement, "wheel": self.path.name, "sha256": self.sha256,
                "paths": sorted(set(paths))}


def module_name(member: str) -> str:
    """``airflow/operators/__init__.py`` -> ``airflow.operators``."""
    parts = member[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def parse(source: str, member: str = "<wheel>") -> ast.Module:
    try:
        # Invalid escape sequences in the wheels' own string literals are their business.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=member)
    except SyntaxError:
        # 1.10 wheels still carry Python 2 era syntax in places; such files have no facts
        # the generator needs, so they count as empty rather than failing the run.
        return ast.Module(body=[], type_ignores=[])


# ---------------------------------------------------------------------------------------------
# literals


def _assigned_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id
    return None


def module_assignments(tree: ast.Module | ast.ClassDef) -> dict[str, ast.expr]:
    """Top-level ``NAME = value`` assignments (the last one wins, as at run time)."""
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        name = _assigned_name(node)
        if name is not None:
            found[name] = node.value  # type: ignore[union-attr]
    return found


def _class_or_module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    found = module_assignments(tree)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for name, value in module_assignments(node).items():
                found.setdefault(name, value)
    return found


def literal(node: ast.expr, package: str | None = None) -> Any:
    """``ast.literal_eval`` that also accepts ``__name__`` (as ``package``) in dict keys, which
    Airflow 3 uses in ``airflow/decorators/__init__.py`` to mean the package itself."""
    if package is not None:
        class _NameToPackage(ast.NodeTransformer):
            def visit_Name(self, name: ast.Name) -> ast.AST:
                if name.id == "__name__":
                    return ast.copy_location(ast.Constant(value=package), name)
                return name

        node = _NameToPackage().visit(ast.parse(ast.unparse(node), mode="eval")).body
    return ast.literal_eval(node)


# ---------------------------------------------------------------------------------------------
# moved-import tables


def deprecated_class_tables(source: str, package: str) -> dict[str, str]:
    """Moves registered through ``add_deprecated_classes(table, package, ...)`` in one module
    (a package's ``__init__.py``, or a plain module that keeps its own moved names importable,
    as ``airflow/utils/context.py`` does in 3.2 and 3.3): old dotted name -> new
    dotted name, the target exactly as the table writes it.

    A ``"*"`` entry (Airflow 3.1+) redirects a whole module; it comes back as
    ``"<old module>.*" -> "<new module>"``. A ``__name__`` key means the module itself.
    """
    tree = parse(source)
    assignments = module_assignments(tree)
    moves: dict[str, str] = {}
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "add_deprecated_classes"):
            continue
        if not call.args:
            raise ExtractionError(f"add_deprecated_classes without arguments in {package}")
        table_node = call.args[0]
        if isinstance(table_node, ast.Name):
            table_node = assignments[table_node.id]
        target_package = package
        given = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "package"), None)
        if isinstance(given, ast.Constant):
            target_package = given.value
        table = literal(table_node, package=f"\0{target_package}")
        for submodule, names in table.items():
            if submodule.startswith("\0"):
                old_module = submodule[1:]
            else:
                old_module = f"{target_package}.{submodule}"
            for old_name, new_path in names.items():
                # Airflow 2.x's kubernetes table ends a few targets with a stray ".".
                new_path = new_path.strip().rstrip(".")
                moves[f"{old_module}.{old_name}"] = new_path
    return moves


def getattr_redirects(source: str, member: str) -> dict[str, str]:
    """Moves a module's ``__getattr__`` makes for a table of names, the Airflow 3.1+ form of
    ``airflow/exceptions.py``: ``if name in _DEPRECATED_EXCEPTIONS: ... import_string(
    f"airflow.sdk.exceptions.{name}")``. Every name of the table becomes
    ``<this module>.<name> -> <prefix><name>``; the old name still imports, with a warning."""
    tree = parse(source, member)
    function = _module_getattr(tree)
    if function is None:
        return {}
    parameter = function.args.args[0].arg
    assignments = module_assignments(tree)
    this_module = module_name(member)
    moves: dict[str, str] = {}
    for branch in ast.walk(function):
        test = branch.test if isinstance(branch, ast.If) else None
        if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == parameter
                and len(test.ops) == 1 and isinstance(test.ops[0], ast.In)
                and isinstance(test.comparators[0], ast.Name) and test.comparators[0].id in assignments):
            continue
        prefixes = {node.values[0].value for statement in branch.body for node in ast.walk(statement)
                    if isinstance(node, ast.JoinedStr) and len(node.values) == 2
                    and isinstance(node.values[0], ast.Constant) and node.values[0].value.startswith("airflow")
                    and isinstance(node.values[1], ast.FormattedValue)
                    and isinstance(node.values[1].value, ast.Name) and node.values[1].value.id == parameter}
        if len(prefixes) != 1:
            raise ExtractionError(f"__getattr__ of {member} builds {len(prefixes)} target paths for "
                                  f"{test.comparators[0].id}, not one")
        prefix = prefixes.pop()
        for name in sorted(literal(assignments[test.comparators[0].id])):
            moves[f"{this_module}.{name}"] = f"{prefix}{name}"
    return moves


def _guarded_names(test: ast.expr, parameter: str) -> frozenset[str]:
    """The names ``name == "X"`` / ``name in {"X", "Y"}`` admits (``not in``: the names it
    turns away, which the rest of the function then handles)."""
    if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == parameter
            and len(test.ops) == 1):
        return frozenset()
    operator, value = test.ops[0], test.comparators[0]
    if isinstance(operator, ast.Eq) and isinstance(value, ast.Constant) and isinstance(value.value, str):
        return frozenset({value.value})
    if isinstance(operator, (ast.In, ast.NotIn)) and isinstance(value, (ast.Set, ast.Tuple, ast.List)):
        try:
            return frozenset(literal(value))
        except ValueError:
            return frozenset()
    return frozenset()


def _getattr_destinations(body: list[ast.stmt], parameter: str, names: frozenset[str]) -> dict[str, str]:
    """Where a ``__getattr__`` branch fetches ``names`` from: ``from m import X`` then
    ``return X``, or a module bound by an import then ``getattr(module, name)``. Only
    Airflow modules count: a value made up on the spot is no move."""
    modules: dict[str, str] = {}  # local name -> dotted path it is bound to
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:  # ``import a.b`` binds ``a``; ``import a.b as c`` binds a.b
                    local = alias.asname or alias.name.split(".")[0]
                    modules[local] = alias.name if alias.asname else local
    fetched: dict[str, str] = {}
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in names:
                fetched[node.value.id] = modules.get(node.value.id, "")
            elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and len(node.args) == 2
                  and isinstance(node.args[1], ast.Name) and node.args[1].id == parameter):
                source = ast.unparse(node.args[0])
                head, _, rest = source.partition(".")
                module = modules.get(head)
                if module is not None:
                    for name in names:
                        fetched[name] = f"{module}.{rest}.{name}" if rest else f"{module}.{name}"
    return {name: path for name, path in fetched.items() if path.startswith("airflow.")}


def _module_getattr(tree: ast.Module) -> ast.FunctionDef | None:
    """The module-level ``__getattr__(name)`` (PEP 562), if the module has one."""
    return next((node for node in tree.body
                 if isinstance(node, ast.FunctionDef) and node.name == "__getattr__" and node.args.args), None)


def getattr_alias_imports(source: str, member: str) -> dict[str, str]:
    """Moves a module's ``__getattr__`` makes for names it lists one by one, the other Airflow
    3 forms besides :func:`getattr_redirects`: ``if name == "JobState": from airflow.jobs.job
    import JobState ... return JobState``; ``if name in {"DagBag", ...}: ... getattr(dagbag,
    name)``; ``if name not in ("DAG", "dag"): raise ...`` then ``getattr(airflow.sdk, name)``;
    and ``modpath = TABLE[name]`` with a module-level ``{name: module}`` table. Each becomes
    ``<this module>.<name> -> <where it is fetched from>``; the old name still imports, with a
    deprecation warning."""
    tree = parse(source, member)
    function = _module_getattr(tree)
    if function is None:
        return {}
    parameter = function.args.args[0].arg
    this_module = module_name(member)
    assignments = module_assignments(tree)
    found: dict[str, str] = {}
    for index, statement in enumerate(function.body):
        if not isinstance(statement, ast.If):
            continue
        names = _guarded_names(statement.test, parameter)
        if isinstance(statement.test, ast.Compare) and isinstance(statement.test.ops[0], ast.NotIn):
            found.update(_getattr_destinations(function.body[index + 1:], parameter, names))
        elif names:
            found.update(_getattr_destinations(statement.body, parameter, names))
    for node in ast.walk(function):
        if _fetches_the_top_package(function):
            break  # the table's names never import (see below): not aliases that work
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in assignments
                and isinstance(node.slice, ast.Name) and node.slice.id == parameter
                and isinstance(assignments[node.value.id], ast.Dict)):
            table = literal(assignments[node.value.id])
            found.update({name: f"{module}.{name}" for name, module in table.items()
                          if isinstance(module, str) and module.startswith("airflow.")})
    return {f"{this_module}.{name}": path for name, path in sorted(found.items())}


def _fetches_the_top_package(function: ast.FunctionDef) -> bool:
    """Whether ``__getattr__`` returns ``getattr(__import__(path), name)``: ``__import__`` of a
    dotted path without ``fromlist`` returns the top package (``airflow``), so the lookup raises
    AttributeError (Airflow 3.3.1's airflow/utils/helpers.py, checked in the real venv)."""
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
               and node.args and isinstance(node.args[0], ast.Call) and isinstance(node.args[0].func, ast.Name)
               and node.args[0].func.id == "__import__" and len(node.args[0].args) == 1
               and not node.args[0].keywords
               for node in ast.walk(function))


def shim_module_moves(source: str, member: str) -> dict[str, str]:
    """Moves recorded by an Airflow 2.0-2.3 shim module: a file with a module-level
    ``warnings.warn(...)``, no class or function of its own, and ``from airflow... import``
    lines. Every imported name becomes ``<this module>.<name> -> <source module>.<name>``.
    """
    tree = parse(source, member)
    warns = any(
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        and ast.unparse(node.value.func) in {"warnings.warn", "warn"}
        for node in tree.body
    )
    defines = any(isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  for node in tree.body)
    if not warns or defines:
        return {}
    this_module = module_name(member)
    moves: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("airflow"):
            for alias in node.names:
                if alias.name == "*":
                    continue
                moves[f"{this_module}.{alias.asname or alias.name}"] = f"{node.module}.{alias.name}"
    return moves


def subclass_shim_moves(source: str, member: str) -> dict[str, str]:
    """Moves recorded by an Airflow 1.10 subclass shim (``airflow/operators/sensors.py``): a
    module whose every class is ``class Name(Imported): pass`` over a name imported from an
    Airflow module, and which defines no function. ``<this module>.Name`` -> the imported name.
    """
    tree = parse(source, member)
    imported = {alias.asname or alias.name: f"{node.module}.{alias.name}"
                for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 0
                and (node.module or "").startswith("airflow") for alias in node.names}
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    if not classes or any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for node in tree.body):
        return {}
    this_module = module_name(member)
    moves: dict[str, str] = {}
    for node in classes:
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        base = node.bases[0] if len(node.bases) == 1 else None
        if not (isinstance(base, ast.Name) and base.id in imported and all(isinstance(s, ast.Pass) for s in body)):
            return {}
        moves[f"{this_module}.{node.name}"] = imported[base.id]
    return moves


def imported_airflow_names(source: str, member: str) -> dict[str, str]:
    """Names a module binds at its top level by ``from airflow... import Name [as Alias]``:
    ``<this module>.<Alias>`` -> the imported name. In Airflow 1.10 these imported from the
    module like its own (``from airflow.contrib.sensors.aws_sqs_sensor import SQSHook``)."""
    this_module = module_name(member)
    found: dict[str, str] = {}

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("airflow"):
                for alias in node.names:
                    if alias.name != "*":
                        found[f"{this_module}.{alias.asname or alias.name}"] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.If) and not _type_checking(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(parse(source, member).body)
    return found


def lazy_package_names(source: str, package: str) -> dict[str, str]:
    """Airflow 1.10's package-level names (``from airflow.operators import BashOperator``):
    the ``{module: [names]}`` table an ``__init__.py`` hands to ``AirflowImporter``, as
    ``<package>.<Name>`` -> ``<package>.<module>.<Name>``."""
    tree = parse(source)
    assignments = module_assignments(tree)
    moves: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AirflowImporter"
                and len(node.args) == 2 and isinstance(node.args[1], ast.Name)):
            continue
        table = assignments.get(node.args[1].id)
        if table is None:
            raise ExtractionError(f"AirflowImporter table {node.args[1].id} not found in {package}")
        for module, names in literal(table).items():
            for name in names:
                moves[f"{package}.{name}"] = f"{package}.{module}.{name}"
    return moves


def upgrade_check_renames(source: str) -> dict[str, str]:
    """apache-airflow-upgrade-check's ``renamed_classes.py``: lists of ``(new, old)`` tuples."""
    tree = parse(source)
    moves: dict[str, str] = {}
    for name, value in module_assignments(tree).items():
        if not isinstance(value, ast.List) or name == "ALL":
            continue
        for pair in literal(value):
            new, old = pair
            moves.setdefault(old, new)
    return moves


# ---------------------------------------------------------------------------------------------
# aliases and public API


def lazy_imports(source: str, package: str) -> dict[str, str]:
    """``__lazy_imports`` of a package: exported name -> dotted path it resolves to.

    Two formats exist: ``{"Name": "airflow.models.x"}`` (module to import Name from) and
    ``{"Name": (".module", "attr", deprecated)}``; an empty attr means the module itself.
    """
    value = module_assignments(parse(source)).get("__lazy_imports")
    if value is None:
        return {}
    result: dict[str, str] = {}
    for name, target in literal(value).items():
        if isinstance(target, str):
            module, attribute = target, name
        else:
            module, attribute = target[0], target[1]
        if module.startswith("."):
            module = package + module
        result[name] = f"{module}.{attribute}" if attribute else module
    return result


def compat_sdk_homes(source: str) -> dict[str, list[str]]:
    """The common.compat provider's ``sdk.py`` tables, which import each Airflow 3 name from its
    Airflow 3 home first and then from its Airflow 2 homes: Airflow 3 path -> the older paths,
    newest first. ``_IMPORT_MAP`` gives ``name -> modules`` (one or a tuple), ``_RENAME_MAP``
    ``new name -> (new module, old module, old name)``, ``_MODULE_MAP`` whole modules (keyed
    ``module.*``, their older homes modules); the 3-only tables, which have no older home, are
    not read."""
    assigned = module_assignments(parse(source))
    homes: dict[str, list[str]] = {}
    for name, modules in literal(assigned["_IMPORT_MAP"]).items():
        modules = (modules,) if isinstance(modules, str) else modules
        if len(modules) > 1:
            homes[f"{modules[0]}.{name}"] = [f"{module}.{name}" for module in modules[1:]]
    for name, (new_module, old_module, old_name) in literal(assigned["_RENAME_MAP"]).items():
        homes[f"{new_module}.{name}"] = [f"{old_module}.{old_name}"]
    for modules in literal(assigned["_MODULE_MAP"]).values():
        modules = (modules,) if isinstance(modules, str) else modules
        if len(modules) > 1:
            homes[f"{modules[0]}.*"] = list(modules[1:])
    return homes


def dunder_all(source: str) -> list[str]:
    value = module_assignments(parse(source)).get("__all__")
    return sorted(literal(value)) if value is not None else []


# ---------------------------------------------------------------------------------------------
# module inventories


def _type_checking(test: ast.expr) -> bool:
    return ast.unparse(test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def runtime_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements that may run, in order: top-level ``if`` (not ``TYPE_CHECKING``)
    and ``else`` bodies and every part of a ``try`` count, because one of their branches runs."""
    for node in body:
        if isinstance(node, ast.If):
            if not _type_checking(node.test):
                yield from runtime_statements(node.body)
            yield from runtime_statements(node.orelse)
        elif isinstance(node, ast.Try):
            yield from runtime_statements(node.body)
            for handler in node.handlers:
                yield from runtime_statements(handler.body)
            yield from runtime_statements(node.orelse)
            yield from runtime_statements(node.finalbody)
        else:
            yield node


def top_level_names(source: str, member: str, keep_private: frozenset[str] = frozenset()) -> list[str]:
    """Names importable from a module without running it: classes, functions, assignments,
    names re-exported from Airflow modules, ``__all__`` and ``__lazy_imports`` entries.

    Definitions under ``if TYPE_CHECKING:`` are left out (they do not exist at run time);
    other top-level ``if``/``try`` bodies count, because one of their branches runs.
    Private names are kept only when listed in ``keep_private`` (a table points at them).
    """
    tree = parse(source, member)
    names: set[str] = set()
    for node in runtime_statements(tree.body):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.add(leaf.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            from_airflow = node.level > 0 or (node.module or "").startswith("airflow")
            if from_airflow:
                names.update(a.asname or a.name for a in node.names if a.name != "*")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name.startswith("airflow"):
                    names.add(alias.asname)
    assignments = module_assignments(tree)
    for special in ("__all__", "__lazy_imports"):
        if special in assignments:
            try:
                value = literal(assignments[special])
            except ValueError:
                continue
            names.update(value)
    return sorted(n for n in names if not n.startswith("_") or n in keep_private)


def provider_imports(source: str, member: str) -> list[str]:
    """Modules under ``airflow.providers`` imported unconditionally at module level: importing
    this module fails without them (guarded ``try``/``TYPE_CHECKING`` imports do not count)."""
    tree = parse(source, member)
    found = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("airflow.providers."):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("airflow.providers."))
            elif isinstance(node, ast.If) and not _type_checking(node.test):
                visit(node.body)
                visit(node.orelse)

    visit(tree.body)
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Kubernetes client models


def imported_classes(source: str, package: str) -> dict[str, str]:
    """A package ``__init__``'s ``from <package>.<module> import Class`` lines: class -> module."""
    found = {}
    for node in parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(package + "."):
            for alias in node.names:
                found[alias.asname or alias.name] = node.module
    return found


def model_fields(source: str, class_name: str) -> dict[str, list[str]]:
    """A generated Kubernetes client model's fields: attribute -> [JSON key, type], from the
    class's ``attribute_map`` and ``openapi_types``."""
    tree = parse(source)
    owner = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    if owner is None:
        raise ExtractionError(f"class {class_name} not found")
    assignments = module_assignments(owner)
    if "openapi_types" not in assignments or "attribute_map" not in assignments:
        raise ExtractionError(f"{class_name} has no openapi_types/attribute_map")
    types, keys = literal(assignments["openapi_types"]), literal(assignments["attribute_map"])
    return {name: [keys[name], types[name]] for name in sorted(types)}


# ---------------------------------------------------------------------------------------------
# template context


def _function(tree: ast.AST, class_name: str | None, function_name: str) -> ast.FunctionDef | None:
    scope: list[ast.stmt] = tree.body  # type: ignore[attr-defined]
    if class_name:
        owner = next((n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name), None)
        if owner is None:
            return None
        scope = owner.body
    return next((n for n in scope if isinstance(n, ast.FunctionDef) and n.name == function_name), None)


def context_keys_from_template_context(source: str) -> list[str]:
    """Airflow 1.10: the keys of the dict ``TaskInstance.get_template_context`` returns."""
    function = _function(parse(source), "TaskInstance", "get_template_context")
    if function is None:
        raise ExtractionError("TaskInstance.get_template_context not found")
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            return sorted(k.value for k in node.value.keys if isinstance(k, ast.Constant))
    raise ExtractionError("get_template_context returns no dict literal")


def known_context_keys(source: str) -> tuple[list[str], dict[str, list[str]]]:
    """Airflow 2.x ``airflow/utils/context.py``: KNOWN_CONTEXT_KEYS and _DEPRECATION_REPLACEMENTS."""
    # _DEPRECATION_REPLACEMENTS is a class attribute of Context; KNOWN_CONTEXT_KEYS module-level.
    assignments = _class_or_module_assignments(parse(source))
    if "KNOWN_CONTEXT_KEYS" not in assignments:
        raise ExtractionError("KNOWN_CONTEXT_KEYS not found")
    keys = sorted(literal(assignments["KNOWN_CONTEXT_KEYS"]))
    replacements = {}
    if "_DEPRECATION_REPLACEMENTS" in assignments:
        replacements = {k: list(v) for k, v in literal(assignments["_DEPRECATION_REPLACEMENTS"]).items()}
    return keys, dict(sorted(replacements.items()))


def typed_dict_keys(source: str, class_name: str = "Context") -> list[str]:
    """Airflow 3: the fields of the ``Context`` TypedDict in the task SDK."""
    tree = parse(source)
    owner = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    if owner is None:
        raise ExtractionError(f"class {class_name} not found")
    return sorted(n.target.id for n in owner.body
                  if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name))


# ---------------------------------------------------------------------------------------------
# parameters


def init_parameters(source: str, class_name: str) -> list[str]:
    """Keyword names ``class_name.__init__`` accepts (``self``/``*args``/``**kwargs`` left out)."""
    function = _function(parse(source), class_name, "__init__")
    if function is None:
        raise ExtractionError(f"{class_name}.__init__ not found")
    arguments = function.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    return sorted(n for n in names if n != "self")


def attrs_init_parameters(source: str, class_name: str) -> list[str]:
    """Init parameters of an attrs class: annotated fields minus ``init=False`` and ClassVars,
    with ``alias=`` honoured and attrs' leading-underscore stripping applied."""
    tree = parse(source)
    owner = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    if owner is None:
        raise ExtractionError(f"class {class_name} not found")
    names = []
    for node in owner.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        if "ClassVar" in ast.unparse(node.annotation):
            continue
        name = node.target.id
        if isinstance(node.value, ast.Call) and ast.unparse(node.value.func).endswith(("field", "ib")):
            keywords = {k.arg: k.value for k in node.value.keywords}
            init = keywords.get("init")
            if isinstance(init, ast.Constant) and init.value is False:
                continue
            alias = keywords.get("alias")
            if isinstance(alias, ast.Constant):
                name = alias.value
        names.append(name.lstrip("_"))
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# configuration


def deprecated_options(source: str) -> dict[str, Any]:
    """``deprecated_options`` and friends of Airflow's config parser, normalised to
    ``{"new.section.key"...}`` lists. Handles the 1.10 ``{section: {new: old}}`` format and the
    2.x/3.x ``{(section, new): (old_section, old, since)}`` format.
    """
    assignments = _class_or_module_assignments(parse(source))
    result: dict[str, Any] = {"renamed": [], "many_to_one": [], "sections": []}
    if "deprecated_options" in assignments:
        table = literal(assignments["deprecated_options"])
        for key, value in table.items():
            if isinstance(key, tuple):
                old_section, old_key, since = value
                result["renamed"].append({"old": f"{old_section}.{old_key}", "new": f"{key[0]}.{key[1]}",
                                          "since": since})
            else:
                for new_key, old_key in value.items():
                    result["renamed"].append({"old": f"{key}.{old_key}", "new": f"{key}.{new_key}",
                                              "since": None})
    if "many_to_one_deprecated_options" in assignments:
        for key, olds in literal(assignments["many_to_one_deprecated_options"]).items():
            for old_section, old_key, since in olds:
                result["many_to_one"].append({"old": f"{old_section}.{old_key}",
                                              "new": f"{key[0]}.{key[1]}", "since": since})
    if "deprecated_sections" in assignments:
        for new, (old, since) in literal(assignments["deprecated_sections"]).items():
            result["sections"].append({"old": old, "new": new, "since": since})
    for block in result.values():
        block.sort(key=lambda row: (row["old"], row["new"]))
    return result


def _config_parameter(node: ast.expr) -> str:
    """``ConfigParameter("core", option="x")`` (any mix of positional/keyword) -> ``core.x``."""
    if not isinstance(node, ast.Call):
        raise ExtractionError(f"unexpected config parameter {ast.unparse(node)}")
    values = dict(zip(("section", "option"), (literal(a) for a in node.args)))
    values.update({k.arg: literal(k.value) for k in node.keywords})
    return f"{values['section']}.{values['option']}"


def configs_changes(source: str) -> list[dict[str, Any]]:
    """``CONFIGS_CHANGES`` (Airflow 2.11+): one dict per ``ConfigChange(...)`` call."""
    value = module_assignments(parse(source)).get("CONFIGS_CHANGES")
    if value is None:
        raise ExtractionError("CONFIGS_CHANGES not found")
    changes = []
    for call in value.elts:  # type: ignore[attr-defined]
        fields: dict[str, Any] = {}
        for keyword in call.keywords:
            if keyword.arg in ("config", "renamed_to"):
                if isinstance(keyword.value, ast.Constant) and keyword.value.value is None:
                    continue
                fields[keyword.arg] = _config_parameter(keyword.value)
            else:
                fields[keyword.arg] = literal(keyword.value)
        changes.append(fields)
    return sorted(changes, key=lambda row: (row["config"], row.get("renamed_to", "")))
