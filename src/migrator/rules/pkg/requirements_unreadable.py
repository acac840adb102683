"""PKG011: A requirements file the bundle's requirements.txt needs cannot be read"""

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


class RequirementsUnreadable(PackageRule):
    """
    ## What it does
    Reports each file of the project's requirements (the entry file and the files it
    includes) that could not be read.

    ## Why it matters on MWAA
    The packages it lists are missing from the bundle's requirements.txt, so the DAGs that
    import them do not load on MWAA.

    ## Example
    requirements.txt holding NUL bytes: a binary file, not text.

    ## Fix
    Make the file readable UTF-8 text and package again.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "PKG011"
    name = "requirements-unreadable"
    severity = Severity.ERROR
    summary = "A requirements file the bundle's requirements.txt needs cannot be read"
    valid = (Valid(DAG, files={"requirements.txt": "requests==2.32.3\n"}),)
    invalid = (Invalid(DAG, files={"requirements.txt": b"requests\x00==2.32.3\n"}, contains="cannot read it"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for path, why in facts.unreadable_requirements:
            yield self.report(f"cannot read it ({why}): the bundle's {REQUIREMENTS} lacks the "
                              "packages it lists", path)
