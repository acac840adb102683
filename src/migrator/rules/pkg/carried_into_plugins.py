"""PKG007: Code outside the DAG and plugins folders is carried into plugins.zip"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.model import PLUGINS_ZIP
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class CarriedIntoPlugins(PackageRule):
    """
    ## What it does
    Reports each package or module outside the DAG and plugins folders that shipped code
    imports, which the bundle carries into the root of plugins.zip.

    ## Why it matters on MWAA
    MWAA has only the DAG folder and plugins.zip on `sys.path`; at the zip's root the same
    imports resolve unchanged. Knowing where the code went matters when it is changed.

    ## Example
    `dags/sales.py` imports `company.etl`, which lives in `company/` at the project root.

    ## Fix
    Nothing to do; move the package under the DAG or plugins folder to make its place
    explicit.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PKG007"
    name = "carried-into-plugins"
    severity = Severity.INFO
    summary = "Code outside the DAG and plugins folders is carried into plugins.zip"
    valid = (Valid(DAG),)
    invalid = (Invalid(DAG + "from company.etl import load\n", files={"company/__init__.py": "", "company/etl.py": "def load():\n    return 1\n"}, contains="carried into plugins.zip"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for package in facts.carried:
            shown = ", ".join(package.importers[:2]) + (f" +{len(package.importers) - 2} more"
                                                         if len(package.importers) > 2 else "")
            yield self.report(
                f"{package.source} is outside the DAG and plugins folders but {shown} import "
                f"{package.name}: carried into {PLUGINS_ZIP} as {package.zip_path}, where MWAA's "
                "sys.path finds it", package.source)
