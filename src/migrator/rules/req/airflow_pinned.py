"""REQ002: requirements.txt installs apache-airflow itself"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.requirements import providers_for_extras, specifier_excludes
from migrator.findings import DropAirflow, FixSafety, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import AIRFLOW, _RequirementRule, constraint_line


class AirflowPinned(_RequirementRule):
    """
    ## What it does
    Reports `apache-airflow` itself in the requirements file.

    ## Why it matters on MWAA
    MWAA installs Airflow at the environment's version and pins it. A requirement for another
    version makes pip fail and the update roll back; a requirement for the same version only
    slows the install down. Extras (`apache-airflow[amazon]`) do not install providers at a
    version pip can choose freely either.

    ## Example
    ```text
    apache-airflow[postgres]==2.7.3
    ```

    ## Fix
    Remove the line; list the providers the extras stood for as `apache-airflow-providers-*`
    requirements instead. `migrator fix` does both.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/t-create-update-environment.html
    """

    id = "REQ002"
    name = "airflow-pinned"
    severity = Severity.ERROR
    summary = "requirements.txt installs apache-airflow itself"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "apache-airflow-providers-snowflake==6.5.0\n"}),
             # A copy of an older requirements file, kept beside the shipped one: MWAA never installs it.
             Valid(files={"requirements.txt": "apache-airflow-providers-snowflake==6.5.0\n",
                          "requirements_v2.10.4.txt": "apache-airflow==2.10.4\napache-airflow-providers-snowflake==6.5.0\n"}))
    invalid = (
        Invalid(files={"requirements.txt": "apache-airflow[postgres]==2.7.3\n"}, line=1, contains="2.7.3",
                fixed_path="requirements.txt", fixed=constraint_line()),
        # The Airflow the default target (Example.target_version()) already runs.
        Invalid(files={"requirements.txt": f"apache-airflow=={compat.newest_with_image().airflow}\n"},
                contains="already installs"),
    )

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.name != AIRFLOW:
                continue
            choice = project.constraints_for(entry, ctx.target) if requirement.extras else None
            providers = providers_for_extras(requirement.extras, ctx.target, choice.constraints if choice else None)
            fix = DropAirflow(safety=FixSafety.SAFE,
                              description="remove apache-airflow (MWAA installs it)", name=AIRFLOW,
                              add=tuple(providers))
            if requirement.specifier and specifier_excludes(requirement.specifier, ctx.target.airflow):
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} asks for another Airflow than the environment's "
                    f"{ctx.target.airflow}: pip fails against MWAA's pin and the update rolls back",
                    fix=fix)
            else:
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()}: MWAA already installs apache-airflow {ctx.target.airflow}; "
                    "remove the line" + (f" and list {', '.join(providers)}" if providers else ""),
                    fix=fix, severity=Severity.WARNING)
