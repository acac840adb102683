"""The one DAG count every command reports: scan's inventory, size, package and migrate.

- Counted modules: the Python files of the DAG folders that the DAG processor parses (those a
  project's ``.airflowignore`` matches are left out; plugins and helpers elsewhere never count).
- A DAG file is such a module that defines at least one DAG.
- DAGs: one per distinct id among the DAGs built once with an id known statically (an id two
  files define is one DAG: Airflow keeps one, MWA017 reports the other; a loop over a literal
  or a ``range`` is unrolled, as sizing models it), plus the DAGs whose id is made at run time.
  A loop over what only running the code tells, or a factory not called in its module, counts
  one per construction site and makes the count "at least" (``dags_text`` says so in the same
  words everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migrator.analysis.python import ModuleFacts
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


def dags_built(module: ModuleFacts) -> tuple[tuple[str, ...], int, bool]:
    """What one module builds when imported: the ids of the DAGs built once each (loops over
    literals and functions called in the module unrolled, as sizing models them), the number
    of the other DAGs, and whether that number is a lower bound."""
    dags = module.dags
    if not any(d.in_loop for d in dags):
        return tuple(sorted({d.dag_id for d in dags if d.dag_id})), sum(1 for d in dags if not d.dag_id), False
    from migrator.sizing.facts import read_modules

    ids: set[str] = set()
    others, at_least = 0, False
    for dag in read_modules([module])[0].dags:
        if dag.dag_id_is_pattern or dag.copies != 1 or dag.copies_estimated:
            others += dag.copies
            at_least = at_least or dag.copies_estimated
        else:
            ids.add(dag.dag_id)
    return tuple(sorted(ids)), others, at_least


def count_dags(summaries: Iterable[ModuleSummary]) -> DagCount:
    """The count over the summaries of the modules the DAG processor parses."""
    static_ids: set[str] = set()
    others = files = 0
    at_least = False
    for summary in summaries:
        if not summary.dag_count:
            continue
        files += 1
        static_ids.update(summary.built_dag_ids)
        others += summary.other_dags_built
        at_least = at_least or summary.dag_count_estimated
    return DagCount(len(static_ids) + others, files, at_least)


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
