"""PKG013: A requirements line is left out of the bundle"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.model import REQUIREMENTS
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG
from migrator.secrets import mask

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts, RequirementDropped
    from migrator.bundle.model import BundleCheck


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

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for removal in facts.requirement_removals:
            yield self.report(f"line {removal.line} ({removal.shown}) is left out of the bundle's "
                              f"requirements.txt, {removal.why}", REQUIREMENTS, in_bundle=True)
        for drop in facts.requirement_drops:
            yield self.dropped(facts.target_airflow, drop)

    def dropped(self, airflow: str, drop: RequirementDropped) -> BundleCheck:
        """A line no version of which installs, removed so the rest installs: an error (the
        code importing it will not load). Also what ``migrate --verify``'s repairs report."""
        return self.report(
            f"line {drop.line}: no version of {mask(drop.requirement)} installs with MWAA "
            f"{airflow}'s constraints ({mask(drop.reason)}); removed, so the rest "
            "installs: the code importing it will not load until you ship a wheel that installs "
            "(package --private-network) or replace it", REQUIREMENTS,
            severity=Severity.ERROR, in_bundle=True)
