"""PKG025: A requirement is moved to a version that installs with the target"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.facts import BundleFacts, RequirementMoved
from migrator.bundle.model import REQUIREMENTS
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.secrets import mask

if TYPE_CHECKING:
    from migrator.bundle.model import BundleCheck


class RequirementVersionMoved(PackageRule):
    """
    ## What it does
    Reports a requirements.txt pin the bundle moves to another version because the written one
    does not install with the target's constraints: a pin whose own dependencies conflict with
    them (read from the package index), or a line `migrate --verify` found pip cannot install.

    ## Why it matters on MWAA
    MWAA installs requirements.txt whole or not at all, so the bundle ships a version that
    installs; but the DAGs were written against the old one, and its API may differ.

    ## Example
    `awscli==1.19.110` pins a botocore other than the constraints' and moves to the newest
    release whose dependencies fit (the example is the build's facts: the moves come from the
    package index and pip, which no offline project can ask); a bundle that moves nothing is
    fine.

    ## Fix
    Check the code that imports the package against the new version, then pin that version in
    the project's requirements.txt.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "PKG025"
    name = "requirement-version-moved"
    severity = Severity.WARNING
    summary = "A requirement is moved to a version that installs with the target"
    valid = (Valid(facts=BundleFacts(target_airflow="3.0.6")),)
    invalid = (Invalid(facts=BundleFacts(target_airflow="3.0.6", requirement_moves=(RequirementMoved(
        2, "awscli==1.19.110", "awscli==1.40.20",
        "it requires botocore==1.20.110 (the constraints pin 1.38.21); 1.40.20 is the newest "
        "release whose requirements the constraints satisfy"),)),
        contains="awscli==1.40.20 does"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for move in facts.requirement_moves:
            yield self.moved(facts.target_airflow, move)

    def moved(self, airflow: str, move: RequirementMoved) -> BundleCheck:
        """The check of one moved line; also what ``migrate --verify``'s repairs report."""
        return self.report(
            f"line {move.line}: {mask(move.requirement)} does not install with MWAA "
            f"{airflow} ({mask(move.reason)}); {move.replacement} does: "
            "check the code against that version", REQUIREMENTS, in_bundle=True)
