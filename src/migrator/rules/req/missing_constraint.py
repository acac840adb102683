"""REQ003: requirements.txt has no --constraint line"""

from __future__ import annotations

from migrator import compat
from migrator.findings import AddConstraint, FixSafety, Severity
from migrator.root_causes import REMOTE_INCLUDE_ANCHOR
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _at, _RequirementRule, constraint_line


class MissingConstraint(_RequirementRule):
    """
    ## What it does
    Reports a requirements file without a `--constraint` (`-c`) line.

    ## Why it matters on MWAA
    Nothing breaks: when the file names no constraints, MWAA logs a warning and installs with
    its own copy of the Apache constraints of the environment's Airflow (the same file the
    target's constraints URL serves). The MWAA user guide still asks for the line: it makes the
    file say which constraints it was tested with, and an Airflow upgrade then changes it in
    review instead of silently.

    ## Example
    ```text
    apache-airflow-providers-snowflake
    pandas==2.2.3
    ```

    ## Fix
    Add the target's constraints URL as the first line, e.g.
    `--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.3.1/constraints-3.12.txt"`.
    `migrator fix` adds it, except when the file includes a remote requirements file
    (`-r https://...`): that file may carry its own `--constraint`, which the scan cannot read,
    so the finding says the include goes unchecked and asks for the target's constraints unless
    the remote file names them. Providers the code imports that only the remote file may list
    (missing-provider, REQ007) are related locations of that one finding.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-packages.html
    - https://github.com/aws/amazon-mwaa-docker-images (python/mwaa/utils/user_requirements.py)
    """

    id = "REQ003"
    name = "missing-constraint"
    severity = Severity.INFO
    summary = "requirements.txt has no --constraint line"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\npandas==2.3.3\n", "constraints.txt": "pandas==2.3.3\n"}),
             Valid(files={"requirements.txt": "# -c constraints.txt (MWAA accepts a commented line)\npandas==2.3.3\n"}),
             # A Docker image's requirements beside the shipped file: MWAA never installs them.
             Valid(files={"requirements.txt": "-c constraints.txt\npandas==2.3.3\n", "constraints.txt": "pandas==2.3.3\n",
                          "docker/airflow/requirements_v2.6.2.txt": "pandas==1.5.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "pandas==2.3.3\n"}, line=1,
                       contains=f"constraints-{compat.newest_with_image().airflow}"),
               # A line the constraints do not pin: the fix adds the --constraint line alone.
               Invalid(files={"requirements.txt": "geopandas==1.0.1\n"}, line=1, fixed_path="requirements.txt",
                       fixed=f"{constraint_line()}\ngeopandas==1.0.1"),
               Invalid(files={"requirements.txt": "pandas==2.3.3\n"}, contains="MWAA adds its own copy"),
               # A remote include may carry a --constraint: not claimed missing, asked to be checked.
               Invalid(files={"requirements.txt": "-r https://example.org/base-requirements.txt\npandas==2.3.3\n"},
                       line=1, contains="this scan cannot read it"))

    def check_entry(self, project, ctx, entry):
        facts = project.requirements
        if facts.options_of(entry, "constraint") or any(facts.files[p].has_commented_constraint
                                                         for p in facts.closure(entry) if p in facts.files):
            return
        url = ctx.target.constraints_url
        remote = facts.remote_includes(entry)
        if remote:
            include = remote[0]
            yield self.finding(include.path, _at(include.line, include.text),
                               f"{include.text} is fetched by pip at install time and this scan cannot read it: "
                               "the requirements and any --constraint it holds go unchecked; unless it names "
                               f"--constraint \"{url}\" (Airflow {ctx.target.airflow}), add that line here",
                               anchor=REMOTE_INCLUDE_ANCHOR)
            return
        yield self.finding(entry, _at(1), f"no --constraint line: MWAA adds its own copy of Airflow "
                                          f"{ctx.target.airflow}'s constraints and logs a warning; add --constraint "
                                          f"\"{url}\" so the file names the constraints it installs with",
                           anchor="missing-constraint",
                           fix=AddConstraint(safety=FixSafety.SAFE,
                                             description="add the target's --constraint line", url=url))
