"""PKG002: An earlier plugins.zip in the plugins folder is left out of the bundle"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class PrebuiltPluginsZipLeftOut(PackageRule):
    """
    ## What it does
    Reports a `plugins.zip` inside the plugins folder, which the bundle leaves out (PLG011
    reports the same file in a scan).

    ## Why it matters on MWAA
    MWAA reads the one plugins.zip the bundle builds from the folder; a zip nested in it
    would never be loaded.

    ## Example
    `plugins/plugins.zip` next to `plugins/acme_plugin.py`.

    ## Fix
    Delete the old zip; unpack the modules it holds into the plugins folder if they are
    still needed.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PKG002"
    name = "prebuilt-plugins-zip-left-out"
    severity = Severity.WARNING
    summary = "An earlier plugins.zip in the plugins folder is left out of the bundle"
    valid = (Valid(DAG, files={"plugins/acme_plugin.py": "X = 1\n"}),)
    invalid = (Invalid(DAG, files={"plugins/acme_plugin.py": "X = 1\n", "plugins/plugins.zip": "PK"}, contains="left out of plugins.zip"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for path in facts.prebuilt_zips_left_out:
            yield self.report("left out of plugins.zip: MWAA reads only the plugins.zip built "
                              "from the folder; unpack the modules it holds into the folder "
                              "if they are still needed", path)
