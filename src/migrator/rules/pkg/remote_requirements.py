"""PKG012: requirements.txt includes a requirements file from a URL"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.model import REQUIREMENTS
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class RemoteRequirements(PackageRule):
    """
    ## What it does
    Reports a `-r URL` line the bundle's requirements.txt keeps.

    ## Why it matters on MWAA
    MWAA fetches the file when it installs, so the bundle installs whatever it holds then,
    unreviewed, and nothing at all in a private network.

    ## Example
    `-r https://example.com/team/requirements.txt`.

    ## Fix
    Copy its requirements into the project's requirements file, which the bundle's inlines.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "PKG012"
    name = "remote-requirements"
    severity = Severity.WARNING
    summary = "requirements.txt includes a requirements file from a URL"
    valid = (Valid(DAG, files={"requirements.txt": "requests==2.32.3\n"}),)
    invalid = (Invalid(DAG, files={"requirements.txt": "requests==2.32.3\n-r https://example.com/team/requirements.txt\n"}, contains="MWAA fetches this requirements file"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        inline = "copy its requirements into the project's requirements file, which the bundle's inlines"
        for line, url in facts.remote_requirements:
            yield self.report(
                f"line {line} ({url}): MWAA fetches this requirements file at install time, so "
                "the bundle installs whatever it holds then, and not at all in a private network: "
                f"{inline}", REQUIREMENTS, in_bundle=True)
