"""REQ014: Requirement installed from a direct URL"""

from __future__ import annotations

from migrator.analysis.requirements import MWAA_PLUGINS_DIR
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule


class UrlRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements installed from a direct URL (`https://host/pkg-1.0-py3-none-any.whl`,
    `name @ https://...`).

    ## Why it matters on MWAA
    Each worker downloads the file during install: private networks cannot, and a host that
    moves or goes down breaks every later environment update.

    ## Example
    ```text
    https://artifacts.example.com/wheels/acme_hooks-2.1-py3-none-any.whl
    ```

    ## Fix
    Ship the wheel in plugins.zip and install it by name with
    `--find-links /usr/local/airflow/plugins`, or publish it to a private index.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ014"
    name = "url-requirement"
    severity = Severity.WARNING
    summary = "Requirement installed from a direct URL"
    valid = (Valid(files={"requirements.txt": "acme-hooks==2.1\n"}),)
    invalid = (Invalid(files={"requirements.txt": "https://artifacts.example.com/wheels/acme_hooks-2.1-py3-none-any.whl\n"},
                       line=1, contains="acme_hooks"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.kind == "url":
                yield self.at_requirement(requirement, f"{requirement.display()} is downloaded from a URL on every "
                                                       f"install: ship the file in plugins.zip (--find-links "
                                                       f"{MWAA_PLUGINS_DIR}) or publish it to an index")
