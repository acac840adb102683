"""REQ009: Requirement has no version pin and the constraints do not pin it"""

from __future__ import annotations

from migrator import compat
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import CONSTRAINTS_331, _RequirementRule


class UnpinnedRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements with no upper bound (`==`, `<=`, `<`, `~=`) that the constraints do
    not pin either.

    ## Why it matters on MWAA
    Every environment update and every worker replacement reinstalls requirements. An unpinned
    package installs the newest release of that day, which can break imports or conflict with
    MWAA's pins months after the environment was tested.

    ## Example
    ```text
    pandas
    great-expectations>=0.15
    ```

    ## Fix
    Pin the version you tested (`pandas==2.2.3`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ009"
    name = "unpinned-requirement"
    severity = Severity.WARNING
    summary = "Requirement has no version pin and the constraints do not pin it"
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\nrequests\nmy-lib==1.0\n",
                          "constraints.txt": CONSTRAINTS_331}),
             # A Lambda's runtime requirements in the same repository: MWAA never installs them.
             Valid(files={"requirements.txt": "my-lib==1.0\n", "workflows_api/runtime/requirements.txt": "mangum>=0.15.0\n"}))
    invalid = (Invalid(files={"requirements.txt": "-c constraints.txt\nmy-lib>=1.0\n", "constraints.txt": CONSTRAINTS_331},
                       line=2, contains="my-lib"),)

    def check_entry(self, project, ctx, entry):
        choice = project.constraints_for(entry, ctx.target)
        constraints = choice.constraints
        essentials = compat.essential_pin_names(ctx.target)
        for requirement in project.requirements.requirements_of(entry):
            name = requirement.name
            if requirement.kind != "pypi" or not name or name in essentials or requirement.has_upper_bound:
                continue
            if constraints is not None and constraints.get(name):
                continue
            reason = "the constraints do not pin it" if constraints is not None else "no constraints were read"
            yield self.at_requirement(requirement, f"{requirement.display()} is not pinned and {reason}: every "
                                                   "install takes the newest release")
