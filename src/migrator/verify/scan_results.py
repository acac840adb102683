"""Verify results in a scan: attached to the project for the MIG1xx rules, or carried in from an
earlier run's ``verify-results.json``. Turning them into findings runs those rules: that is
``migrator.verify_scan``, above both the rules and this package, so the rules can read results
here without an import loop (rules.mig -> verify -> rules)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from migrator.airflow_env import RequirementFailure
from migrator.compat.mwaa import MwaaVersion
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
