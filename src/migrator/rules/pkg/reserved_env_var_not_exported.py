"""PKG017: A variable the DAGs read is reserved by MWAA and not set in startup.sh"""

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


class ReservedEnvVarNotExported(PackageRule):
    """
    ## What it does
    Reports an environment variable the shipped code reads and the project sets (compose,
    Dockerfile, .env) that MWAA reserves, so the bundle's startup.sh does not export it
    (CFG008 reports a startup script that does).

    ## Why it matters on MWAA
    MWAA resets reserved variables after startup.sh runs; on MWAA the code reads MWAA's
    value, not the project's.

    ## Example
    `os.environ['AWS_REGION']` in a DAG and `AWS_REGION=eu-west-1` in `.env`.

    ## Fix
    Read the value MWAA sets, or give the setting a name of your own.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    """

    id = "PKG017"
    name = "reserved-env-var-not-exported"
    severity = Severity.WARNING
    summary = "A variable the DAGs read is reserved by MWAA and not set in startup.sh"
    valid = (Valid(DAG + "import os\nSCHEMA = os.environ['DWH_SCHEMA']\n", files={".env": "DWH_SCHEMA=analytics\n"}),)
    invalid = (Invalid(DAG + "import os\nREGION = os.environ['AWS_REGION']\n", files={".env": "AWS_REGION=eu-west-1\n"}, contains="AWS_REGION is reserved"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for name, where in facts.reserved_env_vars:
            yield self.report(f"{name} is reserved by MWAA, which resets it; not set in {STARTUP}", where)
