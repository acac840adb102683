"""PKG018: A variable the DAGs read holds a credential and is not written to startup.sh"""

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


class SecretEnvVar(PackageRule):
    """
    ## What it does
    Reports an environment variable the shipped code reads whose name or value is a
    credential; startup.sh does not export it.

    ## Why it matters on MWAA
    startup.sh lands in the S3 bucket as it is: a credential written in it is readable by
    everyone who can read the bucket.

    ## Example
    `os.getenv('DWH_PASSWORD')` in a DAG and `DWH_PASSWORD=hunter2` in `.env`.

    ## Fix
    Store it in Secrets Manager and read it from there (or export it in startup.sh from
    Secrets Manager).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "PKG018"
    name = "secret-env-var"
    severity = Severity.WARNING
    summary = "A variable the DAGs read holds a credential and is not written to startup.sh"
    valid = (Valid(DAG + "import os\nSCHEMA = os.environ['DWH_SCHEMA']\n", files={".env": "DWH_SCHEMA=analytics\n"}),)
    invalid = (Invalid(DAG + "import os\nPW = os.getenv('DWH_PASSWORD')\n", files={".env": "DWH_PASSWORD=hunter2\n"}, contains="DWH_PASSWORD holds a credential"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for name, where in facts.secret_env_vars:
            yield self.report(f"{name} holds a credential; not written to {STARTUP}: store it in "
                              "Secrets Manager", where)
