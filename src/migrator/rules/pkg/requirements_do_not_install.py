"""PKG020: The bundle's requirements.txt would not install on MWAA"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING

from migrator.bundle.model import REQUIREMENTS
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class RequirementsDoNotInstall(PackageRule):
    """
    ## What it does
    Reports each reason pip on MWAA cannot install the bundle's requirements.txt: a line pip
    cannot read, apache-airflow at another version, an Airflow 1.10 backport provider, a pin
    that excludes a version MWAA's image or the target's constraints install. `migrator
    package` refuses to write such a bundle unless `--allow-broken-requirements` is given.

    ## Why it matters on MWAA
    MWAA installs requirements.txt whole or not at all: the environment update fails and
    rolls back after a long wait.

    ## Example
    `migrator package --allow-broken-requirements` with
    `apache-airflow-backport-providers-amazon` in requirements.txt.

    ## Fix
    Run `migrator fix`, which corrects what it can, and fix the remaining lines by hand.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "PKG020"
    name = "requirements-do-not-install"
    severity = Severity.ERROR
    summary = "The bundle's requirements.txt would not install on MWAA"
    example_options = MappingProxyType({"allow_broken_requirements": True})
    valid = (Valid(DAG, files={"requirements.txt": "requests==2.32.3\n"}),)
    invalid = (Invalid(DAG, files={"requirements.txt": "requests==2.32.3\nnot a requirement!\n"}, contains="not a requirement!"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for blocker in facts.install_blockers:
            yield self.report(blocker, REQUIREMENTS, in_bundle=True)
