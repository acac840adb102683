"""REQ018: Requirement file line pip cannot read, or a broken include"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.req._helpers import _at
from migrator.secrets import mask_uri


class InvalidRequirement(ProjectRule):
    """
    ## What it does
    Reports lines pip cannot read in requirement files: invalid requirement syntax, unknown
    options, `-r` includes that are missing from the project, and include cycles.

    ## Why it matters on MWAA
    One bad line fails the whole `pip install -r requirements.txt`, and MWAA receives the file
    alone: an include that lives next to it on-prem is not in S3.

    ## Example
    ```text
    -r requirements/base.txt
    pandas=2.2.3
    ```

    ## Fix
    Correct the syntax (`pandas==2.2.3`); inline the included files into the one
    requirements.txt MWAA receives (`migrator package` does this).

    ## References
    - https://pip.pypa.io/en/stable/reference/requirements-file-format/
    """

    id = "REQ018"
    name = "invalid-requirement"
    severity = Severity.ERROR
    summary = "Requirement file line pip cannot read, or a broken include"
    valid = (Valid(files={"requirements.txt": "-r base.txt\npandas==2.3.3\n", "base.txt": "requests==2.34.2\n"}),
             # pip never reads a requirements file the bundle does not ship.
             Valid(files={"requirements.txt": "pandas==2.3.3\n", "docker/requirements_v1.txt": "pandas=1.5.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "pandas=2.2.3\n"}, line=1, contains="not a valid requirement"),
               Invalid(files={"requirements.txt": "-r requirements-base.txt\n",
                              "requirements-base.txt": "-r requirements.txt\n"}, contains="include cycle"),
               Invalid(files={"requirements.txt": "-r missing.txt\n"}, contains="not found"))

    def check(self, project, ctx):
        shipped = set(project.requirements.shipped_files)
        for path, line, message in project.requirements.problems:
            if path in shipped:  # a line pip never reads on MWAA cannot fail its install
                yield self.finding(path, _at(line), mask_uri(message), anchor=message)
