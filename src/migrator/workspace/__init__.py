"""Workspace discovery: find every part of an Airflow project the way a migration engineer would.

DAG folders come from, in order: ``[tool.migrator] dags``; airflow.cfg ``dags_folder``;
docker-compose volumes mounted at ``/opt/airflow/dags`` or ``/usr/local/airflow/dags``; folders
named ``dags`` (``dags/``, ``src/dags/``, ``<pkg>/dags/``); and, when none exists, by content:
the root when a file at the top builds a DAG, else each top-level folder holding files that
build DAGs (1.x-era repos keep them in ``etl/``, ``poc/``, ...). Test fixtures (a ``dags/``
under ``tests/``) are never DAG folders. A repo can have several DAG folders; DAG folders that
belong to different deployments (each beside its own compose file, Dockerfile or airflow.cfg)
make the repository a collection of projects, an input error naming each one. Python files that
import Airflow with none of them analysed is an input error too, never an empty, passing scan.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from stat import S_ISLNK, S_ISREG
from typing import TYPE_CHECKING

from migrator.config import Settings
from migrator.errors import InputError
from migrator.safe_write import TEMP_SUFFIX
from migrator.workspace.folders import (
    _cfg_folders,
    _compose_folders,
    _dag_folders_by_content,
    _in_test_folder,
    _is_test_file,
    airflow_code_named_like_a_test,
    is_v1_compose_service,
)
from migrator.workspace.kinds import (
    _COMPOSE,
    _CONN_EXPORT,
    _DOCKERFILE,
    _ENTRYPOINT,
    _OS_PACKAGES,
    _POOL_TABLE,
    _REQUIREMENTS,
    _REQUIREMENTS_FOLDER,
    _REQUIREMENTS_FOLDER_FILE,
    _STARTUP,
    _TEST_RUN_CONFIG,
    _TEST_RUN_FOLDERS,
    NAMED_EXPORT,
)

if TYPE_CHECKING:
    import pathspec

__all__ = ["LEFTOVER_REASON", "MAX_DAG_FOLDER_DEPTH", "PACKAGING_OUTPUT_DIRS", "SKIP_DIRS", "Workspace",
    "discover", "is_v1_compose_service", "printable_path", "unusable_name_reason"]


# Why a temp file or staging folder of this tool (``TEMP_SUFFIX``) is neither analysed nor shipped.
LEFTOVER_REASON = "left by an interrupted migrator run"
# Folders no Airflow project wants scanned.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", ".eggs", "site-packages",
    ".migrator-cache", ".idea", ".vscode",
})
# Of those, the folders packaging tools write (``python -m build``, setuptools): a folder of that
# name holding an ``__init__.py`` is a package of the project's own code (a team named "dist"),
# which the bundle ships and MWAA parses, so it is scanned like any other.
PACKAGING_OUTPUT_DIRS = frozenset({"build", "dist"})
MAX_DAG_FOLDER_DEPTH = 3


@dataclass
class Workspace:
    root: Path
    settings: Settings
    dag_folders: list[str] = field(default_factory=list)  # POSIX, relative to root ("." = root)
    plugins_folder: str | None = None
    python_files: list[str] = field(default_factory=list)  # DAG folders + plugins, sorted
    # Every other non-test .py file of the repo: candidates for helper modules DAGs import from
    # outside the DAG and plugins folders (an Astro-style include/, a src/ package).
    other_python_files: frozenset[str] = frozenset()
    # Python files named like tests (``test_*.py``) outside test folders: a test, unless code
    # imports it (``test_verification.py`` holding helpers), when it is code the bundle ships.
    test_named_files: frozenset[str] = frozenset()
    requirement_files: list[str] = field(default_factory=list)
    airflow_cfgs: list[str] = field(default_factory=list)
    env_files: list[str] = field(default_factory=list)  # .env*
    compose_files: list[str] = field(default_factory=list)
    dockerfiles: list[str] = field(default_factory=list)
    entrypoints: list[str] = field(default_factory=list)
    connection_exports: list[str] = field(default_factory=list)
    pool_tables: list[str] = field(default_factory=list)  # pools*.csv
    airflowignores: list[str] = field(default_factory=list)
    startup_scripts: list[str] = field(default_factory=list)
    os_package_lists: list[str] = field(default_factory=list)
    test_run_configs: list[str] = field(default_factory=list)  # tox.ini, CI workflows
    # The other files of the DAG and plugins folders (outside test folders): what a bundle
    # carries besides code.
    data_files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def path(self, rel: str) -> Path:
        return self.root / rel

    @property
    def leftovers(self) -> list[str]:
        """Temp files and folders killed runs of this tool left (named ``*TEMP_SUFFIX``)."""
        return [path for path, reason in self.skipped if reason == LEFTOVER_REASON]

    def sources(self) -> dict[str, list[str]]:
        """Every discovered source by kind (the JSON inventory's ``sources``)."""
        return {
            "dag_folders": self.dag_folders,
            "plugins_folder": [self.plugins_folder] if self.plugins_folder else [],
            "requirements": self.requirement_files,
            "airflow_cfg": self.airflow_cfgs,
            "env_files": self.env_files,
            "docker_compose": self.compose_files,
            "dockerfiles": self.dockerfiles,
            "entrypoint_scripts": self.entrypoints,
            "connection_exports": self.connection_exports,
            "pool_tables": self.pool_tables,
            "airflowignore": self.airflowignores,
            "startup_scripts": self.startup_scripts,
            "os_package_lists": self.os_package_lists,
        }

    def files_for_imports(self, qualnames: list[str] | set[str]) -> list[str]:
        """Repo files outside the DAG/plugins folders that these imported names live in.

        ``include.helpers.clean`` is looked up as ``include/helpers/clean.py``, then
        ``include/helpers.py``, ``include/helpers/__init__.py`` and so on, also under ``src/``.
        A test-named module is found there and in the DAG and plugins folders: imported by code,
        it is code (the scan reads only non-test files, so every importer here is code).
        """
        found: set[str] = set()
        # Each test-named file by the module path it is imported as from each base it is under.
        test_named: dict[str, list[str]] = {}
        for base in dict.fromkeys(["", "src/", *(f"{r}/" for r in self._import_roots if r != ".")]):
            for rel in sorted(self.test_named_files):
                if rel.startswith(base):
                    test_named.setdefault(rel[len(base):-len(".py")], []).append(rel)
        for qualname in qualnames:
            parts = qualname.split(".")
            for end in range(len(parts), 0, -1):
                stem = "/".join(parts[:end])
                hits = [c for base in ("", "src/") for c in (f"{base}{stem}.py", f"{base}{stem}/__init__.py")
                        if c in self.other_python_files]
                hits += test_named.get(stem, [])
                if hits:
                    found.update(hits)
                    break
        return sorted(found)

    def module_name(self, rel: str) -> str:
        """Dotted module name of a Python file as its DAG folder or plugins folder imports it."""
        return _module_name(frozenset(self._import_roots), rel)

    @property
    def _import_roots(self) -> list[str]:
        roots = [*self.dag_folders, *([self.plugins_folder] if self.plugins_folder else [])]
        return [r.rstrip("/") for r in roots]


@lru_cache(maxsize=1 << 16)  # asked for each file by most project-level passes
def _module_name(import_roots: frozenset[str], rel: str) -> str:
    # The nearest folder above the file that is an import root: the deepest one wins (a plugins
    # folder inside a DAG folder), the project root (".") only when no other is above it.
    best = rel if "." in import_roots else None
    folder = rel
    while "/" in folder:
        folder = folder.rpartition("/")[0]
        if folder in import_roots:
            best = rel[len(folder) + 1:]
            break
    parts = (best or rel).removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if best is None and parts and parts[0] == "src":
        parts.pop(0)  # a src/ layout imports without the "src." prefix
    return ".".join(parts)


# Control characters in a name (a newline, an escape) would split or rewrite report lines,
# diff headers and generated .airflowignore lines.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def unusable_name_reason(name: str) -> str | None:
    """Why a file or folder name cannot be carried through reports and S3, or None.

    A name that is not UTF-8 reaches Python with surrogate escapes: it can be neither printed,
    nor written to JSON, nor used as an S3 object key (which must be UTF-8).
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8 (S3 object keys and reports need UTF-8)"
    if _CONTROL_CHARACTERS.search(name):
        return "name contains control characters (a newline, a tab, an escape)"
    return None


def printable_path(rel: str) -> str:
    """``rel`` with undecodable bytes and control characters escaped, safe on one report line."""
    text = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL_CHARACTERS.sub(lambda m: repr(m.group(0))[1:-1], text)


def _walk(root: Path, excluded: pathspec.PathSpec, skipped: list[tuple[str, str]]):
    """Yield (relative POSIX path, file name) of files under root, never leaving it or looping.
    On strings and one lstat per file: a project has tens of thousands of files."""
    real_root = root.resolve()
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=None):
        current = Path(dirpath)
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        try:
            stat = os.stat(dirpath)
            if (stat.st_dev, stat.st_ino) in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add((stat.st_dev, stat.st_ino))
        except OSError:
            dirnames[:] = []
            continue
        kept = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir != "." else name
            full = current / name
            if ((name in SKIP_DIRS and not _is_code_package(name, full)) or name.endswith(".egg-info")
                    or excluded.match_file(rel + "/")):
                continue
            unusable = unusable_name_reason(name)
            if unusable:
                skipped.append((printable_path(rel), f"folder {unusable}"))
                continue
            if name.endswith(TEMP_SUFFIX):
                skipped.append((rel, LEFTOVER_REASON))
                continue
            if full.is_symlink():
                skipped.append((rel, "symlinked folder not followed"))
                continue
            if not os.access(full, os.R_OK | os.X_OK):
                skipped.append((rel, "folder is not readable"))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir != "." else name
            if excluded.match_file(rel):
                continue
            unusable = unusable_name_reason(name)
            if unusable:
                skipped.append((printable_path(rel), f"file {unusable}"))
                continue
            if name.endswith(TEMP_SUFFIX):
                skipped.append((rel, LEFTOVER_REASON))
                continue
            full = os.path.join(dirpath, name)
            try:
                mode = os.lstat(full).st_mode
            except OSError:
                mode = 0
            if S_ISLNK(mode):
                try:
                    target = Path(full).resolve(strict=True)
                except (OSError, RuntimeError):
                    skipped.append((rel, "broken or looping symlink"))
                    continue
                if real_root not in target.parents:
                    skipped.append((rel, "symlink points outside the project"))
                    continue
                regular = os.path.isfile(full)
            else:
                regular = S_ISREG(mode)
            if not regular:  # FIFOs, sockets, devices: reading them could block forever
                skipped.append((rel, "not a regular file"))
                continue
            yield rel, name


def _is_code_package(name: str, path: Path) -> bool:
    """Whether the folder ``name`` (a packaging tool's output name) is a package of code; an
    unreadable one is not (it stays skipped, as before)."""
    try:
        return name in PACKAGING_OUTPUT_DIRS and (path / "__init__.py").is_file()
    except OSError:
        return False


def discover(root: Path, settings: Settings) -> Workspace:
    # Loaded by discovery alone: a scan whose project stage is kept takes its workspace from
    # the memo and imports neither.
    import pathspec

    from migrator.workspace.checks import (
        _check_configured_folder,
        _check_nothing_left_out,
        _check_one_project,
    )

    if not root.exists():
        raise InputError(f"{root}: no such directory")
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise InputError(f"{root}: directory is not readable")
    ws = Workspace(root=root, settings=settings)
    excluded = pathspec.GitIgnoreSpec.from_lines(settings.exclude)
    files = list(_walk(root, excluded, ws.skipped))

    dag_candidates: list[str] = []
    dag_named: list[str] = []
    py_files: list[str] = []
    for rel, name in files:
        folder = rel.rpartition("/")[0]  # "" at the root
        folder_name = folder.rpartition("/")[2]
        if name.endswith(".py"):
            py_files.append(rel)
        if _REQUIREMENTS.match(name) or (folder_name.lower() == _REQUIREMENTS_FOLDER
                                         and _REQUIREMENTS_FOLDER_FILE.match(name)):
            ws.requirement_files.append(rel)
        elif name == "airflow.cfg":
            ws.airflow_cfgs.append(rel)
        elif name.startswith(".env") and not name.endswith((".example", ".sample", ".template")):
            ws.env_files.append(rel)
        elif _COMPOSE.match(name):
            ws.compose_files.append(rel)
        elif _DOCKERFILE.match(name):
            ws.dockerfiles.append(rel)
        elif _STARTUP.match(name):
            ws.startup_scripts.append(rel)
        elif _ENTRYPOINT.match(name):
            ws.entrypoints.append(rel)
        elif _CONN_EXPORT.match(name) or NAMED_EXPORT.match(name) \
                or name in ("airflow_settings.yaml", "airflow_settings.yml"):
            ws.connection_exports.append(rel)
        elif _POOL_TABLE.match(name):
            ws.pool_tables.append(rel)
        elif name == ".airflowignore":
            ws.airflowignores.append(rel)
        elif _OS_PACKAGES.match(name):
            ws.os_package_lists.append(rel)
        elif _TEST_RUN_CONFIG.match(name) or folder in _TEST_RUN_FOLDERS:
            ws.test_run_configs.append(rel)
        if folder_name == "dags" and folder.count("/") + 1 <= MAX_DAG_FOLDER_DEPTH:
            dag_named.append(folder)

    # Explicit settings win; otherwise every signal adds folders.
    if settings.dags:
        for folder in settings.dags:
            _check_configured_folder(root, folder, "DAG folder", settings)
        dag_candidates = [PurePosixPath(f).as_posix() for f in settings.dags]
    else:
        for cfg in ws.airflow_cfgs:
            dags, plugins = _cfg_folders(root, cfg)
            dag_candidates += [dags] if dags else []
            ws.plugins_folder = ws.plugins_folder or plugins
        for compose in ws.compose_files:
            dags, plugins = _compose_folders(root, compose)
            dag_candidates += dags
            ws.plugins_folder = ws.plugins_folder or plugins
        dag_candidates += dag_named
        dag_candidates = [folder for folder in dag_candidates if not _in_test_folder(folder)]
        if not dag_candidates:
            dag_candidates = _dag_folders_by_content(root, py_files)
        _check_one_project(root, dag_candidates, files)
    ws.dag_folders = sorted(dict.fromkeys(dag_candidates))

    if settings.plugins:
        _check_configured_folder(root, settings.plugins, "plugins folder", settings)
        ws.plugins_folder = PurePosixPath(settings.plugins).as_posix()
    elif ws.plugins_folder is None and (root / "plugins").is_dir():
        ws.plugins_folder = "plugins"

    roots = [*ws.dag_folders, *([ws.plugins_folder] if ws.plugins_folder else [])]

    def in_roots(rel: str) -> bool:
        return any(r == "." or rel.startswith(r.rstrip("/") + "/") for r in roots)

    test_files = {rel for rel in py_files if _is_test_file(rel)
                  and not (in_roots(rel) and airflow_code_named_like_a_test(root / rel))}
    ws.python_files = sorted(rel for rel in py_files if in_roots(rel) and rel not in test_files)
    ws.data_files = [rel for rel, _ in files
                     if not rel.endswith(".py") and in_roots(rel) and not _in_test_folder(rel.rpartition("/")[0])]
    ws.other_python_files = frozenset(set(py_files) - set(ws.python_files) - test_files)
    ws.test_named_files = frozenset(rel for rel in test_files if not _in_test_folder(rel.rpartition("/")[0]))
    if not ws.python_files:
        _check_nothing_left_out(root, py_files)
    return ws
