"""PKG010: A credential ships in the bundle because --include-secret-options says so"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING

from migrator.bundle.model import MWAA_CONFIG, REQUIREMENTS
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class SecretIncluded(PackageRule):
    """
    ## What it does
    Reports each credential-valued option written to mwaa-config.json, and each requirements
    URL password kept, because `--include-secret-options` was given.

    ## Why it matters on MWAA
    The bundle's files land in the S3 bucket as they are: the credential is readable by
    everyone who can read the bucket.

    ## Example
    `migrator package --include-secret-options` with `api_token = s3cret` in airflow.cfg.

    ## Fix
    Leave `--include-secret-options` out and set the credentials on the environment or in
    Secrets Manager.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "PKG010"
    name = "secret-included"
    severity = Severity.WARNING
    summary = "A credential ships in the bundle because --include-secret-options says so"
    example_options = MappingProxyType({"include_secret_options": True})
    valid = (Valid(DAG, files={"airflow.cfg": "[private_repo]\nhost = pypi.example.com\n"}),)
    invalid = (Invalid(DAG, files={"airflow.cfg": "[private_repo]\nhost = pypi.example.com\napi_token = s3cret\n"}, contains="--include-secret-options says so"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for option in facts.secret_options:
            if option.included:
                yield self.report(f"{option.option} holds a credential and is written to "
                                  f"{MWAA_CONFIG} because --include-secret-options says so",
                                  option.path)
        for password in facts.requirement_passwords:
            if password.variable is None:
                yield self.report(f"line {password.line} ({password.shown}) ships its password "
                                  "because --include-secret-options says so", REQUIREMENTS, in_bundle=True)
