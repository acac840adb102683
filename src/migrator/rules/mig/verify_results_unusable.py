"""MIG105: verify-results.json is unreadable, for another target, or out of date"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.rules.mig._helpers import (
    _EXAMPLE_TARGET,
    _IMPORT_ERROR,
    _LEGACY_DAG,
    _LOADED,
    _MODERN_DAG,
    _example,
)
from migrator.verify import RESULTS_FILE, results_for


class VerifyResultsUnusableRule(ProjectRule):
    """
    ## What it does
    Reports a `verify-results.json` the scan cannot use, in whole or in part: unreadable, made
    for another target version, or made before some of its files changed.

    ## Why it matters on MWAA
    It does not directly: it says that the DAG-loading results the scan would otherwise report
    (MIG101-MIG104) are missing or out of date, so a broken DAG may go unreported.

    ## Example
    A `verify-results.json` made with `--target 2.11.2`, scanned with `--target 3.3.1`.

    ## Fix
    Run `migrator verify --target <target> -f json -o verify-results.json` again, or use
    `migrator scan --verify`.

    ## References
    - `migrator explain MIG101`
    """

    id = "MIG105"
    name = "verify-results-unusable"
    severity = Severity.WARNING
    summary = "verify-results.json is unreadable, for another target, or out of date"
    valid = (Valid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED]), target=_EXAMPLE_TARGET),)
    invalid = (
        Invalid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED], airflow="2.11.2"),
                target=_EXAMPLE_TARGET, contains="made for Airflow 2.11.2"),
        Invalid(files={**_example({"dags/nightly.py": _LEGACY_DAG}, [_IMPORT_ERROR]),
                       "dags/nightly.py": _MODERN_DAG},
                target=_EXAMPLE_TARGET, contains="changed since"),
        Invalid(files={"dags/nightly.py": _MODERN_DAG, RESULTS_FILE: "{not json"},
                target=_EXAMPLE_TARGET, contains="cannot be used"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        carried = results_for(project, ctx.target)
        for problem in carried.problems:
            yield self.finding(RESULTS_FILE, Location(), problem, anchor=problem.split(":", 1)[0])
