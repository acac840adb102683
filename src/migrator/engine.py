"""The scan: discover, analyse every Python file once (in parallel), run rules, filter, finalize."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from migrator.analysis.crashes import injected_crash
from migrator.analysis.grammar import python_version
from migrator.analysis.python import ModuleFacts
from migrator.analysis.source import SourceText, read_bytes, read_text
from migrator.cache import (
    FileFacts,
    RunMemo,
    ScanCache,
    TreeState,
    constraints_failures_seen,
    content_digest,
    outside_inputs,
    tree_state,
)
from migrator.compat import MwaaVersion
from migrator.config import Settings
from migrator.errors import describe_exception
from migrator.findings import Finding, SharedValues, finalize
from migrator.inventory import inventory
from migrator.project import ModuleSummary, ProjectFacts, ProjectIndex, RuleCrash
from migrator.project_memo import UNREADABLE, ProjectMemo
from migrator.root_causes import merge_root_causes
from migrator.rule_ids import current_id, former_ids
from migrator.rules import ProjectRule, PythonRule, Rule, RuleSelection, rule_index
from migrator.rules.base import RuleContext
from migrator.workers import (
    PARALLEL_THRESHOLD,
    FactWorkers,
    relax_collector,
    release_freed_memory,
    worker_pool,
)
from migrator.workspace import Workspace, discover

_SUPPRESSION = re.compile(r"#\s*migrator:\s*ignore(?:\[([A-Za-z0-9_,\s-]*)\])?")


@dataclass
class ScanResult:
    workspace: Workspace
    target: MwaaVersion
    findings: list[Finding]
    project: ProjectFacts
    rules: Sequence[Rule]  # the rules that ran
    suppressed: int = 0
    crashed: bool = False
    # Old rule ids (``migrator.rule_ids``) the inline ignores that silenced findings name.
    former_ids: frozenset[str] = frozenset()
    # Findings folded into one of ``findings`` as its related locations (one finding per root
    # cause, ``migrator.root_causes``): not reported or counted, but fixed with it.
    absorbed: list[Finding] = field(default_factory=list)
    # The JSON inventory (``migrator.inventory``): derived once, and kept with a remembered run.
    inventory: dict[str, Any] | None = None

    @property
    def all_findings(self) -> list[Finding]:
        """The reported findings and the absorbed ones: what ``migrator fix`` works through."""
        return [*self.findings, *self.absorbed]


def selected_rules(settings: Settings, target: MwaaVersion) -> RuleSelection:
    # PKG rules are the package's checks (migrator.bundle): a scan runs none of them.
    return RuleSelection(entry for entry in rule_index() if settings.rule_enabled(entry.id) and entry.applies(target)
                         and entry.kind in (PythonRule.__name__, ProjectRule.__name__))


class Suppression(NamedTuple):
    """A line's inline ignore: the rule ids and names it names (empty: every rule), and the
    old ids among what it names (the ids are current: an old id suppresses its renamed rule)."""

    ids: frozenset[str]
    former_ids: frozenset[str]


@lru_cache(maxsize=256)  # asked once per finding: a long line with thousands is searched once
def suppression(line: str) -> Suppression | None:
    """The inline ignore on a line, None when it has none."""
    match = _SUPPRESSION.search(line)
    if not match:
        return None
    named = [part.strip().upper() for part in (match.group(1) or "").split(",") if part.strip()]
    return Suppression(frozenset(map(current_id, named)), frozenset(former_ids(named)))


def suppressing(finding: Finding, line: str) -> Suppression | None:
    """The inline ignore on ``line`` that silences ``finding``, None when nothing does."""
    found = suppression(line)
    if found is None or (found.ids and finding.rule not in found.ids and finding.name.upper() not in found.ids):
        return None
    return found


def is_suppressed(finding: Finding, line: str) -> bool:
    return suppressing(finding, line) is not None


# -- per-module work (runs in worker processes) ---------------------------------------------------


def run_python_rules(module: ModuleFacts, rules: Sequence[PythonRule], ctx: RuleContext, crash: str | None = None
                     ) -> tuple[list[Finding], list[RuleCrash], int, frozenset[str]]:
    """The module's findings and rule crashes, how many findings inline ignores silenced and
    the old rule ids those ignores name."""
    findings: list[Finding] = []
    crashes: list[RuleCrash] = []
    suppressed = 0
    former: set[str] = set()
    if module.tree is None:
        return findings, crashes, suppressed, frozenset()
    for rule in rules:
        if rule.needs_airflow_import and not module.imports_airflow:
            continue
        try:
            if rule.id == crash:
                raise RuntimeError("injected crash")
            for finding in rule.check(module, ctx):
                silenced_by = suppressing(finding, module.line_text(finding.location.line))
                if silenced_by is not None:
                    suppressed += 1
                    former |= silenced_by.former_ids
                else:
                    findings.append(finding)
        except Exception as exc:  # noqa: BLE001 - a crashing rule becomes a MIG005 finding; the run goes on
            where = traceback.extract_tb(exc.__traceback__)[-1]
            crashes.append(RuleCrash(rule.id, module.path, f"{describe_exception(exc)} "
                                     f"(at {Path(where.filename).name}:{where.lineno})"))
    return findings, crashes, suppressed, frozenset(former)


FileResult = tuple[list[Finding], list[RuleCrash], ModuleSummary]


def analyse_file(root: Path, rel: str, module_name: str, rules: Sequence[PythonRule],
                 ctx: RuleContext, crash: str | None = None) -> tuple[FileResult, str | None]:
    """One file's findings, crashes and summary, and the digest of the bytes they come from
    (None when the file could not be read): the scan cache's key for the result."""
    data = read_bytes(root / rel)
    module = ModuleFacts.from_read(rel, data, module_name, python_version(ctx.target.python))
    digest = content_digest(data) if isinstance(data, bytes) else None
    findings, crashes, suppressed, former = run_python_rules(module, rules, ctx, crash)
    return (finalize(findings), crashes, ModuleSummary.of(module, suppressed, former)), digest


_WORKER_STATE: dict = {}


def _init_worker(root: str, rule_ids: tuple[str, ...], ctx: RuleContext, crash: str | None) -> None:
    rules = RuleSelection.of_ids(rule_ids).of_kind(PythonRule)
    _WORKER_STATE.update(root=Path(root), rules=rules, ctx=ctx, crash=crash)
    relax_collector()


def _work(batch: list[tuple[str, str]]):
    state = _WORKER_STATE
    return [analyse_file(state["root"], rel, name, state["rules"], state["ctx"], state["crash"])
            for rel, name in batch]


# -- the whole scan --------------------------------------------------------------------------------


class RememberedRun(NamedTuple):
    """What a scan keeps of a run to answer the next one with unchanged inputs (``RunMemo``)."""

    workspace: Workspace
    # Each module summary as the scan cache holds it, by (path, content digest), under
    # ``scan_cache_parts`` (a run after an edit would otherwise write every summary again);
    # the summary itself when the cache holds none (an unreadable file).
    summaries: list[ModuleSummary | tuple[str, str]]
    scan_cache_parts: tuple[str, ...]
    findings: list[Finding]
    absorbed: list[Finding]
    suppressed: int
    former_ids: frozenset[str]
    inventory: dict[str, Any]


def run_inputs(tree: str, root: Path, settings: Settings, target: MwaaVersion, rule_ids: Iterable[str]
               ) -> tuple[str, ...]:
    """Everything besides the tool and the interpreter (``cache.code_fingerprint`` keys every cache
    by both) a scan's findings depend on, for ``RunMemo``'s key: the tree
    (its :func:`tree_fingerprint`, or another digest of it), the settings, target and rules, and what is read from outside
    the project: a ``--constraints`` file, and constraints URLs (answered from the constraints
    cache, or not when offline)."""
    # An absolute --constraints path stays itself under root.
    outside = outside_inputs(root / settings.constraints if settings.constraints else None)
    # --fail-on decides the exit status alone: `scan --fail-on never` then `fix` is one scan.
    return (tree, repr(replace(settings, fail_on=Settings.fail_on)), repr(target), ",".join(rule_ids), *outside)


def _remembered_summaries(root: Path, run: RememberedRun) -> list[ModuleSummary] | None:
    """The remembered run's module summaries; None when the scan cache no longer holds one."""
    cache = ScanCache(root, run.scan_cache_parts)
    summaries = []
    for kept in run.summaries:
        if isinstance(kept, tuple):
            result = cache.get(*kept)
            if result is None:
                return None
            kept = result[2]
        summaries.append(kept)
    return summaries


def _remembered_result(run: RememberedRun, summaries: list[ModuleSummary], root: Path, settings: Settings,
                       target: MwaaVersion, rules: Sequence[Rule]) -> ScanResult:
    """The remembered run as this run's result: its project facts are derived again when asked."""
    run.workspace.root, run.workspace.settings = root, settings  # the same, as this run names them
    project = ProjectFacts(run.workspace, summaries, [], FileFacts(root))
    return ScanResult(run.workspace, target, run.findings, project, rules, run.suppressed,
                      absorbed=run.absorbed, former_ids=run.former_ids, inventory=run.inventory)


def scan(root: Path, settings: Settings, target: MwaaVersion, *, jobs: int = 0,
         progress: Callable[[int, int], None] | None = None, crash: str | None = None,
         use_cache: bool = True, tree: TreeState | None = None) -> ScanResult:
    """Scan a project. ``crash`` makes one rule raise (used to test crash reporting). ``tree``:
    the root's :func:`tree_state`, when the caller took it just before."""
    rules = selected_rules(settings, target)
    memo = None
    if use_cache and crash is None:
        # Taken before the run reads anything: a file edited during the run leaves a memo no
        # later run finds.
        tree = tree or tree_state(root)
        memo = RunMemo(root, run_inputs(tree.fingerprint, root, settings, target, rules.ids))
    else:
        tree = None  # nothing is remembered
    remembered = memo.load() if memo is not None else None
    summaries = _remembered_summaries(root, remembered) if remembered is not None else None
    if remembered is not None and summaries is not None:
        if progress:
            progress(len(summaries), len(summaries))
        return _remembered_result(remembered, summaries, root, settings, target, rules)

    jobs = jobs or os.cpu_count() or 1
    with FactWorkers(jobs) as fact_workers:
        return _scan(root, settings, target, rules, tree, jobs, fact_workers, progress, crash, use_cache)


def _scan(root: Path, settings: Settings, target: MwaaVersion, rules: RuleSelection, tree: TreeState | None,
          jobs: int, fact_workers: FactWorkers, progress: Callable[[int, int], None] | None, crash: str | None,
          use_cache: bool) -> ScanResult:
    failures_before = constraints_failures_seen()
    # What the project stage reads is recorded for its memo (when the run is remembered).
    stage = ProjectMemo(root, run_inputs(tree.python_apart, root, settings, target, rules.ids) if tree else None,
                        tree.python_stats if tree else {})
    python_rules = rules.of_kind(PythonRule)
    file_facts = FileFacts(root if use_cache and crash is None else None, mapper=fact_workers)
    kept = stage.load(file_facts, settings)
    if kept is not None:
        workspace, index = kept
    else:
        with stage.observing():
            workspace = discover(root, settings)
            index = build_index(workspace, file_facts)
        release_freed_memory()  # the files' bytes the index read, before the workers start
    discovered = replace(workspace)  # the stage's, kept before the helper modules are added
    ctx = RuleContext(target=target, index=index)

    python_stats = tree.python_stats if tree else {}
    all_items = [(rel, workspace.module_name(rel)) for rel in workspace.python_files]
    findings: list[Finding] = []
    crashes: list[RuleCrash] = []
    summaries: list[ModuleSummary] = []
    done = 0
    cache = None
    shared = SharedValues()
    cache_parts = (target.airflow, ",".join(r.id for r in python_rules), index.fingerprint)
    if use_cache and crash is None:
        cache = ScanCache(root, cache_parts)

    def collect(results: Iterable[tuple[FileResult, str | None]], fresh: bool = True) -> None:
        nonlocal done
        for result, digest in results:
            file_findings, file_crashes, summary = result
            if fresh:  # the scan cache's results were shared as they were made, and are read so
                for finding in file_findings:
                    shared.compact(finding)
                summary.share_values(shared)
            findings.extend(file_findings)
            crashes.extend(file_crashes)
            summaries.append(summary)
            if fresh:
                stage.analysed(summary.path, digest, result, cache.entries.get(summary.path) if cache else None)
            if fresh and cache is not None and digest is not None:
                cache.put(summary.path, digest, result, python_stats.get(summary.path, ""))
            done += 1
        if progress:
            progress(done, len(all_items))

    def cached(rel: str) -> FileResult | None:
        """The cache's result for a file whose content has not changed. Only a file the cache
        holds whose stat changed is read here; the others are read (and their digest taken)
        once, by the worker that analyses them."""
        if cache is None or not cache.has(rel):
            return None
        unchanged = cache.unchanged(rel, python_stats.get(rel, ""))
        if unchanged is not None:
            digest, hit = unchanged
        else:
            data = read_bytes(root / rel)
            if not isinstance(data, bytes):
                return None
            digest = content_digest(data)
            hit = cache.get(rel, digest)
            if hit is not None:  # the same content, a new stat (a checkout rewrote it)
                cache.put(rel, digest, hit, python_stats.get(rel, ""))
        if hit is not None:
            stage.cached(rel, digest)
        return hit

    items = []
    for rel, name in all_items:
        hit = cached(rel)
        if hit is None:
            items.append((rel, name))
        else:
            collect([(hit, None)], fresh=False)

    if jobs > 1 and len(items) >= PARALLEL_THRESHOLD:
        size = max(8, min(256, len(items) // (jobs * 8) or 1))
        batches = [items[i:i + size] for i in range(0, len(items), size)]
        with worker_pool(jobs, _init_worker,
                         (str(root), tuple(r.id for r in python_rules), ctx, crash)) as pool:
            for results in pool.map(_work, batches):
                collect(results)
    else:
        for rel, name in items:
            collect([analyse_file(root, rel, name, python_rules, ctx, crash)])

    # Helper modules the DAGs import from elsewhere in the repo run at parse time on MWAA too
    # (and must ship): scan them, following their own imports in turn.
    scanned = {s.path for s in summaries}
    looked_up: set[str] = set()  # each name's files are found once: the next round looks up new names
    while True:
        imported = {q for s in summaries for q in s.imports} - looked_up
        looked_up |= imported
        extra = [rel for rel in workspace.files_for_imports(imported) if rel not in scanned]
        if not extra:
            break
        for rel in extra:
            scanned.add(rel)
            hit = cached(rel)
            if hit is None:
                collect([analyse_file(root, rel, workspace.module_name(rel), python_rules, ctx, crash)])
            else:
                collect([(hit, None)], fresh=False)
    workspace.python_files = sorted(scanned)

    if cache is not None:
        cache.prune(scanned)  # the helper modules too: a warm run finds them in the cache
        cache.save()
    project = ProjectFacts(workspace, sorted(summaries, key=lambda s: s.path), crashes, file_facts)
    kept_stage = stage.reusable()
    if kept_stage is not None:
        project_findings, entry_files = kept_stage.findings, kept_stage.entry_files
    else:
        with injected_crash(crash), stage.observing():
            project_findings = run_project_rules(project, rules.of_kind(ProjectRule), ctx, crash)
            entry_files = project.requirements.entry_files
    file_facts.save()  # after the project rules: it keeps the per-file facts they derived
    kept, suppressed, former = _filter(findings, settings, root)
    kept_project, suppressed_project, former_project = _filter(project_findings, settings, root)
    suppressed += suppressed_project + sum(s.suppressed for s in summaries)
    former = former.union(former_project, *(s.former_ids for s in summaries))
    # Each file's findings come finalized from its worker (or the scan cache). After finalize:
    # each kept finding has the fingerprint it would have alone.
    merged = merge_root_causes(finalize(kept_project, kept), target, preferred_paths=entry_files)
    result = ScanResult(workspace, target, merged.findings, project, rules, suppressed,
                        crashed=bool(project.rule_crashes or project.analysis_crashes), absorbed=merged.absorbed,
                        former_ids=frozenset(former), inventory=kept_stage.inventory if kept_stage else None)
    if tree is not None and not result.crashed and constraints_failures_seen() == failures_before:
        with stage.observing():
            document = inventory(result)  # of the project alone: the stage's too
        if not project.analysis_crashes:  # as for the run's memo (remember)
            stage.save(discovered, index, project_findings, entry_files, document)
    if tree is not None and not result.crashed:
        # Keyed by what is read from outside as the run left it: the run itself may fill the
        # constraints cache, and the next run looks its memo up by what it finds then.
        remember(RunMemo(root, run_inputs(tree.fingerprint, root, settings, target, rules.ids)), result, failures_before,
                 cache_parts, stage.digests)
    return result


def remember(memo: RunMemo, result: ScanResult, failures_before: int, scan_cache_parts: tuple[str, ...],
             digests: dict[str, str]) -> None:
    """Keep ``result`` for the next run with the same inputs, unless the network had a say in it
    (a constraints URL answered with its failure during this run: ``failures_before`` is the
    count before it) or an analysis the inventory alone asked for failed (a crash is not kept,
    it is reported). ``digests``: the content digest of each module summary's file, by which
    the scan cache (of ``scan_cache_parts``) holds it."""
    document = inventory(result)
    if constraints_failures_seen() == failures_before and not result.project.analysis_crashes:
        summaries = [(s.path, digests[s.path]) if digests.get(s.path, UNREADABLE) != UNREADABLE else s
                     for s in result.project.modules]
        memo.save(RememberedRun(result.workspace, summaries, scan_cache_parts, result.findings, result.absorbed,
                                result.suppressed, result.former_ids, document))


def run_project_rules(project: ProjectFacts, rules: Iterable[ProjectRule], ctx: RuleContext,
                      crash: str | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        try:
            if rule.id == crash:
                raise RuntimeError("injected crash")
            findings.extend(rule.check(project, ctx))
        except Exception as exc:  # noqa: BLE001 - as for a module rule: a MIG005 finding, the run goes on
            project.rule_crashes.append(RuleCrash(rule.id, ".", describe_exception(exc)))
    # MIG005 reports crashes, including project-rule crashes found just now.
    crash_rule = next((r for r in rules if r.id == "MIG005"), None)
    if crash_rule is not None:
        findings = [f for f in findings if f.rule != "MIG005"] + list(crash_rule.check(project, ctx))
    return findings


def build_index(workspace: Workspace, file_facts: FileFacts | None = None) -> ProjectIndex:
    # The pre-passes load with the index they build: a scan whose project stage is kept
    # (migrator.project_memo) builds none.
    from migrator.analysis.connections.project import quick_pool_definitions
    from migrator.analysis.payloads import quick_payload_operators
    from migrator.analysis.platform import (
        quick_container_only_constants,
        quick_platform_subclasses,
        quick_remote_compute_wrappers,
    )
    from migrator.analysis.plugins import quick_plugin_exports
    from migrator.analysis.reachability import (
        project_text_facts,
        quick_unimported_modules,
        quick_unreferenced_functions,
    )
    from migrator.analysis.read_paths import quick_helper_files, quick_root_named_files
    from migrator.analysis.requirements import quick_isolated_executables
    from migrator.analysis.source import project_python_bytes
    from migrator.analysis.subdags import quick_subdag_factories

    file_facts = file_facts or FileFacts()
    texts = project_python_bytes(workspace)  # read once for the passes that follow names across modules
    words = project_text_facts(texts, file_facts)
    return ProjectIndex(
        dag_folders=tuple(workspace.dag_folders),
        local_modules=frozenset(workspace.module_name(rel) for rel in workspace.python_files),
        plugin_exports=quick_plugin_exports(workspace, file_facts),
        pools_defined=quick_pool_definitions(workspace),
        subdag_factories=quick_subdag_factories(workspace, texts, file_facts),
        bundled_executables=quick_isolated_executables(workspace, file_facts),
        remote_compute_wrappers=quick_remote_compute_wrappers(workspace, texts, file_facts),
        container_only_constants=quick_container_only_constants(workspace, texts, file_facts, words),
        unreferenced_functions=quick_unreferenced_functions(workspace, words),
        unimported_modules=quick_unimported_modules(workspace, texts, file_facts),
        folder_files=frozenset([*workspace.python_files, *workspace.data_files]),
        root_named_files=quick_root_named_files(workspace.root, texts, file_facts),
        helper_files=quick_helper_files(workspace.root, workspace.other_python_files,
                                        [*workspace.dag_folders, workspace.plugins_folder or ""]),
        payload_operators=quick_payload_operators(workspace, texts, file_facts),
        platform_subclasses=quick_platform_subclasses(workspace, texts, file_facts),
    )


def _filter(findings: list[Finding], settings: Settings, root: Path) -> tuple[list[Finding], int, set[str]]:
    """Apply --select/--ignore, per-path ignores and inline suppressions on non-Python files;
    returns the findings kept, how many were left out and the old rule ids inline ignores name."""
    texts: dict[str, list[str]] = {}
    kept: list[Finding] = []
    suppressed = 0
    former: set[str] = set()
    for finding in findings:
        if not settings.rule_enabled(finding.rule) or settings.ignored_for_path(finding.rule, finding.path):
            suppressed += 1
            continue
        if not finding.path.endswith(".py") and finding.path != ".":
            if finding.path not in texts:
                source = read_text(root / finding.path)
                texts[finding.path] = source.text.splitlines() if isinstance(source, SourceText) else []
            lines = texts[finding.path]
            line = lines[finding.location.line - 1] if 0 < finding.location.line <= len(lines) else ""
            silenced_by = suppressing(finding, line)
            if silenced_by is not None:
                suppressed += 1
                former |= silenced_by.former_ids
                continue
        kept.append(finding)
    return kept, suppressed, former

