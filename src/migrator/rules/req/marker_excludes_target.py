"""REQ010: Environment marker skips the requirement on the target"""

from __future__ import annotations

from migrator.analysis.requirements import marker_excludes_target
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule


class MarkerExcludesTarget(_RequirementRule):
    """
    ## What it does
    Reports requirements whose environment marker is false on the target's MWAA workers
    (Python version, Linux).

    ## Why it matters on MWAA
    pip silently skips them, so a package the DAGs import is never installed; typical after a
    Python upgrade (`; python_version < "3.10"` on a Python 3.12 target).

    ## Example
    ```text
    backports.zoneinfo==0.2.1; python_version < "3.9"
    ```

    ## Fix
    Remove the marker, or remove the line when the package is not needed on the target.

    ## References
    - https://packaging.python.org/en/latest/specifications/dependency-specifiers/#environment-markers
    """

    id = "REQ010"
    name = "marker-excludes-target"
    severity = Severity.WARNING
    summary = "Environment marker skips the requirement on the target"
    valid = (Valid(files={"requirements.txt": 'pandas==2.3.3; python_version >= "3.9"\n'}),)
    invalid = (Invalid(files={"requirements.txt": 'pandas==1.3.5; python_version < "3.10"\n'}, line=1,
                       contains="Python 3.12"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.marker and marker_excludes_target(requirement.marker, ctx.target, requirement.extras):
                yield self.at_requirement(
                    requirement,
                    f"the marker `{requirement.marker}` is false on MWAA {ctx.target.airflow} (Python "
                    f"{ctx.target.python}, Linux): pip skips {requirement.written_name}")
