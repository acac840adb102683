"""REQ008: Requirement for a package MWAA already installs"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.requirements import redundant_with_image, specifier_excludes
from migrator.findings import DropRequirement, FixSafety, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import AIRFLOW, CONSTRAINTS_331, _RequirementRule, constraint_line


class PreinstalledPackage(_RequirementRule):
    """
    ## What it does
    Reports requirements for packages every MWAA image of the target already has (every
    distribution in the image's bill of materials: the preinstalled providers, Airflow's own
    dependencies, and what MWAA installs itself, such as `psycopg2` and `virtualenv`). A pin
    the constraints exclude is a conflict, not a redundancy: constraint-conflict (REQ004)
    reports it.

    ## Why it matters on MWAA
    The line is redundant unless it deliberately changes the version (an amazon provider
    upgrade is the documented case). Redundant lines make every install slower and hide which
    versions the DAGs really run with.

    ## Example
    ```text
    apache-airflow-providers-amazon
    psycopg2-binary
    ```

    ## Fix
    Remove the line (`migrator fix` removes it when the image's version satisfies it), or keep
    it on purpose with a version and a comment saying why.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-packages.html
    """

    id = "REQ008"
    name = "preinstalled-package"
    severity = Severity.INFO
    summary = "Requirement for a package MWAA already installs"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "apache-airflow-providers-snowflake\n"}),
             # A pin the constraints exclude is a conflict, not a redundancy: constraint-conflict says so.
             Valid(files={"requirements.txt": "-c constraints.txt\nrequests==2.25.1\n", "constraints.txt": CONSTRAINTS_331}),
             # A Lambda's runtime requirements: MWAA never installs them.
             Valid(files={"requirements.txt": "apache-airflow-providers-snowflake\n",
                          "workflows_api/runtime/requirements.txt": "apache-airflow-providers-amazon\nrequests\n"}))
    invalid = (Invalid(files={"requirements.txt": "apache-airflow-providers-amazon\n"}, line=1,
                       contains="preinstalled", fixed_path="requirements.txt", fixed=constraint_line()),
               Invalid(files={"requirements.txt": "boto3-stubs==1.0\n"}, line=1, contains="keep it only on purpose"))

    def check_entry(self, project, ctx, entry):
        installed = compat.image_packages(ctx.target)
        essentials = compat.essential_pin_names(ctx.target)
        constraints = project.constraints_for(entry, ctx.target).constraints
        for requirement in project.requirements.requirements_of(entry):
            name = requirement.name
            if not name or name not in installed or name in essentials or name == AIRFLOW:
                continue
            version = installed[name]
            constrained = constraints.get(name) if constraints else None
            if constrained and requirement.specifier and specifier_excludes(requirement.specifier, constrained):
                continue  # a conflict, not a redundancy: constraint-conflict reports it
            shown = f" {version}" if version else ""
            if redundant_with_image(requirement, version, constrained):
                yield self.at_requirement(
                    requirement,
                    f"{requirement.written_name} is preinstalled on MWAA {ctx.target.airflow}{shown}; the line "
                    "is redundant",
                    fix=DropRequirement(safety=FixSafety.SAFE,
                                        description=f"remove {requirement.written_name}: MWAA's image "
                                        "has it", name=name))
            else:
                yield self.at_requirement(
                    requirement,
                    f"{requirement.written_name} is preinstalled on MWAA {ctx.target.airflow}{shown}; this line "
                    "asks for another version: keep it only on purpose")
