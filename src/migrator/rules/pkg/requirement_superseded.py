"""PKG014: A requirement names a distribution PyPI no longer has"""

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


class RequirementSuperseded(PackageRule):
    """
    ## What it does
    Reports a requirement of a distribution PyPI does not have any more: the bundle installs
    the distribution that ships its modules now, or keeps the line when another index may
    serve it.

    ## Why it matters on MWAA
    pip fails on a name no index serves, and MWAA then installs none of the requirements.

    ## Example
    `odc-aws==0.0.1` (its modules ship in `odc-cloud` now).

    ## Fix
    Require the distribution that ships the modules, at the version you test.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "PKG014"
    name = "requirement-superseded"
    severity = Severity.WARNING
    summary = "A requirement names a distribution PyPI no longer has"
    valid = (Valid(DAG, files={"requirements.txt": "requests==2.32.3\n"}),)
    invalid = (Invalid(DAG, files={"requirements.txt": "odc-aws\n"}, contains="instead"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for found in facts.superseded:
            if found.kept_for is not None:
                message = (f"{found.where}: {found.why}; kept because {', '.join(found.kept_for)} "
                           f"may serve it: if it does not, the install fails; use {found.use}")
            else:
                message = (f"{found.where}: {found.why}; the bundle installs {found.use} instead (the "
                           "release checked to ship its modules): move the pin to the version you test")
            yield self.report(message, REQUIREMENTS, in_bundle=True)
