"""PKG013: A requirements line is left out of the bundle"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG


class RequirementRemoved(PackageRule):
    """
    ## What it does
    Reports a line the bundle's requirements.txt leaves out: a local path or `--find-links`
    folder MWAA does not have, a host only the on-prem network has, a VCS URL in a private
    network; and, as an error, a line no version of which installs with the target's
    constraints (`migrate --verify`).

    ## Why it matters on MWAA
    MWAA installs requirements.txt whole or not at all: one line it cannot use rolls the
    environment back.

    ## Example
    `./libs/acme_utils` in requirements.txt.

    ## Fix
    Build a wheel, ship it in plugins.zip and install it by name with `--find-links
    /usr/local/airflow/plugins`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "PKG013"
    name = "requirement-removed"
    severity = Severity.WARNING
    summary = "A requirements line is left out of the bundle"
    valid = (Valid(DAG, files={"requirements.txt": "requests==2.32.3\n"}),)
    invalid = (Invalid(DAG, files={"requirements.txt": "requests==2.32.3\n./libs/acme_utils\n"}, contains="a local path MWAA does not have"),)
