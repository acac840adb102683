"""REQ005: --constraint URL is for another Airflow or Python version"""

from __future__ import annotations

from migrator.analysis.requirements import constraints_url_versions
from migrator.findings import FixSafety, ReplaceConstraint, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule, constraint_line


class ConstraintVersionMismatch(_RequirementRule):
    """
    ## What it does
    Reports a `--constraint` URL that names another Airflow or Python version than the target
    MWAA environment runs.

    ## Why it matters on MWAA
    The constraints of another Airflow release pin providers and libraries built for that
    release; they fight MWAA's own pins and the install fails, or installs providers that do
    not import on the target. Upgrades must change this line.

    ## Example
    ```text
    --constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.7.3/constraints-3.11.txt"
    ```

    ## Fix
    Point the line at the target's constraints (`migrator fix` rewrites it).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/upgrading-environment.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html
    """

    id = "REQ005"
    name = "constraint-version-mismatch"
    severity = Severity.ERROR
    summary = "--constraint URL is for another Airflow or Python version"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\n", "constraints.txt": "pandas==2.3.3\n"}),)
    invalid = (Invalid(files={
        "requirements.txt": "--constraint https://raw.githubusercontent.com/apache/airflow/constraints-2.7.3/constraints-3.11.txt\n"},
        line=1, contains="2.7.3", fixed_path="requirements.txt", fixed=constraint_line()),)

    def check_entry(self, project, ctx, entry):
        url = ctx.target.constraints_url
        for option in project.requirements.options_of(entry, "constraint"):
            airflow, python = constraints_url_versions(option.value or "")
            if airflow and (airflow != ctx.target.airflow or (python and python != ctx.target.python)):
                yield self.at_option(
                    option,
                    f"the constraints are for Airflow {airflow} / Python {python}; the target runs Airflow "
                    f"{ctx.target.airflow} / Python {ctx.target.python}: use {url}",
                    fix=ReplaceConstraint(safety=FixSafety.SAFE,
                                          description="point --constraint at the target's constraints",
                                          old=option.value, url=url))
