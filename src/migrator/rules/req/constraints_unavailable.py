"""REQ006: The requirements file's own constraints could not be read"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _at, _RequirementRule


class ConstraintsUnavailable(_RequirementRule):
    """
    ## What it does
    Says that the constraints pip will install with could not be read: a `--constraint` URL of
    the file's own that is not the target's Apache constraints URL could not be fetched (no
    network), or `--constraints FILE` cannot be read. The checks then use the MWAA image's own
    constraints for the target, which ship with the tool; only for a target whose image files
    were never published (Airflow 2.7.2 and 2.8.1) are they skipped.

    ## Why it matters on MWAA
    The checks that catch rollbacks before they happen need the constraints pip will really
    use. When they are another file than the target's, the report may miss conflicts with it,
    and says so instead of staying silent.

    ## Example
    A scan on a machine without internet access of a requirements file whose `--constraint`
    points at a company mirror of the constraints.

    ## Fix
    Run once with network access (the file is cached in `~/.cache/mwaa-migrator`), or download
    the constraints file and pass it: `migrator scan --constraints constraints-3.12.txt`
    (or `constraints = "..."` in `[tool.migrator]`), or reference a local copy with `-c`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/installing-from-pypi.html
    """

    id = "REQ006"
    name = "constraints-unavailable"
    severity = Severity.INFO
    summary = "The requirements file's own constraints could not be read"
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\npandas==2.3.3\n", "constraints.txt": "pandas==2.3.3\n"}),
             Valid(files={"requirements.txt": "pandas==2.3.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "-c https://constraints.example.invalid/constraints.txt\npandas\n"},
                       contains="--constraints FILE"),)

    def check_entry(self, project, ctx, entry):
        choice = project.constraints_for(entry, ctx.target)
        if choice.constraints is None:
            message = (f"constraint checks skipped ({choice.skipped_reason}); enable them with --constraints FILE "
                       "(the target's constraints file)")
        elif choice.skipped_reason:
            message = (f"the file's own constraints could not be read ({choice.skipped_reason}); pass them "
                       "with --constraints FILE to check against them")
        else:
            return
        yield self.finding(entry, _at(1), message, anchor="constraints-unavailable")
