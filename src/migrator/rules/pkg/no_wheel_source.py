"""PKG022: A requirement no wheel can be downloaded for, in a private network"""

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


class NoWheelSource(PackageRule):
    """
    ## What it does
    With `--private-network`, reports a requirement that names a URL instead of a package on
    an index, so no wheel can be downloaded for it into plugins.zip.

    ## Why it matters on MWAA
    A private network installs only from the wheels in plugins.zip (`--no-index`): the
    requirement does not install, and MWAA then installs none of them.

    ## Example
    `migrator package --private-network` with `foo @
    https://example.com/foo-1.0-py3-none-any.whl` in requirements.txt.

    ## Fix
    Build its wheel on the MWAA image, pass the folder with `--find-links` and require it by
    name.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "PKG022"
    name = "no-wheel-source"
    severity = Severity.ERROR
    summary = "A requirement no wheel can be downloaded for, in a private network"
    example_options = MappingProxyType({"private_network": True})
    valid = (Valid(DAG, files={"requirements.txt": "# nothing to download\n"}),)
    invalid = (Invalid(DAG, files={"requirements.txt": "foo @ https://example.com/foo-1.0-py3-none-any.whl\n"}, contains="no wheel can be downloaded"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for line in facts.no_wheel_source:
            yield self.report(
                f"{line} is not a package index requirement, so no wheel can be downloaded for "
                "it; build its wheel on the MWAA image, pass the folder with --find-links and "
                "require it by name", REQUIREMENTS, in_bundle=True)
