"""How the project's own imports resolve on MWAA, where only two folders are on ``sys.path``.

MWAA puts ``/usr/local/airflow/dags`` (the bundle's ``dags/``) and ``/usr/local/airflow/plugins``
(plugins.zip unpacked) on ``sys.path``, nothing else. On-prem setups often had more: the
repository root or ``src/`` (``PYTHONPATH``, an Astro image, a Dockerfile ``COPY``), so DAGs
import code from beside the DAG folder, or the DAG folder itself as a package. Three cases:

- **A DAG folder imported as a package** (``from dags.common import x`` where ``dags/`` is the
  DAG folder): on MWAA the DAG folder's modules import from its root (``from common import x``).
  ``dag_folder_package_imports`` finds them; the rule offers the rewrite.
- **Code outside the DAG and plugins folders** (an Astro ``include/``, a company package at the
  top level or under ``src/``): ``outside_packages`` finds the packages and modules the shipped
  code imports from there; ``migrator package`` carries them into plugins.zip, at its root, so
  the same import resolves on MWAA unchanged.
- **A module the project does not hold** (``from include.api.credentials import KEY`` with
  ``credentials.py`` gitignored, ``company.utils`` from another checkout on ``PYTHONPATH``):
  ``missing_modules`` finds them; no bundle can ship them, so the rule only says so.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from packaging.utils import canonicalize_name

from migrator.analysis.python import ModuleFacts
from migrator.analysis.source import Problem, read_bytes
from migrator.findings import Location
from migrator.observed import read_answer

# Names a repository folder may hold that must never be put on MWAA's path under that name:
# Airflow itself, and folders that are the DAG and plugins folders' own names on-prem.
_NEVER_CARRIED = frozenset({"airflow", "dags", "plugins", "tests", "test", "__pycache__"})


@dataclass(frozen=True)
class PrefixImport:
    """An import through a DAG folder's own name, and what it becomes on MWAA."""

    path: str  # the importing file
    location: Location  # of the import's alias (``dags.common.sql`` in ``import dags.common.sql``)
    module: str  # dags.common.sql.QUERY
    new: str  # common.sql.QUERY
    folder: str  # the DAG folder the prefix names


@dataclass(frozen=True)
class OutsidePackage:
    """A package (or module) outside the DAG and plugins folders that shipped code imports."""

    name: str  # the top-level import name: ttd
    source: str  # the project path holding it: src/ttd (a folder) or lib.py (a module)
    is_package: bool
    importers: tuple[str, ...]  # project files importing it, sorted

    @property
    def zip_path(self) -> str:
        """Where it goes in plugins.zip (folders end in "/")."""
        return f"{self.name}/" if self.is_package else f"{self.name}.py"


def _module_exists(base: Path, parts: list[str]) -> bool:
    """Whether ``parts`` (a module, or a module then a name in it) exists under ``base``."""
    for end in range(len(parts), 0, -1):
        path = base.joinpath(*parts[:end])
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return True
        if end == len(parts) and path.is_dir():
            return True  # a namespace package
    return False


def dag_folder_prefixes(dag_folders: Iterable[str]) -> dict[str, str]:
    """Dotted prefix -> DAG folder, for every way an ancestor of the DAG folder on ``sys.path``
    names it: ``src/dags`` is ``dags`` (``src`` on the path) or ``src.dags`` (the root)."""
    prefixes: dict[str, str] = {}
    for folder in dag_folders:
        if folder == ".":
            continue
        parts = PurePosixPath(folder).parts
        for start in range(len(parts)):
            prefix = ".".join(parts[start:])
            if prefix.split(".", 1)[0] != "airflow" and all(p.isidentifier() for p in parts[start:]):
                prefixes.setdefault(prefix, folder)
    return prefixes


_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from|import)[ \t]", re.MULTILINE)


def dag_folder_package_imports(root: Path, dag_folders: list[str], plugins_folder: str | None,
                               modules: Iterable) -> list[PrefixImport]:
    """Imports through a DAG folder's own name whose rest is a module of that DAG folder, in
    the DAG and plugin code (``modules``: the scan's summaries, whose imports say which files
    to read again for the lines)."""
    prefixes = dag_folder_prefixes(dag_folders)
    if not prefixes:
        return []
    mwaa_roots = [root / f for f in dag_folders] + ([root / plugins_folder] if plugins_folder else [])
    sites: list[PrefixImport] = []
    for summary in modules:
        if not any(_split(q, prefixes) for q in summary.imports):
            continue
        data = read_bytes(root / summary.path)
        if isinstance(data, Problem) or not _IMPORT_LINE.search(data):
            continue
        module = ModuleFacts.from_bytes(summary.path, data, "")
        for imported in module.imports:
            if getattr(imported.node, "level", 0):
                continue
            split = _split(imported.qualname, prefixes)
            if split is None:
                continue
            prefix, rest = split
            folder = prefixes[prefix]
            top = prefix.split(".", 1)[0]
            # The prefix must fail on MWAA (no such package on its path) and the rest must be
            # the DAG folder's own module.
            if any(_module_exists(base, [top]) for base in mwaa_roots):
                continue
            if _module_exists(root / folder, rest.split(".")):
                sites.append(PrefixImport(summary.path, module.location(imported.alias), imported.qualname,
                                          rest, folder))
    return sites


def _split(qualname: str, prefixes: dict[str, str]) -> tuple[str, str] | None:
    """(prefix, rest) of the longest prefix ``qualname`` goes through, or None."""
    best = None
    for prefix in prefixes:
        if qualname.startswith(prefix + ".") and (best is None or len(prefix) > len(best)):
            best = prefix
    return (best, qualname[len(best) + 1:]) if best else None


def import_roots(dag_folders: Iterable[str], plugins_folder: str | None) -> list[str]:
    """Folders an on-prem ``sys.path`` plausibly held besides the DAG and plugins folders: the
    repository root, ``src/``, and the DAG and plugins folders' ancestors (shallowest first)."""
    roots = ["", "src"]
    for folder in [*dag_folders, *([plugins_folder] if plugins_folder else [])]:
        parents = [p.as_posix() for p in PurePosixPath(folder).parents if p.as_posix() != "."]
        roots += sorted(parents, key=lambda p: p.count("/"))
    return list(dict.fromkeys(roots))


def outside_packages(root: Path, dag_folders: list[str], plugins_folder: str | None,
                     imports: dict[str, Iterable[str]], mwaa_names: set[str],
                     installed: frozenset[str] = frozenset(), folders: _Folders | None = None
                     ) -> list[OutsidePackage]:
    """Packages and modules outside the DAG and plugins folders that code imports.

    ``imports``: project file -> the dotted names it imports (the shipped code, then whatever
    is carried, transitively: the caller passes what it has and calls again with more).
    ``mwaa_names``: top-level names already on MWAA's path (the bundle's dags/ and plugins.zip).
    ``installed``: canonical distribution names MWAA has or the requirements install; a folder
    named like one of them is not carried (it would shadow the package).
    ``folders``: the project's folders as listed so far (a caller asking again shares them).
    """
    roots = import_roots(dag_folders, plugins_folder)
    inside = [f.rstrip("/") for f in [*dag_folders, *([plugins_folder] if plugins_folder else [])]]
    folders = folders or _Folders(root)
    located: dict[str, tuple[str, bool] | None] = {}  # misses too: most imports are of installed code
    importers: dict[str, set[str]] = {}
    for path, names in imports.items():
        for qualname in names:
            top = qualname.split(".", 1)[0]
            if (not top.isidentifier() or top in mwaa_names or top in _NEVER_CARRIED
                    or top in sys.stdlib_module_names or top.lower().replace("_", "-") in installed):
                continue
            if top not in located:
                located[top] = _locate(folders, roots, inside, top)
            # A module importing its own name (``from honeybadger import honeybadger`` in a
            # honeybadger.py) means the distribution: on the path under that name, the file
            # would import itself half-initialised.
            if located[top] is not None and located[top][0] != path:
                importers.setdefault(top, set()).add(path)
    found = {name: located[name] for name in importers}
    return [OutsidePackage(name, source, is_package, tuple(sorted(importers[name])))
            for name, (source, is_package) in sorted(found.items())]


def carried_packages(root: Path, dag_folders: list[str], plugins_folder: str | None,
                     imports: dict[str, Iterable[str]], mwaa_names: set[str], installed: frozenset[str],
                     package_files: Callable[[OutsidePackage], list[tuple[str, str]]]
                     ) -> tuple[list[OutsidePackage], list[tuple[str, str]]]:
    """``outside_packages`` followed through what they import in turn: the packages (sorted) and
    their files as (project path, plugins.zip path) from ``package_files``."""
    imports = dict(imports)
    carried: dict[str, OutsidePackage] = {}
    files: list[tuple[str, str]] = []
    folders = _Folders(root)
    while True:
        found = [p for p in outside_packages(root, dag_folders, plugins_folder, imports,
                                             mwaa_names | set(carried), installed, folders)
                 if p.name not in carried]
        if not found:
            return sorted(carried.values(), key=lambda p: p.name), files
        for package in found:
            carried[package.name] = package
            for src, dest in package_files(package):
                files.append((src, dest))
                if src.endswith(".py"):
                    module = ModuleFacts.from_file(root, root / src, "")
                    imports[src] = {i.qualname for i in module.imports if not getattr(i.node, "level", 0)}


def python_files_of(root: Path, package: OutsidePackage) -> list[tuple[str, str]]:
    """The .py files of a package (or the module itself), as (project path, plugins.zip path)."""
    if not package.is_package:
        return [(package.source, package.zip_path)]
    base = root / package.source
    return [(p.relative_to(root).as_posix(), f"{package.name}/{p.relative_to(base).as_posix()}")
            for p in sorted(base.rglob("*.py")) if p.is_file() and "__pycache__" not in p.parts]


def _locate(folders: _Folders, roots: list[str], inside: list[str], top: str) -> tuple[str, bool] | None:
    """(project path, is a package) of the top-level module ``top`` under the first import root
    holding it, outside the DAG and plugins folders; None when no root does."""
    for base in roots:
        folder = f"{base}/{top}" if base else top
        if any(folder == f or folder.startswith(f + "/") for f in inside):
            continue  # on MWAA's path already, as the DAG or plugins folder's own module
        entries = folders.entries(base) or {}
        if entries.get(top, _ABSENT).is_dir and (
                (folders.entries(folder) or {}).get("__init__.py", _ABSENT).is_file or folders.holds_python(folder)):
            return folder, True
        if entries.get(f"{top}.py", _ABSENT).is_file:
            return f"{folder}.py", False
    return None


@dataclass(frozen=True)
class MissingModule:
    """A module the code imports from one of the project's own packages that the project does
    not hold: on-prem it came from somewhere else (a file kept out of version control, another
    checkout on ``PYTHONPATH``); on MWAA the import fails."""

    module: str  # the first dotted name that does not exist: igf_airflow.utils
    package: str  # project path of the package that should hold it: igf_airflow
    importers: tuple[str, ...]  # project files importing it (sorted)
    ignored_by: str | None = None  # the .gitignore line that keeps it out of version control


def missing_modules(root: Path, packages: dict[str, list[str]], imports: dict[str, Iterable[str]],
                    optional: dict[str, Iterable[str]] | None = None) -> list[MissingModule]:
    """Imports of modules under the project's own packages that no file of the project holds.

    ``packages``: top-level name -> the project folders holding that package as MWAA sees it
    (under a DAG folder, the plugins folder, or a package the bundle carries). ``imports``:
    project file -> the dotted names it imports (absolute; relative imports resolved).
    ``optional``: names a file imports only inside ``try/except ImportError`` (never reported).

    Only what must be a module is judged: in ``from a.b.c import d`` the ``a.b.c`` part, and a
    last name under a folder without ``__init__.py`` (a namespace package defines nothing
    else). A package whose ``__init__.py`` touches ``__path__`` or defines ``__getattr__`` can
    find its modules elsewhere, and is left alone.
    """
    optional = optional or {}
    found: dict[str, tuple[str, set[str]]] = {}
    verdicts: dict[str, tuple[str, str] | None] = {}
    folders = _Folders(root)
    for path, names in imports.items():
        skip = set(optional.get(path, ()))
        for qualname in names:
            top = qualname.split(".", 1)[0]
            if top not in packages or qualname in skip or "." not in qualname:
                continue
            if qualname not in verdicts:
                parts = qualname.split(".")
                misses = [_first_missing(folders, folder, parts) for folder in packages[top]]
                verdicts[qualname] = misses[0] if misses and all(misses) else None
            verdict = verdicts[qualname]
            if verdict is not None:
                module, package = verdict
                found.setdefault(module, (package, set()))[1].add(path)
    ignores = _GitIgnores(root)
    result = []
    for module, (package, importers) in sorted(found.items()):
        expected = f"{package}/{module.rsplit('.', 1)[1]}"
        result.append(MissingModule(module, package, tuple(sorted(importers)),
                                    ignores.line_for(expected + ".py") or ignores.line_for(expected, folder=True)))
    return result


def project_packages(root: Path, folders: list[str], installed: frozenset[str]) -> dict[str, list[str]]:
    """Top-level name -> project folders of the packages at the top of ``folders`` (the DAG and
    plugins folders): what MWAA's sys.path finds there under that name. Names an installed
    package (``installed``: canonical distribution names), the standard library or Airflow
    take are left out: those come first on MWAA's path (Airflow appends the DAG folder)."""
    packages: dict[str, list[str]] = {}
    for folder in folders:
        base = root / folder
        try:
            names = sorted(os.listdir(base))
        except OSError:
            continue
        for name in names:
            if (not name.isidentifier() or name == "airflow" or name in sys.stdlib_module_names
                    or canonicalize_name(name) in installed or not _probe(base / name, "dir")):
                continue
            # A folder without __init__.py is a package only when it holds code (not a folder
            # of SQL or YAML that happens to share a module's name).
            if _probe(base / name / "__init__.py", "file") or any((base / name).rglob("*.py")):
                packages.setdefault(name, []).append(name if folder == "." else f"{folder}/{name}")
    return packages


def _probe(path: Path, kind: str) -> bool:
    """``path.is_dir()`` / ``is_file()`` / ``exists()`` that answers False when a folder on the
    way cannot be searched (no permission) instead of raising."""
    try:
        return path.is_dir() if kind == "dir" else path.is_file() if kind == "file" else path.exists()
    except OSError:
        return False


def _first_missing(folders: _Folders, folder: str, parts: list[str]) -> tuple[str, str] | None:
    """(the first missing module, the project folder that should hold it) of an import of
    ``parts`` whose first part is the package in ``folder``; None when it resolves, when
    nothing says the missing part must be a module, or when a folder cannot be read (the MIG
    rules report that; a missing module is never claimed on a guess)."""
    current = folder
    for index in range(1, len(parts)):
        names = folders.entries(current)
        if names is None:
            return None  # not a folder (a module: what follows is a name in it), or unreadable
        has_init = "__init__.py" in names
        if has_init and folders.extends_itself(current):
            return None
        name = parts[index]
        if names.get(name, _ABSENT).is_dir:
            current = f"{current}/{name}"
            continue
        if any(entry.startswith(name + ".") for entry in names):
            return None  # a module (.py, an extension): what follows is a name in it
        # ``from a.b import c``: c may be a name a/b/__init__.py defines, unless more follows
        # (then it was part of the module path) or there is no __init__.py to define it.
        if index == len(parts) - 1 and has_init:
            return None
        return ".".join(parts[:index + 1]), current
    return None


class _Entry(NamedTuple):
    is_dir: bool
    is_file: bool  # both as stat sees them: through symbolic links


_ABSENT = _Entry(False, False)


class _Folders:
    """The project's folders, each listed once, and what is asked of them: the import lookups
    ask the same few folders about thousands of names (a stat per question cost seconds)."""

    def __init__(self, root: Path) -> None:
        self.root = os.fspath(root)
        self._entries: dict[str, dict[str, _Entry] | None] = {}
        self._python: dict[str, bool] = {}
        self._extends: dict[str, bool] = {}

    def entries(self, folder: str) -> dict[str, _Entry] | None:
        """Name -> kind of what ``folder`` (project path, "" the root) holds; None when it is not
        a folder or cannot be read."""
        if folder not in self._entries:
            try:
                with os.scandir(os.path.join(self.root, folder)) as listing:
                    self._entries[folder] = {entry.name: _kind(entry) for entry in listing}
            except OSError:
                self._entries[folder] = None
        return self._entries[folder]

    def holds_python(self, folder: str) -> bool:
        """Whether a .py file is anywhere under ``folder``."""
        if folder not in self._python:
            self._python[folder] = any(Path(self.root, folder).rglob("*.py"))
        return self._python[folder]

    def extends_itself(self, folder: str) -> bool:
        """Whether the package's ``__init__.py`` may find its modules elsewhere."""
        if folder not in self._extends:
            path = Path(self.root, folder, "__init__.py")
            data = read_bytes(path, for_facts=True)
            self._extends[folder] = isinstance(data, bytes) and _extends(data)
            if isinstance(data, bytes):
                read_answer(path, _extends, self._extends[folder])
        return self._extends[folder]


def _extends(init: bytes) -> bool:
    return _EXTENDS.search(init) is not None


def _kind(entry: os.DirEntry) -> _Entry:
    try:
        return _Entry(entry.is_dir(), entry.is_file())
    except OSError:
        return _ABSENT


_EXTENDS = re.compile(rb"__path__|__getattr__|pkgutil|pkg_resources")


class _GitIgnores:
    """The project's .gitignore files, asked which line keeps a path out of version control."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._specs: dict[str, list[tuple[str, object]]] = {}

    def _lines(self, folder: str) -> list[tuple[str, object]]:
        if folder not in self._specs:
            import pathspec

            entries = []
            path = self.root / folder / ".gitignore" if folder else self.root / ".gitignore"
            data = read_bytes(path) if path.is_file() else None
            if isinstance(data, bytes):
                for line in data.decode("utf-8", "replace").splitlines():
                    text = line.strip()
                    if text and not text.startswith("#"):
                        try:
                            entries.append((text, pathspec.GitIgnoreSpec.from_lines([text.removeprefix("!")])))
                        except (ValueError, re.error):  # a line git itself would not match anything with
                            continue
            self._specs[folder] = entries
        return self._specs[folder]

    def line_for(self, rel: str, folder: bool = False) -> str | None:
        """``.gitignore: api_credentials.py`` when a .gitignore keeps ``rel`` (a file, or a
        folder) out of version control: the last line that matches wins, as in git."""
        parts = rel.split("/")
        hit = None
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            rest = "/".join(parts[depth:]) + ("/" if folder else "")
            for text, spec in self._lines(base):
                pattern = text.removeprefix("!")
                if spec.match_file(rest):
                    name = f"{base}/.gitignore" if base else ".gitignore"
                    hit = None if text.startswith("!") else f"{name}: {pattern}"
        return hit
