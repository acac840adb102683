"""PKG014: A requirement names a distribution PyPI no longer has"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG


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
