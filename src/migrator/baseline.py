"""Baselines: findings a team has accepted for now, so CI fails only on new ones.

A baseline is a JSON report of an earlier ``migrator scan -f json`` (``scan --write-baseline``
writes one). A finding whose fingerprint it holds is known: it is not reported and does not
count for the exit code. Fingerprints hash the rule, the path and the line's text, not the line
number, so code moving above a finding keeps it known. A baseline finding no longer found is
fixed: the report says how many, and rewriting the baseline drops them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrator.engine import ScanResult
from migrator.errors import InputError
from migrator.report_file import write_report
from migrator.reporters.jsonout import stream
from migrator.rule_ids import current_id

# What a fixed baseline entry keeps in the report: enough to find it, not the whole finding.
FIXED_FIELDS = ("rule", "path", "line", "message")


@dataclass(frozen=True)
class Baseline:
    path: Path
    findings: tuple[dict[str, Any], ...]  # the earlier report's findings, as written

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(f["fingerprint"] for f in self.findings)


def read_baseline(path: Path) -> Baseline:
    """The findings of the JSON report at ``path``; an input error naming it when it is not one."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the baseline: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: the baseline is not JSON ({exc}); write one with "
                         "`migrator scan --write-baseline FILE`") from None
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, list) or not all(
            isinstance(f, dict) and isinstance(f.get("fingerprint"), str) for f in findings):
        raise InputError(f"{path}: the baseline is not a `migrator scan -f json` report (no list of "
                         "findings with fingerprints); write one with `migrator scan --write-baseline FILE`")
    return Baseline(Path(path), tuple(findings))


def write_baseline(path: Path, result: ScanResult, document: dict[str, Any]) -> Baseline:
    """Write the scan document of ``result`` as a baseline (the JSON report, every finding in
    it); returns it, for this run to apply."""
    write_report(path, stream(document))
    return Baseline(Path(path), tuple(f.to_json() for f in result.findings))


def apply_baseline(result: ScanResult, baseline: Baseline) -> dict[str, Any]:
    """Keep in ``result`` only the findings the baseline does not know; returns the report's
    account of it: the baseline file, how many known findings were left out, and the baseline's
    findings not found any more (fixed)."""
    known = baseline.fingerprints
    found = {f.fingerprint for f in result.all_findings}
    ran = {rule.id for rule in result.rules}  # a rule left out of this run fixed nothing
    new = [f for f in result.findings if f.fingerprint not in known]
    left_out = len(result.findings) - len(new)
    result.findings = new
    # A baseline written before a rule was renamed names its old id (its fingerprints match:
    # they hash the first id); the report names the rule as it is now.
    fixed = []
    for entry in baseline.findings:
        rule = current_id(str(entry.get("rule")))
        if entry["fingerprint"] not in found and rule in ran:
            fixed.append({key: entry.get(key) for key in FIXED_FIELDS} | {"rule": rule})
    return {"file": str(baseline.path), "known": left_out, "fixed": fixed}
