"""MIG104: Airflow of the target version warns about a deprecated API while loading the DAG"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, RuleContext, Valid
from migrator.rules.mig._helpers import (
    _EXAMPLE_TARGET,
    _LEGACY_DAG,
    _LOADED,
    _MODERN_DAG,
    _example,
    _report_location,
    _VerifyRule,
)


class AirflowDeprecationWarningRule(_VerifyRule):
    """
    ## What it does
    Reports the deprecation warnings Airflow of the target version raised while loading each DAG
    file (`RemovedInAirflow3Warning`, `AirflowProviderDeprecationWarning`, deprecated imports),
    at the project line the warning points to.

    ## Why it matters on MWAA
    What is deprecated on the target is removed on the next Airflow major version, and MWAA
    ends support for old versions on a schedule: these lines break on the next upgrade.

    ## Example
    ```python
    DAG("nightly", schedule_interval="@daily")  # RemovedInAirflow3Warning on 2.11
    ```

    ## Fix
    Follow the warning's advice (most have a `migrator fix` counterpart), then verify again.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/release_notes.html
    """

    id = "MIG104"
    name = "airflow-deprecation-warning"
    severity = Severity.WARNING
    summary = "Airflow of the target version warns about a deprecated API while loading the DAG"
    valid = (Valid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED]), target=_EXAMPLE_TARGET),)
    invalid = (
        Invalid(files=_example(
            {"dags/nightly.py": _LEGACY_DAG},
            [{**_LOADED, "warnings": [{
                "category": "airflow.exceptions.RemovedInAirflow3Warning", "path": "dags/nightly.py",
                "line": 4, "message": "The `airflow.operators.bash_operator.BashOperator` class is "
                                      "deprecated. Please use `'airflow.operators.bash.BashOperator'`."}]}],
            airflow="2.11.2"),
            target="2.11.2", line=4, contains="RemovedInAirflow3Warning"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for entry in self.files(project, ctx):
            for warning in entry.warnings:
                # verify makes project paths relative; others stay absolute or site-packages/...
                in_project = not warning.path.startswith(("site-packages/", "/", "<"))
                path, line = (warning.path, warning.line) if in_project else (entry.path, 1)
                category = warning.category.rsplit(".", 1)[-1]
                text = warning.message.strip().splitlines()[0] if warning.message.strip() else ""
                origin = "" if in_project else f" (raised in {warning.path}:{warning.line})"
                yield self.finding(path, _report_location(line),
                                   f"{category} on Airflow {ctx.target.airflow}: {text}{origin}",
                                   anchor=f"{category}\x1f{text}")
