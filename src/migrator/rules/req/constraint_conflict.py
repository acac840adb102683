"""REQ004: Requirement conflicts with the target's constraints"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.requirements import specifier_excludes
from migrator.findings import FixSafety, PinRequirement, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import CONSTRAINTS_331, _RequirementRule
from migrator.secrets import mask_uri


class ConstraintConflict(_RequirementRule):
    """
    ## What it does
    Reports requirements whose version specifier excludes the version the target's
    constraints file pins. The message names both versions.

    ## Why it matters on MWAA
    pip installs requirements under the constraints; when the two disagree there is no
    solution, the install fails on every component and the update rolls back.

    ## Example
    ```text
    --constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.3.1/constraints-3.12.txt"
    requests==2.25.1
    ```

    ## Fix
    Move the pin to the constrained version (or drop the version and let the constraints pick
    it). If you really need another version, download the constraints file, edit it, ship it in
    the DAGs folder and point `--constraint` at `/usr/local/airflow/dags/<file>`.
    `migrator fix` moves the pin.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-packages.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/installing-from-pypi.html
    """

    id = "REQ004"
    name = "constraint-conflict"
    severity = Severity.ERROR
    summary = "Requirement conflicts with the target's constraints"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\nrequests>=2.0\npandas\n",
                          "constraints.txt": CONSTRAINTS_331}),
             # A constraints file of the DAGs folder (named so, or used with -c) installs nothing itself.
             Valid(files={"requirements.txt": "requests\n", "dags/requirements-constraints.txt": "requests==2.25.1\n"}))
    invalid = (Invalid(files={"requirements.txt": "-c constraints.txt\nrequests==2.25.1\n",
                              "constraints.txt": CONSTRAINTS_331},
                       line=2, contains="requests==2.34.2"),
               # The fix moves the pin to the constrained version (requests above is on the image:
               # its line goes instead).
               Invalid(files={"requirements.txt": "-c constraints.txt\npandas==2.2.0\n",
                              "constraints.txt": CONSTRAINTS_331},
                       line=2, contains="pandas==2.3.3", fixed_path="requirements.txt",
                       fixed="-c constraints.txt\npandas==2.3.3"))

    def check_entry(self, project, ctx, entry):
        choice = project.constraints_for(entry, ctx.target)
        if choice.constraints is None:
            return
        essentials = set(compat.essential_pin_names(ctx.target))
        for requirement in project.requirements.requirements_of(entry):
            name = requirement.name
            if not name or name in essentials or not requirement.specifier:
                continue
            pinned = choice.constraints.get(name)
            if pinned and specifier_excludes(requirement.specifier, pinned):
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} conflicts with the constraints for Airflow {ctx.target.airflow}, "
                    f"which pin {requirement.written_name}=={pinned} ({mask_uri(choice.constraints.source)})",
                    fix=PinRequirement(safety=FixSafety.SAFE,
                                       description=f"pin {requirement.written_name}=={pinned}",
                                        name=name, version=pinned))
