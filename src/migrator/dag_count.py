"""The one DAG count every command reports: scan's inventory, size, package and migrate.

- Counted modules: the Python files of the DAG folders that the DAG processor parses (those a
  project's ``.airflowignore`` matches are left out; plugins and helpers elsewhere never count).
- A DAG file is such a module that defines at least one DAG.
- DAGs: one per distinct id among the DAGs built once with an id known statically (an id two
  files define is one DAG: Airflow keeps one, MWA017 reports the other), plus one per other
  construction site (an id built at run time, a loop, a factory function). A site inside a loop
  or a factory may build more than one, so the count is then "at least" (``dags_text`` says so
  in the same words everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migrator.project import ModuleSummary, ProjectFacts
    from migrator.workspace import Workspace


@dataclass(frozen=True)
class DagCount:
    dags: int = 0
    files: int = 0  # modules that define at least one DAG
    at_least: bool = False  # a construction site may build more DAGs than it counts for

    def text(self) -> str:
        """``"17 DAGs in 15 DAG files"`` or ``"at least 15 DAGs in 15 DAG files"``."""
        return f"{dags_text(self.dags, self.at_least)} in {self.files} DAG file{'s' * (self.files != 1)}"


def dags_text(dags: int, at_least: bool) -> str:
    return f"{'at least ' if at_least else ''}{dags} DAG{'s' * (dags != 1)}"


def count_dags(summaries: Iterable[ModuleSummary]) -> DagCount:
    """The count over the summaries of the modules the DAG processor parses."""
    static_ids: set[str] = set()
    other_sites = files = 0
    at_least = False
    for summary in summaries:
        if not summary.dag_count:
            continue
        files += 1
        static_ids.update(dag_id for dag_id, _ in summary.single_dag_ids)
        other_sites += summary.dag_count - len(summary.single_dag_ids)
        at_least = at_least or summary.dag_count_estimated
    return DagCount(len(static_ids) + other_sites, files, at_least)


def dag_folder_files(workspace: Workspace) -> list[str]:
    """The Python files of the project's DAG folders."""
    folders = workspace.dag_folders
    return [rel for rel in workspace.python_files
            if any(f == "." or rel.startswith(f.rstrip("/") + "/") for f in folders)]


def ignored_files(project: ProjectFacts, files: list[str]) -> frozenset[str]:
    """DAG-folder files the project's .airflowignore files keep from the DAG processor, read
    in the syntax the project wrote them for (the bundle carries that meaning to MWAA)."""
    from migrator.airflowignore import find_ignored
    from migrator.bundle import project_ignore_syntax

    workspace = project.workspace
    if not workspace.airflowignores:
        return frozenset()
    syntax = project_ignore_syntax(project)
    ignored: set[str] = set()
    for folder in workspace.dag_folders:
        prefix = "" if folder == "." else folder.rstrip("/") + "/"
        skipped = find_ignored(workspace.root, folder, syntax).ignored
        for rel in files:
            if not rel.startswith(prefix):
                continue
            inside = rel[len(prefix):]
            parts = inside.split("/")
            if inside in skipped or any("/".join(parts[:i]) + "/" in skipped for i in range(1, len(parts))):
                ignored.add(rel)
    return frozenset(ignored)


def parsed_dag_files(project: ProjectFacts) -> list[str]:
    """DAG-folder files the DAG processor parses: the modules the count is over."""
    files = dag_folder_files(project.workspace)
    ignored = ignored_files(project, files)
    return [rel for rel in files if rel not in ignored]


def project_dag_count(project: ProjectFacts) -> DagCount:
    """The count for a scanned project (its module summaries)."""
    parsed = set(parsed_dag_files(project))
    return count_dags(m for m in project.modules if m.path in parsed)
