"""The one DAG count every command reports: scan's inventory, size, package and migrate.

- Counted modules: the Python files of the DAG folders that the DAG processor parses (those a
  project's ``.airflowignore`` matches are left out; plugins and helpers elsewhere never count).
- A DAG file is such a module whose import builds at least one DAG (itself, or by calling a
  factory).
- DAGs: one per distinct id among the DAGs built once with an id known statically (an id two
  files define is one DAG: Airflow keeps one, MWA017 reports the other; a loop over a literal
  or a ``range`` is unrolled, as sizing models it), plus the DAGs whose id is made at run time.
  A loop over what only running the code tells counts one per construction site and makes the
  count "at least" (``dags_text`` says so in the same words everywhere).
- DAG factories: a module-level function that builds DAGs (a ``DAG(...)`` in its body, a
  ``@dag`` function, or a call of another such function of its module) builds them where it is
  called. A DAG file's import-time calls of a factory that another module of the project
  defines (``from mypkg.factory import create_dag``) count as the DAGs one call builds, per call
  (per iteration of a literal loop around it; "at least" when the loop is over what only
  running tells, or when the factory's own count is); a call given as a SubDagOperator's
  ``subdag=`` builds a SubDAG, which runs inside its parent's runs and is not counted. A factory
  nobody calls at import counts in its own module, one per construction site, "at least": other
  code may call it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migrator.sizing.facts import read_modules
from migrator.sizing.facts.loops import Count, loops_between
from migrator.sizing.facts.names import Names

if TYPE_CHECKING:
    from migrator.analysis.python import ModuleFacts
    from migrator.project import ProjectFacts
    from migrator.workspace import Workspace


@dataclass(frozen=True)
class DagCount:
    dags: int = 0
    files: int = 0  # modules whose import builds at least one DAG
    at_least: bool = False  # a construction site may build more DAGs than it counts for

    def text(self) -> str:
        """``"17 DAGs in 15 DAG files"`` or ``"at least 15 DAGs in 15 DAG files"``."""
        return f"{dags_text(self.dags, self.at_least)} in {self.files} DAG file{'s' * (self.files != 1)}"


def dags_text(dags: int, at_least: bool) -> str:
    return f"{'at least ' if at_least else ''}{dags} DAG{'s' * (dags != 1)}"


NOT_PROJECT_PACKAGES = frozenset({"airflow", *sys.stdlib_module_names})


@dataclass(frozen=True)
class DagFactory:
    """A module-level function whose call builds DAGs."""

    name: str  # "package.module.function", as other modules import it
    dags: int  # DAGs one call builds
    at_least: bool  # a loop in it runs over what only running tells
    dag_id: str | None = None  # the id every call builds, when it is known without running


@dataclass(frozen=True)
class FactoryCall:
    """Calls of an imported function made when a module is imported (a candidate factory)."""

    name: str  # what is called, resolved through the imports ("package.module.function")
    calls: int  # times importing the module calls it
    at_least: bool  # a loop around a call runs over what only running tells


@dataclass(frozen=True)
class ModuleDags:
    """What ``migrator.dag_count`` reads from one module (kept in its ``ModuleSummary``)."""

    built_ids: tuple[str, ...] = ()  # DAGs built once each when imported, id known statically
    others: int = 0  # the other DAGs built when imported
    at_least: bool = False  # ``others`` is a lower bound
    uncalled: int = 0  # construction sites in functions the module never calls at import
    factories: tuple[DagFactory, ...] = ()
    factory_calls: tuple[FactoryCall, ...] = ()


def module_dags(module: ModuleFacts) -> ModuleDags:
    """What one module builds when imported (loops over literals and functions called in the
    module unrolled, as sizing models them), the factories it defines, and the imported
    functions it calls at import."""
    dags = module.dags
    calls = _imported_calls(module)
    if not dags and not calls:
        return ModuleDags()
    names = Names(module)
    factory_calls = _factory_calls(module, names, calls)
    if not any(d.in_loop or d.via_decorator for d in dags):
        return ModuleDags(tuple(sorted({d.dag_id for d in dags if d.dag_id})), sum(1 for d in dags if not d.dag_id),
                          factory_calls=factory_calls)
    ids: set[str] = set()
    others = uncalled = 0
    at_least = False
    for dag in read_modules([module], tasks=False)[0].dags:
        if dag.factory_loops is not None:  # built only through a function this module never calls
            uncalled += dag.copies
        elif dag.dag_id_is_pattern or dag.copies != 1 or dag.copies_estimated:
            others += dag.copies
            at_least = at_least or dag.copies_estimated
        else:
            ids.add(dag.dag_id)
    return ModuleDags(tuple(sorted(ids)), others, at_least, uncalled, _factories(module, names), factory_calls)


def _imported_calls(module: ModuleFacts) -> list[tuple[ast.Call, str]]:
    """Calls, run at import, of names the module imports from neither Airflow nor the standard
    library: where the project's own factories may be."""
    return [(call, qualname) for call, qualname in module.calls
            if qualname and qualname.split(".", 1)[0] not in NOT_PROJECT_PACKAGES and module.runs_at_import(call)]


def _factory_calls(module: ModuleFacts, names: Names, calls: list[tuple[ast.Call, str]]) -> tuple[FactoryCall, ...]:
    by_name: dict[str, Count] = {}
    for call, qualname in calls:
        count = loops_between(module, names, call, None)
        if module.executing_function(call) is not None:  # in a function called at import: how often is not read
            count = count.times(Count(1, True))
        if _builds_subdag(module, call):  # its DAG runs inside the parent's runs: not one of the count's
            count = Count(0)
        by_name[qualname] = by_name[qualname].plus(count) if qualname in by_name else count
    return tuple(FactoryCall(name, count.value, count.estimated) for name, count in sorted(by_name.items()))


def _builds_subdag(module: ModuleFacts, call: ast.Call) -> bool:
    """True for the call given as a SubDagOperator's ``subdag=``."""
    keyword = module.parents.get(call)
    return isinstance(keyword, ast.keyword) and keyword.arg == "subdag"


def _top_function(module: ModuleFacts, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The module-level function ``node`` is in (None at module level, or in a class)."""
    found = None
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, ast.ClassDef):
            return None
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found = ancestor
    return found


def _factories(module: ModuleFacts, names: Names) -> tuple[DagFactory, ...]:
    """The module-level functions whose call builds DAGs, with how many one call builds."""
    if not module.module_name:
        return ()
    top_level = {f.name: f for f in module.tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    # Per module-level function, what it builds itself ((copies, id) per DAG) and which of the
    # others it calls (callee, calls), counted with the loops between the site and the function.
    sites: dict[ast.AST, list[tuple[Count, str | None]]] = {}
    for dag in module.dags:
        if dag.via_decorator and dag.node in top_level.values():  # calling it builds the DAG
            sites.setdefault(dag.node, []).append((Count(1), dag.dag_id))
        elif not dag.via_decorator and (function := _top_function(module, dag.node)) is not None:
            sites.setdefault(function, []).append((loops_between(module, names, dag.node, function), dag.dag_id))
    calls: dict[ast.AST, list[tuple[ast.AST, Count]]] = {}
    for call, _ in module.calls:
        if isinstance(call.func, ast.Name) and call.func.id in top_level and call.func.id not in module.bindings:
            function, callee = _top_function(module, call), top_level[call.func.id]
            if function is not None and callee is not function:
                calls.setdefault(function, []).append((callee, loops_between(module, names, call, function)))

    built: dict[ast.AST, tuple[Count, str | None]] = {}

    def builds(function: ast.AST, seen: frozenset[ast.AST]) -> tuple[Count, str | None]:
        """(DAGs one call builds, their id when it is one DAG of a known id)."""
        if function not in built:
            parts = list(sites.get(function, ()))
            for callee, count in calls.get(function, ()):
                if callee not in seen:
                    inner, inner_id = builds(callee, seen | {callee})
                    parts.append((count.times(inner), inner_id))
            parts = [(count, dag_id) for count, dag_id in parts if count.value or count.estimated]
            total = Count(0)
            for count, _ in parts:
                total = total.plus(count)
            exact_one = len(parts) == 1 and total.value == 1 and not total.estimated
            built[function] = (total, parts[0][1] if exact_one else None)
        return built[function]

    factories = []
    for name, function in top_level.items():
        count, dag_id = builds(function, frozenset({function}))
        if count.value or count.estimated:
            factories.append(DagFactory(f"{module.module_name}.{name}", count.value, count.estimated, dag_id))
    return tuple(factories)


def count_dags(parsed: Iterable[ModuleDags], library: Iterable[ModuleDags] = ()) -> DagCount:
    """The count over the modules the DAG processor parses (``parsed``); the other modules of
    the project (``library``) lend the DAG factories they define."""
    parsed = list(parsed)
    factories = {f.name: f for built in (*parsed, *library) for f in built.factories}
    called = {c.name for built in parsed for c in built.factory_calls if c.name in factories}
    static_ids: set[str] = set()
    others = files = 0
    at_least = False
    for built in parsed:
        ids, more, lower_bound = set(built.built_ids), built.others, built.at_least
        for call in built.factory_calls:
            factory = factories.get(call.name)
            if factory is None or not call.calls:
                continue
            if factory.dag_id is not None:  # every call builds the same DAG
                ids.add(factory.dag_id)
            else:
                more += call.calls * factory.dags
            lower_bound = lower_bound or call.at_least or factory.at_least
        if built.uncalled and not any(f.name in called for f in built.factories):
            more += built.uncalled  # a factory nobody calls at import: other code may
            lower_bound = True
        if ids or more:
            files += 1
            static_ids |= ids
            others += more
            at_least = at_least or lower_bound
    return DagCount(len(static_ids) + others, files, at_least)


def dag_folder_files(workspace: Workspace) -> list[str]:
    """The Python files of the project's DAG folders."""
    folders = workspace.dag_folders
    return [rel for rel in workspace.python_files
            if any(f == "." or rel.startswith(f.rstrip("/") + "/") for f in folders)]


def ignored_files(project: ProjectFacts, files: list[str]) -> frozenset[str]:
    """DAG-folder files the project's .airflowignore files keep from the DAG processor, read
    in the syntax the project wrote them for (the bundle carries that meaning to MWAA)."""
    # Loaded here, with pathspec: a module's summary (module_dags) needs neither.
    from migrator.airflowignore import find_ignored, project_ignore_syntax

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
    parsed = project.parsed_dag_files
    return count_dags((m.dags_built for m in project.modules if m.path in parsed),
                      (m.dags_built for m in project.modules if m.path not in parsed))
