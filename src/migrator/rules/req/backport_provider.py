"""REQ019: Airflow 1.10 backport provider package"""

from __future__ import annotations

from migrator.findings import FixSafety, ReplaceRequirement, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import BACKPORT_PREFIX, _RequirementRule, constraint_line

PROVIDER_PREFIX = "apache-airflow-providers-"


class BackportProvider(_RequirementRule):
    """
    ## What it does
    Reports `apache-airflow-backport-providers-*` requirements: the packages that brought
    Airflow 2 providers to Airflow 1.10.

    ## Why it matters on MWAA
    They require Airflow 1.10 and conflict with every Airflow 2 and 3 install (the last
    release is 2021.3.3); pip fails and the update rolls back. The matching
    `apache-airflow-providers-*` package is what the target needs.

    ## Example
    ```text
    apache-airflow-backport-providers-amazon==2021.3.3
    ```

    ## Fix
    Replace each with `apache-airflow-providers-<name>` and let the constraints choose the
    version (`migrator fix` does this).

    ## References
    - https://airflow.apache.org/docs/apache-airflow-providers/index.html
    - https://pypi.org/project/apache-airflow-backport-providers-amazon/
    """

    id = "REQ019"
    name = "backport-provider"
    severity = Severity.ERROR
    summary = "Airflow 1.10 backport provider package"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "apache-airflow-providers-sftp\n"}),)
    invalid = (Invalid(files={"requirements.txt": "apache-airflow-backport-providers-sftp==2021.3.3\n"}, line=1,
                       contains="apache-airflow-providers-sftp", fixed_path="requirements.txt",
                       fixed=f"{constraint_line()}\napache-airflow-providers-sftp"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.name and requirement.name.startswith(BACKPORT_PREFIX):
                replacement = PROVIDER_PREFIX + requirement.name[len(BACKPORT_PREFIX):]
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} is an Airflow 1.10 backport and cannot install with Airflow "
                    f"{ctx.target.airflow}: use {replacement}",
                    fix=ReplaceRequirement(safety=FixSafety.SAFE,
                                           description=f"use {replacement}", name=requirement.name,
                                           new=replacement))
