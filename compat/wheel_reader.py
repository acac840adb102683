"""Read Airflow facts out of released wheels with ``zipfile`` and ``ast`` only.

Nothing here imports or installs what it reads: the wheels may target another Python, need
dependencies that are absent, or run code at import time. Every extractor takes source text
(so tests can feed it small synthetic modules) and returns plain, JSON-ready data.

This module holds the wheel, parsing and literals, and the module inventories; the readers of
moved-import tables (``moves_reader``), of context, parameters and config (``api_reader``)
and of operator signatures (``signature_reader``) build on it.
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


def assigned_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id
    return None


def module_assignments(tree: ast.Module | ast.ClassDef) -> dict[str, ast.expr]:
    """Top-level ``NAME = value`` assignments (the last one wins, as at run time)."""
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        name = assigned_name(node)
        if name is not None:
            found[name] = node.value  # type: ignore[union-attr]
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
# module inventories


def is_type_checking(test: ast.expr) -> bool:
    return ast.unparse(test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def runtime_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements that may run, in order: top-level ``if`` (not ``TYPE_CHECKING``)
    and ``else`` bodies and every part of a ``try`` count, because one of their branches runs."""
    for node in body:
        if isinstance(node, ast.If):
            if not is_type_checking(node.test):
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
            elif isinstance(node, ast.If) and not is_type_checking(node.test):
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
