"""PKG005: Shipped code imports a module the bundle leaves out"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class ExcludedButImported(PackageRule):
    """
    ## What it does
    Reports an import, in code the bundle ships, of a module the bundle leaves out (a test
    folder, a file `[tool.migrator] exclude` names, ...).

    ## Why it matters on MWAA
    The module is not on MWAA, so the import fails and the DAG file does not load.

    ## Example
    `dags/sales.py` imports `tests.fixtures`, and `dags/tests/` is a test folder.

    ## Fix
    Move the code the DAGs need out of the excluded folder, or stop importing it from DAG
    code.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    """

    id = "PKG005"
    name = "excluded-but-imported"
    severity = Severity.ERROR
    summary = "Shipped code imports a module the bundle leaves out"
    valid = (Valid(DAG + "from common.fixtures import SAMPLE\n", files={"dags/common/__init__.py": "", "dags/common/fixtures.py": "SAMPLE = 1\n"}),)
    invalid = (Invalid(DAG + "from tests.fixtures import SAMPLE\n", files={"dags/tests/__init__.py": "", "dags/tests/fixtures.py": "SAMPLE = 1\n"}, contains="test folder"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        # A file importing the same module twice is told once.
        yield from dict.fromkeys(
            self.report(f"imports {hit.module}, but {hit.path} is not in the bundle ({hit.reason}); "
                        "the import fails on MWAA", hit.importer)
            for hit in facts.excluded_imports)
