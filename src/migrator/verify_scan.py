"""Verify results as scan findings: the MIG1xx rules run on a verify run, filtered like a scan's
findings (``migrator verify``), and merged into a scan's (``scan --verify``).

It sits above ``migrator.verify`` and the rules: the MIG1xx rules read results through
``migrator.verify`` (``results_for``), so the verify package must not import the rules back.
"""

from __future__ import annotations

from pathlib import Path

from migrator.analysis.source import SourceText, read_text
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.engine import build_index, is_suppressed, run_project_rules
from migrator.findings import Finding, finalize
from migrator.rules import ProjectRule, all_rules
from migrator.rules.base import RuleContext
from migrator.verify.results import VerifyResult
from migrator.verify.scan_results import attach

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


