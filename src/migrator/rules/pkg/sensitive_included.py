"""PKG004: A file left out as sensitive ships because --include says so"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class SensitiveIncluded(PackageRule):
    """
    ## What it does
    Reports each file the bundle would leave out as sensitive (tests, keys, certificates,
    `.env` files, credentials) that ships because an `--include` pattern matches it.

    ## Why it matters on MWAA
    Everything in the bundle lands in the environment's S3 bucket, readable by whoever can
    read the bucket, and on every MWAA container.

    ## Example
    `migrator package --include 'dags/certs/*.pem'` with `dags/certs/ca.pem`.

    ## Fix
    Keep `--include` for files that must ship and hold no secret; keep secrets in Secrets
    Manager.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "PKG004"
    name = "sensitive-included"
    severity = Severity.WARNING
    summary = "A file left out as sensitive ships because --include says so"
    example_options = MappingProxyType({"include": ("dags/certs/*.pem",)})
    valid = (Valid(DAG),)
    invalid = (Invalid(DAG, files={"dags/certs/ca.pem": "CERT\n"}, contains="--include 'dags/certs/*.pem'"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for path, pattern in facts.included_sensitive:
            yield self.report(f"shipped because --include {pattern!r} says so", path)
