"""MIG103: Requirement does not install with the target's Airflow and constraints"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.rules.mig._helpers import (
    _EXAMPLE_TARGET,
    _LOADED,
    _MODERN_DAG,
    _example,
    _report_location,
)
from migrator.verify import results_for


class RequirementInstallFailureRule(ProjectRule):
    """
    ## What it does
    Reports requirements that pip would not install next to Airflow of the target version,
    under the target's constraints, with pip's reason (from `migrator verify`, which installs
    the project's requirements into its Airflow venv).

    ## Why it matters on MWAA
    MWAA installs requirements.txt with the same constraints when the environment starts or
    updates; one requirement that does not install fails the whole update, and the DAGs that
    import the package break.

    ## Example
    ```text
    apache-airflow==1.10.15
    pandas==1.2.3        # no wheel for Python 3.12, and its build fails
    ```

    ## Fix
    Remove Airflow and its essential packages from requirements.txt, drop pins the target's
    constraints already decide, and move pins that conflict to versions the constraints allow.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/installing-from-pypi.html
    """

    id = "MIG103"
    name = "requirement-install-failure"
    severity = Severity.ERROR
    summary = "Requirement does not install with the target's Airflow and constraints"
    valid = (Valid(files=_example({"dags/nightly.py": _MODERN_DAG, "requirements.txt": "tabulate\n"},
                                  [_LOADED], requirements={"path": "requirements.txt", "failures": []}),
                   target=_EXAMPLE_TARGET),)
    invalid = (
        Invalid(files=_example(
            {"dags/nightly.py": _MODERN_DAG, "requirements.txt": "tabulate\napache-airflow==1.10.15\n"},
            [_LOADED], requirements={"path": "requirements.txt", "failures": [
                {"path": "requirements.txt", "line": 2, "requirement": "apache-airflow==1.10.15",
                 "reason": "Cannot install apache-airflow==1.10.15 because these package versions "
                           "have conflicting dependencies."}]}),
            target=_EXAMPLE_TARGET, line=2, contains="conflicting dependencies"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for failure in results_for(project, ctx.target).requirement_failures:
            yield self.finding(failure.path, _report_location(failure.line),
                               f"{failure.requirement} does not install with Airflow {ctx.target.airflow} "
                               f"and its constraints: {failure.reason}", anchor=failure.requirement)
