"""PKG021: startup.sh needs a network a private environment may not have"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING

from migrator.bundle.model import STARTUP
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class StartupNeedsNetwork(PackageRule):
    """
    ## What it does
    With `--private-network`, reports a startup.sh that installs OS packages with yum, or a
    tool from PyPI into its own virtual environment.

    ## Why it matters on MWAA
    A private network reaches neither the Amazon Linux repositories (without an S3 gateway
    endpoint) nor PyPI: the install fails on every container's start-up.

    ## Example
    `migrator package --private-network` with `RUN yum install -y freetds` in the
    Dockerfile.

    ## Fix
    Add an S3 gateway endpoint to the VPC for yum; point the venv's pip at your repository
    (CodeArtifact).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "PKG021"
    name = "startup-needs-network"
    severity = Severity.WARNING
    summary = "startup.sh needs a network a private environment may not have"
    example_options = MappingProxyType({"private_network": True})
    valid = (Valid(DAG),)
    invalid = (Invalid(DAG, files={"Dockerfile": "FROM apache/airflow:2.9.2\nUSER root\nRUN yum install -y freetds\n"}, contains="installs OS packages with yum"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        if not facts.private_network:
            return
        if facts.startup_os_packages:
            yield self.report(
                f"{STARTUP} installs OS packages with yum, which needs a route to the Amazon "
                "Linux repositories (an S3 gateway endpoint) on a private network", STARTUP, in_bundle=True)
        if facts.startup_isolated:
            yield self.report(
                f"{STARTUP} installs {', '.join(facts.startup_isolated)} from PyPI into its own "
                "venv, which a private network cannot reach: point its pip at your repository "
                "(CodeArtifact) in that line", STARTUP, in_bundle=True)
