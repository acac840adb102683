"""REQ012: Requirement installed from a version-control URL"""

from __future__ import annotations

from migrator.analysis.requirements import MWAA_PLUGINS_DIR
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule


class VcsRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements installed from a version-control URL (`git+https://...`).

    ## Why it matters on MWAA
    They need network access to the repository host during every install (private networks
    have none), credentials for private repositories, and they build from source on each
    worker, which eats into the install time limit.

    ## Example
    ```text
    git+https://github.com/acme/airflow-utils.git@v1.4#egg=airflow-utils
    ```

    ## Fix
    Build a wheel (`pip wheel`), publish it to a private index or ship it in plugins.zip and
    install it with `--find-links /usr/local/airflow/plugins`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ012"
    name = "vcs-requirement"
    severity = Severity.WARNING
    summary = "Requirement installed from a version-control URL"
    valid = (Valid(files={"requirements.txt": "airflow-utils==1.4\n"}),)
    invalid = (Invalid(files={"requirements.txt": "git+https://github.com/acme/airflow-utils.git@v1.4#egg=airflow-utils\n"},
                       line=1, contains="airflow-utils"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.kind == "vcs":
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} is installed from version control: each worker needs the repository "
                    f"host and git during install; build a wheel and ship it in plugins.zip "
                    f"(--find-links {MWAA_PLUGINS_DIR})")
