"""PKG026: The package index could not say whether pins' dependencies fit the target"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.facts import BundleFacts
from migrator.bundle.model import REQUIREMENTS
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid

if TYPE_CHECKING:
    from migrator.bundle.model import BundleCheck

SHOWN = 5  # pins named in the message; the rest are counted


class RequirementDependenciesUnchecked(PackageRule):
    """
    ## What it does
    Reports the exact pins of packages the target's constraints leave free whose own
    dependencies could not be checked against the constraints, because the package index could
    not be asked (offline, unreachable, or the package is not on it).

    ## Why it matters on MWAA
    A pin that itself pins a constrained package at another version (awscli pinning botocore)
    fails the whole install, and MWAA then installs none of the requirements.

    ## Example
    `awscli==1.19.110` in requirements.txt, packaged with `MWAA_MIGRATOR_OFFLINE` set (the
    example is the build's facts, so that it does not depend on whether the index answers);
    a bundle whose pins were all checked is fine.

    ## Fix
    Run `migrator package` again with the index reachable, or check with `pip install
    --dry-run -r requirements.txt -c <the target's constraints>`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    - https://pip.pypa.io/en/stable/cli/pip_install/#cmdoption-dry-run
    """

    id = "PKG026"
    name = "requirement-dependencies-unchecked"
    severity = Severity.WARNING
    summary = "The package index could not say whether pins' dependencies fit the target"
    valid = (Valid(facts=BundleFacts(target_airflow="3.0.6")),)
    invalid = (Invalid(facts=BundleFacts(target_airflow="3.0.6", dependencies_unchecked=(
        "awscli==1.19.110 (MWAA_MIGRATOR_OFFLINE is set)",)), contains="awscli==1.19.110"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        unchecked = facts.dependencies_unchecked
        if not unchecked:
            return
        more = f" (+{len(unchecked) - SHOWN} more)" if len(unchecked) > SHOWN else ""
        yield self.report(
            f"the package index could not say whether the dependencies of these pins fit MWAA "
            f"{facts.target_airflow}'s constraints: {'; '.join(unchecked[:SHOWN])}{more}. "
            "A pin that itself pins a constrained package at another version (awscli pinning "
            "botocore) fails the whole install: run again with the index reachable, or check with "
            "pip install --dry-run -r requirements.txt -c <the target's constraints>", REQUIREMENTS,
            in_bundle=True)
