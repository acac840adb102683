"""PKG009: A credential is left out of the bundle"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.model import MWAA_CONFIG, REQUIREMENTS, STARTUP
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class SecretOption(PackageRule):
    """
    ## What it does
    Reports a configuration option whose value is a credential, left out of
    mwaa-config.json, and a password in a requirements URL, replaced by a
    `${REQUIREMENTS_PASSWORD_<n>}` reference pip expands from the environment.

    ## Why it matters on MWAA
    The bundle's files land in the S3 bucket as they are: a credential written in them is
    readable by everyone who can read the bucket.

    ## Example
    `api_token = s3cret` in airflow.cfg; `--extra-index-url
    https://ci:s3cret@pypi.example.com/simple` in requirements.txt.

    ## Fix
    Set the option on the environment (or in Secrets Manager); export the password variable
    in startup.sh, read from Secrets Manager. `--include-secret-options` ships them as they
    are.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "PKG009"
    name = "secret-option"
    severity = Severity.WARNING
    summary = "A credential is left out of the bundle"
    valid = (Valid(DAG, files={"airflow.cfg": "[private_repo]\nhost = pypi.example.com\n"}),)
    invalid = (Invalid(DAG, files={"airflow.cfg": "[private_repo]\nhost = pypi.example.com\napi_token = s3cret\n"}, contains="private_repo.api_token holds a credential"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for option in facts.secret_options:
            if not option.included:
                yield self.report(f"{option.option} holds a credential: left out of {MWAA_CONFIG} "
                                  "(set it on the environment, or pass --include-secret-options)",
                                  option.path)
        for password in facts.requirement_passwords:
            if password.variable is not None:
                name = password.variable
                yield self.report(
                    f"line {password.line} ({password.shown}): the password is left out; the line "
                    f"reads ${{{name}}} instead, which pip expands from the environment: export "
                    f"{name} in {STARTUP} (MWAA runs it before installing requirements), reading it "
                    "from Secrets Manager, or pass --include-secret-options", REQUIREMENTS, in_bundle=True)
