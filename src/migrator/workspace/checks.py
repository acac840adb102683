"""The input errors discovery raises rather than scan nothing: a configured folder that is not
there, Airflow files no folder covers, several independent projects under one root; and which
files are tests."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from migrator.config import Settings
from migrator.errors import InputError
from migrator.workspace.folders import _imports_airflow, _is_test_file
from migrator.workspace.kinds import _COMPOSE, _DOCKERFILE


def _check_nothing_left_out(root: Path, py_files: list[str]) -> None:
    """An input error when Python files outside tests import Airflow but none is analysed."""
    airflow_files = [rel for rel in py_files if not _is_test_file(rel) and _imports_airflow(root / rel)]
    if airflow_files:
        shown = ", ".join(airflow_files[:3]) + (f" and {len(airflow_files) - 3} more" if len(airflow_files) > 3 else "")
        raise InputError(f"{root}: {len(airflow_files)} Python file(s) import Airflow ({shown}) but no DAG "
                         "folder holds them; name the DAG folders with [tool.migrator] dags")


def _check_configured_folder(root: Path, folder: str, what: str, settings: Settings) -> None:
    path = root / folder
    if not path.is_dir():
        raise InputError(f"{path}: {what} named in {settings.source} does not exist")
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise InputError(f"{path}: {what} named in {settings.source} leads outside the project "
                         f"(to {real}); name a folder inside it")


# Files that make their folder an Airflow deployment of its own: what starts or configures
# one. (A requirements.txt does not: a monorepo's root often holds one for its tooling.)
_PROJECT_MARKERS = (_COMPOSE, _DOCKERFILE, re.compile(r"^airflow\.cfg$"))


class SeveralProjectsError(InputError):
    """The repository holds several independent Airflow projects: each is migrated on its own."""

    def __init__(self, root: Path, projects: list[str]) -> None:
        shown = projects[:12]
        more = f" and {len(projects) - len(shown)} more" if len(projects) > len(shown) else ""
        super().__init__(
            f"{root}: holds {len(projects)} independent Airflow projects (DAG folders each beside "
            f"its own compose file, Dockerfile or airflow.cfg): {', '.join(shown)}{more}. "
            f"Run the command on each project, e.g. `migrator scan {root / shown[0]}`, or name the "
            "DAG folders to treat as one project with [tool.migrator] dags")
        self.projects = projects


def _check_one_project(root: Path, dag_folders: list[str], files: list[tuple[str, str]]) -> None:
    """Raise ``SeveralProjectsError`` when the DAG folders belong to different projects.

    A DAG folder's project is the nearest folder at or above it that holds a project marker.
    When the root holds one, everything is the root's project. Otherwise two or more marked
    projects, neither inside the other, are independent (a book's chapters, a monorepo of
    teams), and a DAG folder with no marker above it is a project of its own (its parent).
    """
    if len(set(dag_folders)) < 2:
        return
    marked = {str(PurePosixPath(rel).parent) for rel, name in files
              if any(marker.match(name) for marker in _PROJECT_MARKERS)}
    if "." in marked:
        return

    def project_of(folder: str) -> str | None:
        path = PurePosixPath(folder)
        return next((str(p) for p in [path, *path.parents][:-1] if str(p) in marked), None)

    owners = {folder: project_of(folder) for folder in dag_folders}
    projects = {p for p in owners.values() if p is not None}
    outermost = {p for p in projects if not any(p.startswith(other + "/") for other in projects)}
    if len(outermost) > 1:
        loose = {str(PurePosixPath(folder).parent) for folder, owner in owners.items() if owner is None}
        raise SeveralProjectsError(root, sorted(outermost | loose))
