"""Linking diagnoses to the project behind them (``doctor --project PATH``): the scan findings
in the file a failure names (a DAG file, a plugin module), about what it names (a requirement,
a module), or of the rules that name its cause (parse-time work behind slow parsing). Pure: the
caller scans the project and passes the findings.

What a diagnosis names comes from its signature's capture groups; the names below are the
catalogue's contract (compat/data/mwaa_failure_signatures.json).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from migrator import compat
from migrator.doctor.model import Diagnosis, ProjectLink, Report
from migrator.findings import Finding

CONTAINER_PATH_GROUPS = ("dag_file", "plugin")  # paths on an MWAA container
REQUIREMENT_GROUPS = ("requirement", "constraint", "requirements")  # pip requirement texts
MODULE_GROUPS = ("module",)  # dotted import names
RULE_GROUPS = ("scan_rules",)  # comma-separated rule ids whose findings are the cause
REQUIREMENT_RULES = "REQ"  # the family whose findings are about requirement lines
LINKS_PER_DIAGNOSIS = 5
# Only from the first blank of a run: `\s+and` tried at every blank of a long run is quadratic.
_REQUIREMENT_SEPARATOR = re.compile(r",\s*|(?<!\s)\s+and\s+")


def _project_relative(container_path: str) -> str | None:
    """``/usr/local/airflow/dags/team/x.py`` -> ``team/x.py`` (the same for plugins)."""
    for folder in compat.worker_paths().from_mwaa:
        if container_path.startswith(folder + "/"):
            return container_path[len(folder) + 1:]
    return None


def _distributions(text: str) -> set[str]:
    names = set()
    for piece in _REQUIREMENT_SEPARATOR.split(text):
        try:
            names.add(canonicalize_name(Requirement(piece.strip()).name))
        except InvalidRequirement:
            continue
    return names


def _mentions_distribution(message: str, names: set[str]) -> bool:
    spelled = canonicalize_name(message)  # lower case, runs of -_. as one -
    return any(re.search(rf"(?<![a-z0-9-]){re.escape(name)}(?![a-z0-9])", spelled) for name in names)


def _related(diagnosis: Diagnosis, findings: list[Finding]) -> list[Finding]:
    values = dict(diagnosis.values)
    files = {rel for key in CONTAINER_PATH_GROUPS if key in values
             for rel in [_project_relative(values[key])] if rel}
    names = {name for key in REQUIREMENT_GROUPS if key in values for name in _distributions(values[key])}
    modules = [re.compile(rf"(?<![\w.]){re.escape(values[key])}(?!\w)") for key in MODULE_GROUPS if key in values]
    rules = {rule for key in RULE_GROUPS if key in values for rule in values[key].split(",")}

    def behind(finding: Finding) -> bool:
        in_named_file = any(finding.path == rel or finding.path.endswith("/" + rel) for rel in files)
        names_requirement = (bool(names) and finding.rule.startswith(REQUIREMENT_RULES)
                             and _mentions_distribution(finding.message, names))
        return (in_named_file or names_requirement or finding.rule in rules
                or any(m.search(finding.message) for m in modules))

    return [finding for finding in findings if behind(finding)]


def link_findings(report: Report, findings: Iterable[Finding]) -> Report:
    """``report`` with each diagnosis's related scan findings (the first few, errors first)."""
    findings = sorted(findings, key=lambda f: (-f.severity, f.path, f.location.line))
    diagnoses = []
    for diagnosis in report.diagnoses:
        related = _related(diagnosis, findings)[:LINKS_PER_DIAGNOSIS]
        links = tuple(ProjectLink(f.path, f.location.line, f.rule, f.message) for f in related)
        diagnoses.append(replace(diagnosis, project=links))
    return replace(report, diagnoses=tuple(diagnoses))
