"""``migrator fix`` as a library: scan, fix every file in memory, check, then write atomically.

``plan_fixes`` scans the project, groups the findings whose fix may be applied (safe ones, plus
unsafe ones when asked) by file, and runs each Python file's edits through the codemods in one
LibCST pass. The new text is checked (it must parse) and scanned again in memory: fixes can
surface what they uncover (an import rewritten to a path that moved again on the target), so
the pass repeats until the file is stable or ``MAX_ROUNDS`` is reached. Nothing is written;
the ``FixPlan`` holds old and new bytes of every changed file, how many findings each rule had
fixed, and every finding that still needs a human, each with the reason.

``apply_plan`` writes the plan with ``migrator.safe_write`` (all files or none). ``migrate``
and ``package`` call these two functions; the ``fix`` command only prints them.
"""

from __future__ import annotations

import difflib
import os
import pickle
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from migrator import codemods, requirements_fix
from migrator.analysis.grammar import python_version
from migrator.analysis.python import ModuleFacts
from migrator.analysis.requirements import parse_requirements_text
from migrator.analysis.source import Problem, SourceText, decode_python, decode_text, read_bytes
from migrator.codemods import Edit, replace_context_key
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.engine import ScanResult, build_index, run_python_rules, scan, selected_rules
from migrator.findings import (
    APPLIED_ELSEWHERE,
    AddConstraint,
    AddRequirement,
    DropRequirement,
    Finding,
    FixSafety,
    FixScope,
    PinRequirement,
    ReplaceConstraint,
    ReplaceRequirement,
    RequirementsFix,
    finalize,
)
from migrator.fixes import ReplaceContextKey
from migrator.project import ModuleSummary, ProjectFacts
from migrator.root_causes import merge_root_causes
from migrator.rules import PythonRule, RuleSelection
from migrator.rules.base import RuleContext
from migrator.safe_write import encode_like, remove_leftovers, unwritable_reason, write_files
from migrator.workers import relax_collector, worker_pool

# Each round fixes what the previous one uncovered; real projects settle in two.
MAX_ROUNDS = 4


@dataclass
class FixPlan:
    """Everything ``fix`` would change, computed without touching the project."""

    root: Path
    target: MwaaVersion
    scope: FixScope
    files: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # path -> (old, new)
    # Unified diffs of files, made beside the fix (in the worker that fixed the module).
    diffs: dict[str, str] = field(default_factory=dict)
    fixed: Counter[str] = field(default_factory=Counter)  # rule id -> findings fixed
    # Fixed by an unsafe fix (``--unsafe``, or one the file cannot load without): read these.
    review: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)  # what still needs a human
    absorbed: list[Finding] = field(default_factory=list)  # left too, related locations of ``remaining``
    reasons: dict[str, str] = field(default_factory=dict)  # remaining fingerprint -> why left
    scan: ScanResult | None = None
    leftovers_removed: list[str] = field(default_factory=list)  # by ``apply_plan``

    @property
    def pending(self) -> bool:
        return bool(self.files)

    def reason(self, finding: Finding) -> str:
        return self.reasons.get(finding.fingerprint, "no automatic fix")

    def applied_elsewhere(self, finding: Finding) -> bool:
        """The finding's fix is another step's to apply (config options go to mwaa-config.json)."""
        return finding.fix is not None and finding.fix.kind in APPLIED_ELSEWHERE

    def unsafe_available(self) -> list[Finding]:
        """Remaining findings an ``--unsafe`` run would fix (or try to)."""
        return [f for f in self.remaining if f.fix is not None and effective_safety(f) is FixSafety.UNSAFE
                and self.scope is not FixScope.ALL]

    def diff(self, color: bool = False) -> str:
        """A unified diff of every change (``a/``/``b/`` prefixes, applies with ``git apply``)."""
        return "".join(self.diffs[path] if path in self.diffs and not color else unified_diff(path, old, new, color)
                       for path, (old, new) in sorted(self.files.items()))


def effective_safety(finding: Finding) -> FixSafety:
    """The stricter of the rule's safety for this finding and the codemod's own."""
    if finding.fix is None:
        return FixSafety.NONE
    declared = codemods.safety_of(type(finding.fix))
    if finding.fix.safety is FixSafety.UNSAFE or declared is FixSafety.UNSAFE:
        return FixSafety.UNSAFE
    return finding.fix.safety


def plan_fixes(root: Path, settings: Settings, target: MwaaVersion, *, unsafe: bool = False,
               required: bool = False, aws_native: bool = False, jobs: int = 0,
               result: ScanResult | None = None, use_cache: bool = True) -> FixPlan:
    """Compute every fix for the project at ``root`` (nothing is written).

    ``unsafe`` applies every unsafe fix too; ``required`` only those a file cannot load without;
    ``aws_native`` those and the AWS-native rewrites (DockerOperator -> EcsRunTaskOperator).

    ``result`` reuses a scan the caller already made with the same settings and target;
    ``use_cache`` is the scan's content cache.
    """
    root = Path(root)
    result = result or scan(root, settings, target, jobs=jobs, use_cache=use_cache)
    scope = FixScope.of(unsafe, required, aws_native)
    plan = FixPlan(root, target, scope, scan=result)
    rescanner = _Rescanner.for_scan(result, settings, target)
    by_path: dict[str, list[Finding]] = {}
    requirement_findings: list[Finding] = []
    for finding in result.all_findings:
        if isinstance(finding.fix, RequirementsFix):
            requirement_findings.append(finding)
        else:
            by_path.setdefault(finding.path, []).append(finding)
    modules: list[tuple[str, list[Finding]]] = []
    for path in sorted(by_path):
        findings = by_path[path]
        if not any(_eligible(f, scope) for f in findings):
            _leave(plan, findings, {}, scope)
            continue
        unwritable = unwritable_reason(root, path) if path != "." else None
        if unwritable is not None:
            _leave(plan, findings, {f: f"{path} is {unwritable}" for f in findings if _eligible(f, scope)},
                   scope)
            continue
        if path.endswith(".py") and path in rescanner.module_names:
            modules.append((path, findings))
        else:
            _fix_text_file(plan, path, findings, scope)
    fixed_summaries: dict[str, ModuleSummary] = {}
    # The fixed modules' summaries are read by the requirements fix alone (a module summary
    # counts the DAGs a module builds: a tenth of fixing it).
    summaries = any(_eligible(f, scope) for f in requirement_findings)
    for outcome in _fix_modules(root, rescanner, modules, scope, jobs or os.cpu_count() or 1, summaries):
        plan.fixed.update(outcome.fixed)
        plan.review += outcome.review
        _leave(plan, [f for f, _ in outcome.left], {f: r for f, r in outcome.left if r}, scope)
        if outcome.new is not None:
            plan.files[outcome.path] = (outcome.old, outcome.new)
            plan.diffs[outcome.path] = outcome.diff
        if outcome.summary is not None:
            fixed_summaries[outcome.path] = outcome.summary
    # Requirements last: the providers they must gain are the ones the fixed code imports.
    modules_now = [fixed_summaries.get(s.path, s) for s in result.project.modules]
    _fix_requirements(plan, result, requirement_findings, modules_now, scope)
    # What stays is reported as a scan would: one finding per root cause.
    merged = merge_root_causes(sorted(plan.remaining, key=lambda f: f.sort_key), target,
                               preferred_paths=result.project.requirements.entry_files)
    plan.remaining, plan.absorbed = merged.findings, merged.absorbed
    return plan


def apply_plan(root: Path, plan: FixPlan) -> list[str]:
    """Write every changed file of ``plan`` atomically; all or none. Returns the paths written.

    Then removes the temp files an earlier, killed ``fix --apply`` left (``plan.leftovers_removed``
    lists them)."""
    written = write_files(Path(root), plan.files)
    if plan.scan is not None:
        plan.leftovers_removed = remove_leftovers(Path(root), plan.scan.workspace.leftovers)
    return written


# -- per file -------------------------------------------------------------------------------------


def _eligible(finding: Finding, scope: FixScope) -> bool:
    if finding.fix is None or finding.fix.kind in APPLIED_ELSEWHERE:
        return False
    return _admitted(finding, scope)


def _admitted(finding: Finding, scope: FixScope) -> bool:
    return scope.admits(effective_safety(finding), finding.fix.required, codemods.is_aws_native(type(finding.fix)))


def _edits(findings: Sequence[Finding], scope: FixScope) -> list[Edit]:
    edits = []
    for index, finding in enumerate(findings):
        if _eligible(finding, scope):
            edits.append(Edit(index, finding.fix, finding.location))
    return edits


@dataclass
class _ModuleOutcome:
    """What fixing one module gave (computed in a worker process when there are many)."""

    path: str
    old: bytes | None
    new: bytes | None  # None: unchanged
    diff: str  # the unified diff from old to new ("" when unchanged)
    summary: ModuleSummary | None  # of the fixed text (None: unchanged)
    fixed: Counter[str]
    review: list[Finding]  # fixed by an unsafe fix
    left: list[tuple[Finding, str | None]]  # findings that stay, with the refusal reason if any


def _fix_module(root: Path, rescanner: _Rescanner, path: str, findings: list[Finding],
                scope: FixScope, summary: bool = True) -> _ModuleOutcome:
    """Fix one module in rounds until stable: apply, check it parses, rescan in memory.
    ``summary``: the outcome carries the fixed module's summary."""
    data = read_bytes(root / path)
    source = decode_python(data) if isinstance(data, bytes) else data
    if isinstance(source, Problem):
        reason = f"cannot read the file: {source.message}"
        return _ModuleOutcome(path, None, None, "", None, Counter(), [], [(f, reason) for f in findings])
    text = source.text
    # Project rules' findings on this file are fixed in the first round only: the in-memory
    # rescan runs the Python rules, so later rounds cannot tell where they moved.
    project_findings = [f for f in findings if f.rule not in rescanner.python_rule_ids]
    current = findings
    refused: dict[Finding, str] = {}
    fixed: Counter[str] = Counter()
    review: list[Finding] = []
    fixed_module: ModuleFacts | None = None  # the facts of the latest fixed text
    for _ in range(MAX_ROUNDS):
        edits = _edits(current, scope)
        if not edits:
            break
        outcome = codemods.apply_edits(text, edits)
        refused.update((current[key], reason) for key, reason in outcome.refused.items())
        if outcome.text == text:
            break
        candidate = rescanner.module(path, outcome.text)
        if candidate.tree is None:  # a codemod bug must never reach the user's files
            problem = candidate.problem
            reason = f"the fixed file would not parse (line {problem.line}: {problem.message})"
            refused.update((current[e.key], reason) for e in edits)
            break
        applied = {current[key] for key in outcome.applied}
        fixed.update(f.rule for f in applied)
        review += sorted((f for f in applied if effective_safety(f) is FixSafety.UNSAFE), key=lambda f: f.sort_key)
        project_findings = [f for f in project_findings if f not in applied]
        text, fixed_module = outcome.text, candidate
        current = rescanner.findings(fixed_module) + project_findings
        refused = {f: r for f, r in refused.items() if f in project_findings}
    new = encode_like(text, source)
    changed = new != data
    return _ModuleOutcome(path, data, new if changed else None, unified_diff(path, data, new) if changed else "",
                          ModuleSummary.of(fixed_module) if summary and fixed_module is not None else None,
                          fixed, review, [(f, refused.get(f)) for f in current])


# Below this many modules to fix, worker start-up costs more than it saves (LibCST with scope
# metadata takes a few hundred milliseconds per module).
PARALLEL_MODULES = 8
_WORKER: dict[str, Any] = {}


def _fix_modules(root: Path, rescanner: _Rescanner, modules: list[tuple[str, list[Finding]]], scope: FixScope,
                 jobs: int, summaries: bool) -> Iterator[_ModuleOutcome]:
    # Only fix data can hold a type of a rule's choosing; the rest of a finding is ours.
    fix_data = [f.fix for _, findings in modules for f in findings if f.fix is not None]
    if jobs <= 1 or len(modules) < PARALLEL_MODULES or not _picklable(fix_data):
        for path, findings in modules:
            yield _fix_module(root, rescanner, path, findings, scope, summaries)
        return
    with worker_pool(min(jobs, len(modules)), _init_worker, (str(root), rescanner, scope, summaries)) as pool:
        yield from pool.map(_fix_in_worker, modules, chunksize=max(1, len(modules) // (jobs * 32)))


def _picklable(value: Any) -> bool:
    """Whether findings survive the trip to a worker process. Fix data a rule built from a
    type that does not round-trip through pickle would break the pool mid-run; the fix then
    runs in this process instead (slower, same result)."""
    try:
        pickle.loads(pickle.dumps(value))
    except Exception:  # noqa: BLE001 (a type may raise anything while unpickling)
        return False
    return True


def _init_worker(root: str, rescanner: _Rescanner, scope: FixScope, summaries: bool) -> None:
    _WORKER.update(root=Path(root), rescanner=rescanner, scope=scope, summaries=summaries)
    relax_collector()


def _fix_in_worker(item: tuple[str, list[Finding]]) -> _ModuleOutcome:
    path, findings = item
    return _fix_module(_WORKER["root"], _WORKER["rescanner"], path, findings, _WORKER["scope"], _WORKER["summaries"])


def _fix_text_file(plan: FixPlan, path: str, findings: list[Finding], scope: FixScope) -> None:
    """Template files beside the DAGs: context keys are rewritten on the finding's lines."""
    data = read_bytes(plan.root / path) if path != "." else Problem("unreadable", "project-level finding")
    source = decode_text(data) if isinstance(data, bytes) else data
    if isinstance(source, Problem):
        _leave(plan, findings, {}, scope)
        return
    lines = source.text.splitlines(keepends=True)
    fixed: Counter[str] = Counter()
    kept: list[Finding] = []
    refused: dict[Finding, str] = {}
    for finding in findings:
        fix = finding.fix
        if not _eligible(finding, scope):
            kept.append(finding)
            continue
        # A text file (a Jinja template beside the DAGs: .sql, .sh, .json ...) takes context keys only.
        if not isinstance(fix, ReplaceContextKey):
            refused[finding] = f"no fixer for {fix.kind!r} fixes in this kind of file"
            kept.append(finding)
            continue
        first, last = finding.location.line - 1, finding.location.end_line
        block = "".join(lines[first:last])
        new_block, count = replace_context_key.rewrite_template(block, fix.old, fix.new)
        if not count:
            refused[finding] = "no template read of the key on the finding's lines"
            kept.append(finding)
            continue
        # The block stays one list item per original line, so later findings' lines still match.
        lines[first:last] = [new_block] + [""] * (last - first - 1)
        fixed[finding.rule] += 1
        if effective_safety(finding) is FixSafety.UNSAFE:
            plan.review.append(finding)
    _leave(plan, kept, refused, scope)
    new_text = "".join(lines)
    if new_text != source.text:
        plan.fixed.update(fixed)
        plan.files[path] = (data, encode_like(new_text, source))


def _fix_requirements(plan: FixPlan, result: ScanResult, findings: list[Finding],
                      modules: list[ModuleSummary], scope: FixScope) -> None:
    """Rewrite the requirements entry file with ``migrator.requirements_fix`` (one whole-file fix).

    A finding counts as fixed only when the new text shows its action done (the package gone,
    the pin moved, the constraint or provider there); the rest stay with the reason.
    """
    eligible = [f for f in findings if _eligible(f, scope)]
    if not eligible:
        _leave(plan, findings, {}, scope)
        return
    project = ProjectFacts(result.workspace, modules)
    entries = project.requirements.entry_files
    if not entries:
        reason = "no requirements.txt in the project; `migrator package` writes one"
        _leave(plan, findings, {f: reason for f in eligible}, scope)
        return
    entry = entries[0]
    unwritable = unwritable_reason(plan.root, entry)
    if unwritable is not None:
        _leave(plan, findings, {f: f"{entry} is {unwritable}" for f in eligible}, scope)
        return
    data = read_bytes(plan.root / entry)
    source = decode_text(data) if isinstance(data, bytes) else data
    if isinstance(source, Problem):
        _leave(plan, findings, {f: f"cannot read {entry}: {source.message}" for f in eligible}, scope)
        return
    new_text = requirements_fix.fixed_requirements_for(project, plan.target, entry)
    fixed_file = parse_requirements_text(new_text, entry)
    refused: dict[Finding, str] = {}
    kept: list[Finding] = []
    for finding in findings:
        if finding not in eligible:
            kept.append(finding)
        elif not isinstance(finding.fix, AddRequirement) and finding.path not in (entry, "."):
            # Only the entry file is rewritten (an addition lands there wherever it was found);
            # -r includes are merged into it by `migrator package`.
            refused[finding] = f"{finding.path} is not {entry}, the file the requirements fixer rewrites"
            kept.append(finding)
        elif not _requirement_done(finding.fix, fixed_file):
            refused[finding] = "the requirements fixer did not make this change"
            kept.append(finding)
        else:
            plan.fixed[finding.rule] += 1
    _leave(plan, kept, refused, scope)
    new = encode_like(new_text, source)
    if new != data:
        plan.files[entry] = (data, new)


def _requirement_done(fix: RequirementsFix, fixed_file) -> bool:
    """Whether the fixed requirements file shows the finding's change made."""
    versions = {r.name: r.specifier for r in fixed_file.requirements if r.name}
    match fix:
        case DropRequirement() | ReplaceRequirement():  # replace: the old name goes; its successor may be preinstalled
            return canonicalize_name(fix.name) not in versions
        case AddRequirement():
            return fix.name is not None and canonicalize_name(fix.name) in versions
        case PinRequirement():  # moved, or dropped altogether (a lock's transitive or preinstalled line)
            key = canonicalize_name(fix.name)
            try:
                return key not in versions or str(fix.version) in SpecifierSet(versions[key] or "")
            except InvalidSpecifier:
                return False
        case AddConstraint() | ReplaceConstraint():
            return any(o.option == "constraint" and (o.value or "").strip("'\"") == fix.url
                       for o in fixed_file.options)
    return False


def _leave(plan: FixPlan, findings: Iterable[Finding], refused: dict[Finding, str], scope: FixScope) -> None:
    """Record findings that stay, each with why: refused, unsafe, or no fix."""
    for finding in findings:
        plan.remaining.append(finding)
        safety = effective_safety(finding)
        kind = finding.fix.kind if finding.fix else None
        if finding in refused:
            reason = f"fix not applied: {refused[finding]}"
        elif kind in APPLIED_ELSEWHERE:
            reason = APPLIED_ELSEWHERE[kind]
        elif safety is FixSafety.UNSAFE and not _admitted(finding, scope):
            flags = "--unsafe or --aws-native" if codemods.is_aws_native(type(finding.fix)) else "--unsafe"
            reason = f"unsafe fix available ({flags}): " + finding.fix.description
        elif finding.fix is None or safety is FixSafety.NONE:
            reason = "no automatic fix"
        else:
            reason = "fix not applied"
        plan.reasons[finding.fingerprint] = reason


# -- scanning fixed text in memory ---------------------------------------------------------------


@dataclass
class _Rescanner:
    """Runs the scan's Python rules over fixed text without writing it anywhere (picklable:
    worker processes get it whole)."""

    settings: Settings
    ctx: RuleContext
    rule_ids: tuple[str, ...]
    module_names: dict[str, str]  # Python file -> dotted module name

    @classmethod
    def for_scan(cls, result: ScanResult, settings: Settings, target: MwaaVersion) -> _Rescanner:
        workspace = result.workspace
        rules = selected_rules(settings, target).of_kind(PythonRule)
        # The scan's fact cache: the index is the scan's, derived again from what it kept.
        index = build_index(workspace, result.project.file_facts)
        return cls(settings, RuleContext(target=target, index=index),
                   tuple(r.id for r in rules), {rel: workspace.module_name(rel) for rel in workspace.python_files})

    @cached_property
    def rules(self) -> list[PythonRule]:
        return RuleSelection.of_ids(self.rule_ids).of_kind(PythonRule)

    @property
    def python_rule_ids(self) -> set[str]:
        return set(self.rule_ids)

    def module(self, path: str, text: str) -> ModuleFacts:
        return ModuleFacts.from_source(path, SourceText(text, "utf-8", b"", "\n"), self.module_names[path],
                                       python_version(self.ctx.target.python))

    def findings(self, module: ModuleFacts) -> list[Finding]:
        found, *_ = run_python_rules(module, self.rules, self.ctx)
        kept = [f for f in found if not self.settings.ignored_for_path(f.rule, f.path)]
        return finalize(kept)


# -- diff -------------------------------------------------------------------------------------------

_COLORS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m", "h": "\x1b[1m"}
_RESET = "\x1b[0m"


def _decode_for_diff(path: str, data: bytes) -> str:
    source = decode_python(data) if path.endswith(".py") else decode_text(data)
    return source.text if isinstance(source, SourceText) else data.decode("utf-8", "replace")


def unified_diff(path: str, old: bytes, new: bytes, color: bool = False) -> str:
    old_lines = _decode_for_diff(path, old).splitlines(keepends=True)
    new_lines = _decode_for_diff(path, new).splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}"):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        if color:
            key = "h" if line.startswith(("---", "+++")) else line[:1]
            if key in _COLORS:
                body = line.rstrip("\r\n")
                line = f"{_COLORS[key]}{body}{_RESET}{line[len(body):]}"
        out.append(line)
    return "".join(out)
