"""REQ013: Requirement or --find-links names a local path"""

from __future__ import annotations

from migrator.analysis.requirements import MWAA_PLUGINS_DIR, is_url
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule


class LocalPathRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements and `--find-links` that name a local path (`-e .`, `./libs/pkg`,
    `file:///...`, `--find-links ./wheels`).

    ## Why it matters on MWAA
    MWAA installs requirements.txt alone from S3: the path does not exist there and the
    install fails.

    ## Example
    ```text
    -e ./libs/company_utils
    ```

    ## Fix
    Build a wheel of the package, put it in plugins.zip, and install it with
    `--find-links /usr/local/airflow/plugins` plus the package name; or move the code into
    the DAGs folder as a plain module.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ013"
    name = "local-path-requirement"
    severity = Severity.ERROR
    summary = "Requirement or --find-links names a local path"
    valid = (Valid(files={"requirements.txt": "--find-links /usr/local/airflow/plugins\ncompany-utils==1.0\n"}),)
    invalid = (Invalid(files={"requirements.txt": "-e ./libs/company_utils\n"}, line=1, contains="./libs/company_utils"),
               Invalid(files={"requirements.txt": "--find-links ./wheels\ncompany-utils==1.0\n"}, line=1))

    def check_entry(self, project, ctx, entry):
        advice = f"build a wheel, ship it in plugins.zip and use --find-links {MWAA_PLUGINS_DIR}"
        for requirement in project.requirements.requirements_of(entry):
            if requirement.kind == "path":
                yield self.at_requirement(requirement, f"{requirement.display()} is a local path that does not "
                                                       f"exist on MWAA: {advice}")
        for option in project.requirements.options_of(entry, "find-links"):
            value = (option.value or "").rstrip("/")
            if value and not is_url(value) and value not in (MWAA_PLUGINS_DIR,) and \
                    not value.startswith(MWAA_PLUGINS_DIR + "/"):
                yield self.at_option(option, f"--find-links {value} is a local folder that does not exist on MWAA: "
                                             f"{advice}")
