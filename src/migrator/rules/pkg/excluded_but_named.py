"""PKG006: Shipped code names a file the bundle leaves out"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG


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
