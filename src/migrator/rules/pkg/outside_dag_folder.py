"""PKG008: Shipped code names a file outside the DAG and plugins folders"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class OutsideDagFolder(PackageRule):
    """
    ## What it does
    Reports a file outside the DAG and plugins folders (an Astro `include/` folder, a
    top-level `sql/`) whose name code the bundle ships writes.

    ## Why it matters on MWAA
    MWAA has only dags/ and plugins.zip: the file is not there when a task reads it.

    ## Example
    `SQL = 'include/sql/daily_sales.sql'` in a DAG, with `include/sql/daily_sales.sql` at
    the project root.

    ## Fix
    Move the file under the DAG folder and read it relative to the DAG file.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    """

    id = "PKG008"
    name = "outside-dag-folder"
    severity = Severity.WARNING
    summary = "Shipped code names a file outside the DAG and plugins folders"
    valid = (Valid(DAG, files={"include/sql/daily_sales.sql": "select 1;\n"}),)
    invalid = (Invalid(DAG + "SQL = 'include/sql/daily_sales.sql'\n", files={"include/sql/daily_sales.sql": "select 1;\n"}, contains="outside the DAG and plugins folders"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for named in facts.named_outside:
            yield self.report(
                f"names {named.name}; the project's {named.path} is outside the DAG and plugins "
                "folders, so it is not in the bundle: move it under the DAG folder (MWAA has only "
                "dags/ and plugins.zip)", named.user)
