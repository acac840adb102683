"""Verify results in a scan: attached to the project for the MIG1xx rules, carried in from an
earlier run's ``verify-results.json``, and merged into a scan's findings (``scan --verify``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from migrator.airflow_env import RequirementFailure
from migrator.analysis.source import SourceText, read_text
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.engine import build_index, is_suppressed, run_project_rules
from migrator.findings import Finding, finalize
from migrator.rules import ProjectRule, all_rules
from migrator.rules.base import RuleContext
from migrator.verify.results import FileResult, VerifyResult

RESULTS_FILE = "verify-results.json"


@dataclass
class ProjectVerifyResults:
    """Verify results a scan can use: attached by ``scan --verify`` or read from the project's
    ``verify-results.json``; ``files`` keeps only entries whose file is unchanged since."""

    result: VerifyResult | None = None
    files: list[FileResult] = field(default_factory=list)
    source: str = ""  # RESULTS_FILE, or "" for a fresh run
    problems: list[str] = field(default_factory=list)  # why some or all results are not used
    requirement_failures: list[RequirementFailure] = field(default_factory=list)


_ATTRIBUTE = "verify_results"


def attach(project, result: VerifyResult) -> None:
    """Give a scan's ``ProjectFacts`` fresh verify results (``scan --verify``)."""
    setattr(project, _ATTRIBUTE, ProjectVerifyResults(result, list(result.files), "", [],
                                                      list(result.requirements.failures if result.requirements else ())))


def results_for(project, target: MwaaVersion) -> ProjectVerifyResults:
    """The verify results of ``project`` for ``target`` (read once, then kept on the project)."""
    cached = getattr(project, _ATTRIBUTE, None)
    if cached is None:
        cached = read_carried_results(project.workspace.root)
        setattr(project, _ATTRIBUTE, cached)
    if cached.result is not None and cached.result.target.airflow != target.airflow:
        problem = (f"{cached.source or 'verify results'} were made for Airflow "
                   f"{cached.result.target.airflow}, not the target {target.airflow}; run "
                   f"`migrator verify --target {target.airflow} -f json -o {RESULTS_FILE}`")
        return ProjectVerifyResults(None, [], cached.source, [problem])
    return cached


def read_carried_results(root: Path) -> ProjectVerifyResults:
    """``verify-results.json`` at ``root``, with entries for changed or deleted files left out."""
    path = Path(root) / RESULTS_FILE
    if not path.is_file():
        return ProjectVerifyResults()
    try:
        result = VerifyResult.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return ProjectVerifyResults(None, [], RESULTS_FILE, [f"{RESULTS_FILE} cannot be used: {exc}"])
    kept, changed = [], []
    for entry in result.files:
        try:
            digest = hashlib.sha256((Path(root) / entry.path).read_bytes()).hexdigest()
        except OSError:
            digest = None
        (kept if digest == entry.sha256 else changed).append(entry)
    problems = []
    if changed:
        names = ", ".join(e.path for e in changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        problems.append(f"{len(changed)} file(s) changed since {RESULTS_FILE} was made, their results "
                        f"are not used: {names}; run `migrator verify -f json -o {RESULTS_FILE}` again")
    failures: list[RequirementFailure] = []
    if result.requirements is not None:
        try:
            digest = hashlib.sha256((Path(root) / result.requirements.path).read_bytes()).hexdigest()
        except OSError:
            digest = None
        if digest == result.requirements_sha256:
            failures = list(result.requirements.failures)
        else:
            problems.append(f"{result.requirements.path} changed since {RESULTS_FILE} was made; its "
                            "install results are not used")
    return ProjectVerifyResults(result, kept, RESULTS_FILE, problems, failures)


VERIFY_RULE_PREFIX = "MIG1"  # MIG101-MIG105 (migrator.rules.mig) read verify results


def verify_rules(settings: Settings, target: MwaaVersion) -> list:

    return [r for r in all_rules() if isinstance(r, ProjectRule) and r.id.startswith(VERIFY_RULE_PREFIX)
            and settings.rule_enabled(r.id) and r.applies(target)]


def verify_findings(project, result: VerifyResult, settings: Settings) -> list[Finding]:
    """The findings of a verify run, filtered like a scan's (select/ignore, per-path, inline)."""

    attach(project, result)
    ctx = RuleContext(target=result.target, index=build_index(project.workspace))
    findings = run_project_rules(project, verify_rules(settings, result.target), ctx)
    return finalize(_filtered(findings, settings, project.workspace.root))


def _filtered(findings: list[Finding], settings: Settings, root: Path) -> list[Finding]:

    lines: dict[str, list[str]] = {}
    kept = []
    for finding in findings:
        if not settings.rule_enabled(finding.rule) or settings.ignored_for_path(finding.rule, finding.path):
            continue
        if finding.path not in lines:
            source = read_text(root / finding.path) if finding.path != "." else None
            lines[finding.path] = source.text.splitlines() if isinstance(source, SourceText) else []
        text = lines[finding.path]
        line = text[finding.location.line - 1] if 0 < finding.location.line <= len(text) else ""
        if not is_suppressed(finding, line):
            kept.append(finding)
    return kept


def merge_into_scan(scan_result, result: VerifyResult, settings: Settings) -> None:
    """``scan --verify``: replace the scan's verify findings with those of a fresh run."""
    fresh = verify_findings(scan_result.project, result, settings)
    ids = {r.id for r in verify_rules(Settings(), result.target)}
    scan_result.findings = finalize([f for f in scan_result.findings if f.rule not in ids] + fresh)


