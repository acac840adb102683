"""PKG016: OS packages named for another distribution need their Amazon Linux names"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.model import STARTUP
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class OsPackagesNeedNames(PackageRule):
    """
    ## What it does
    Reports OS packages the project installs with apt (or another manager whose names are
    not Amazon Linux's); startup.sh lists them on a commented install line.

    ## Why it matters on MWAA
    MWAA runs Amazon Linux 2023, whose package names differ; installing the Debian names
    would fail every container's start-up.

    ## Example
    `freetds-bin` (a Debian name) in packages.txt.

    ## Fix
    Write the Amazon Linux 2023 names on the commented line of startup.sh and uncomment it.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    """

    id = "PKG016"
    name = "os-packages-need-names"
    severity = Severity.WARNING
    summary = "OS packages named for another distribution need their Amazon Linux names"
    valid = (Valid(DAG, files={"Dockerfile": "FROM apache/airflow:2.9.2\nUSER root\nRUN yum install -y freetds\n"}),)
    invalid = (Invalid(DAG, files={"Dockerfile": "FROM apache/airflow:2.9.2\nUSER root\nRUN yum install -y freetds\n", "packages.txt": "freetds-bin\n"}, contains="freetds-bin"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        foreign = facts.foreign_os_packages
        if not foreign:
            return
        managers = "/".join(sorted({manager for _, manager in foreign}))
        shown = ", ".join(name for name, _ in foreign[:OS_PACKAGES_SHOWN])
        more = len(foreign) - OS_PACKAGES_SHOWN
        yield self.report(
            f"{len(foreign)} OS package(s) have {managers} names ({shown}"
            f"{f' +{more} more' if more > 0 else ''}): write their Amazon Linux 2023 names "
            "on the commented install line", STARTUP, in_bundle=True)


OS_PACKAGES_SHOWN = 4  # startup.sh lists them all
