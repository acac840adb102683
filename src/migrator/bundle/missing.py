"""What shipped code imports or names that the bundle does not carry: excluded files, and
files outside the DAG and plugins folders (MWAA has only dags/ and plugins.zip)."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from migrator.bundle.facts import ExcludedImport, FactsDraft, NamedFile
from migrator.bundle.model import Excluded, Source
from migrator.bundle.needs import Needs
from migrator.bundle.walk import UNSHIPPED_FOLDERS, is_test_module, join_path

if TYPE_CHECKING:
    from migrator.workspace import Workspace


def excluded_but_needed(root: Path, shipped: list[Source], excluded: list[Excluded],
                        needs: Needs, dag_folders: list[str], plugins_folder: str | None,
                        found: FactsDraft) -> None:
    """Excluded files that shipped code imports or names, recorded in ``found``."""
    reasons = {e.path: e.reason for e in excluded}
    bases = [*dag_folders, *([plugins_folder] if plugins_folder else [])]
    # Only names whose first part is a file or folder at the top of a DAG or plugins folder
    # can be local; everything else (airflow, pandas, ...) is skipped without a look.
    tops = {entry.split(".", 1)[0] for base in bases for entry in _listdir(root / base)}
    shipped_modules = set(needs.module_index)
    verdicts: dict[str, tuple[str, str] | None] = {}
    for source in shipped:
        if not source.is_python:
            continue
        for qualname in needs.imports_of(source):
            parts = qualname.split(".")
            if parts[0] not in tops:
                continue
            for n in range(1, len(parts) + 1):
                name = ".".join(parts[:n])
                if name in shipped_modules:
                    continue
                if name not in verdicts:
                    verdicts[name] = _excluded_module(name, bases, reasons)
                hit = verdicts[name]
                if hit:
                    path, reason = hit
                    found.add("excluded_imports", ExcludedImport(source.src, name, path, reason))
                    break
    for item in excluded:
        if item.path.endswith("/") or item.reason.startswith(_HARMLESS_TO_NAME):
            continue
        base = PurePosixPath(item.path).name
        if base in needs.words and not is_test_module(base):
            user = next((src for src, text in needs.texts.items() if base in text), "")
            found.add("excluded_names", NamedFile(user, base, item.path, item.reason))


# Excluded files whose absence on MWAA is expected even when code mentions them.
_HARMLESS_TO_NAME = ("compiled Python", "editor, OS", "requirements file", "project settings",
                     "docker-compose", "Dockerfile", "container entrypoint", "replaced by the",
                     "test module", "start-up script", "OS package list")


# Files a task reads at run time (templates, queries, scripts, small configs).
_DATA_SUFFIXES = (".sql", ".hql", ".sh", ".j2", ".jinja", ".jinja2", ".tpl", ".yaml", ".yml",
                  ".json", ".csv", ".tsv", ".txt", ".html", ".py", ".r")


def named_outside(root: Path, workspace: Workspace, needs: Needs, folders: list[str | None],
                  out: Path) -> list[NamedFile]:
    """Files outside the DAG and plugins folders that shipped code names: MWAA only has what
    is in dags/ and plugins.zip (an Astro ``include/`` folder, a top-level ``sql/``)."""
    roots = {f for f in folders if f}
    if "." in roots:
        return []  # the whole project is the DAG folder
    known = {*workspace.requirement_files, *workspace.airflow_cfgs, *workspace.env_files,
             *workspace.compose_files, *workspace.dockerfiles, *workspace.entrypoints,
             *workspace.connection_exports, *workspace.startup_scripts,
             *workspace.os_package_lists, "pyproject.toml", ".migrator.toml", "setup.py"}
    try:
        out_rel = out.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        out_rel = None
    outside: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in UNSHIPPED_FOLDERS and join_path(rel_dir, d) not in roots
            and join_path(rel_dir, d) != out_rel
            and not d.startswith("."))
        outside += [join_path(rel_dir, f) for f in sorted(filenames)
                    if f.lower().endswith(_DATA_SUFFIXES) and join_path(rel_dir, f) not in known
                    and not f.startswith(".")]
    named = []
    for rel in outside:
        name = PurePosixPath(rel).name
        if name in needs.words:
            user = next((src for src, text in needs.texts.items() if name in text), "")
            named.append(NamedFile(user, name, rel))
    return named


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _excluded_module(name: str, bases: list[str], reasons: dict[str, str]
                     ) -> tuple[str, str] | None:
    """(path, reason) when the module ``name`` is a file the bundle leaves out."""
    relative = name.replace(".", "/")
    for base in bases:
        for candidate in (f"{relative}.py", f"{relative}/__init__.py"):
            path = join_path(base, candidate)
            if path in reasons:
                return path, reasons[path]
            folder = path
            while "/" in folder:  # the file's folders, innermost first
                folder = folder.rsplit("/", 1)[0]
                if folder + "/" in reasons:
                    return path, reasons[folder + "/"]
    return None
