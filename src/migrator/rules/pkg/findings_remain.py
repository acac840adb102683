"""PKG001: The bundle is built while error findings remain"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class FindingsRemain(PackageRule):
    """
    ## What it does
    Counts the error findings of the scan the bundle is built from.

    ## Why it matters on MWAA
    What an error finding points at breaks on MWAA (a DAG file that does not load, a
    requirement that does not install). The bundle is still written, so the rest can be
    reviewed, but it should not be uploaded as it is.

    ## Example
    A DAG file with a syntax error next to the DAGs that load.

    ## Fix
    Run `migrator scan` to list the findings and `migrator fix` to fix what it can; fix the
    rest by hand and package again.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "PKG001"
    name = "findings-remain"
    severity = Severity.WARNING
    summary = "The bundle is built while error findings remain"
    valid = (Valid(DAG),)
    invalid = (Invalid(DAG, files={"dags/broken.py": "def f(:\n"}, contains="error finding(s) remain"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        if facts.error_findings:
            yield self.report(
                f"{facts.error_findings} error finding(s) remain: what they point at breaks on MWAA "
                "until fixed (`migrator scan` lists them; `migrator fix` fixes what it can)")
