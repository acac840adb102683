"""PKG006: Shipped code names a file the bundle leaves out"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class ExcludedButNamed(PackageRule):
    """
    ## What it does
    Reports the name of a file the bundle leaves out (a key, an environment file, ...)
    written in code the bundle ships.

    ## Why it matters on MWAA
    The file will not exist on MWAA, so the code that opens it fails when it runs.

    ## Example
    `KEY = 'keys/sftp.pem'` in a DAG, with `dags/keys/sftp.pem` in the project.

    ## Fix
    Store secrets in Secrets Manager or as configuration, and read them from there.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "PKG006"
    name = "excluded-but-named"
    severity = Severity.WARNING
    summary = "Shipped code names a file the bundle leaves out"
    valid = (Valid(DAG, files={"dags/keys/sftp.pem": "x"}),)
    invalid = (Invalid(DAG + "KEY = 'keys/sftp.pem'\n", files={"dags/keys/sftp.pem": "x"}, contains="Secrets Manager"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        # Two files left out for the same reason under one name are told once.
        yield from dict.fromkeys(
            self.report(f"names {named.name}, which is not in the bundle ({named.reason}); on MWAA "
                        "it will not exist" + (": store secrets in Secrets Manager or as configuration"
                                               if _secret_like(named.reason) else ""), named.user)
            for named in facts.excluded_names)


def _secret_like(reason: str) -> bool:
    return any(word in reason for word in ("secret", "credential", "key", "environment"))
