"""PKG023: plugins.zip is larger than MWAA recommends"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.facts import BundleFacts, PartSize
from migrator.bundle.model import PLUGINS_LIMIT, PLUGINS_ZIP, RECOMMENDED_MAX_BYTES
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid

if TYPE_CHECKING:
    from migrator.bundle.model import BundleCheck


class PluginsTooLarge(PackageRule):
    """
    ## What it does
    Reports a plugins.zip larger than MWAA's recommended maximum (1 GB): plugins, the packages
    carried for the DAGs and, with `--private-network`, the requirements' wheels.

    ## Why it matters on MWAA
    Every container extracts plugins.zip while it starts; past about 10 minutes the start-up
    times out and the environment update rolls back.

    ## Example
    A bundle whose plugins.zip is 2 GB (the example is the build's facts: no example project is
    a gigabyte); a 5 MB one is fine.

    ## Fix
    Move data files and unused packages out of the plugins folder: keep large files in S3 and
    read them at run time, and install packages from requirements.txt rather than shipping
    them.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PKG023"
    name = "plugins-too-large"
    severity = Severity.ERROR
    summary = "plugins.zip is larger than MWAA recommends"
    valid = (Valid(facts=BundleFacts(plugins_zip_size=PartSize(5 * 1024**2, RECOMMENDED_MAX_BYTES))),)
    invalid = (Invalid(facts=BundleFacts(plugins_zip_size=PartSize(2 * 1024**3, RECOMMENDED_MAX_BYTES)),
                       contains="plugins.zip is 2.00 GB"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        size = facts.plugins_zip_size
        if size is not None and size.size > size.limit:
            yield self.report(
                f"{PLUGINS_ZIP} is {size.size / 1024**3:.2f} GB; MWAA extracts it while every "
                f"container starts and recommends staying under {PLUGINS_LIMIT.recommended_max_text} "
                f"(start-up times out after about {PLUGINS_LIMIT.start_up_limit_minutes:g} minutes "
                "and the update rolls back)", PLUGINS_ZIP, in_bundle=True)
