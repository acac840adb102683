"""PLG011: A plugins.zip inside the plugins folder is never loaded"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at


class PrebuiltPluginsZip(ProjectRule):
    """
    ## What it does
    Reports a `plugins.zip` inside the plugins folder (a zip built for an earlier upload).

    ## Why it matters on MWAA
    MWAA reads one plugins.zip: the one built from the plugins folder. A zip inside the folder
    would be nested in it, and Airflow loads plugins from `.py` files only, so nothing in the
    inner zip is ever imported. `migrator package` leaves it out of the bundle.

    ## Example
    `plugins/plugins.zip` next to `plugins/acme_plugin.py`.

    ## Fix
    Delete the old zip; unpack the modules it holds into the plugins folder if they are
    still needed.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PLG011"
    name = "prebuilt-plugins-zip"
    severity = Severity.WARNING
    summary = "A plugins.zip inside the plugins folder is never loaded"
    valid = (Valid("X = 1\n", path="plugins/acme_plugin.py", files={"plugins.zip": "PK"}),)
    invalid = (Invalid("X = 1\n", path="plugins/acme_plugin.py", files={"plugins/plugins.zip": "PK"},
                       contains="plugins/plugins.zip"),
               Invalid("X = 1\n", path="plugins/acme_plugin.py",
                       files={"plugins/old/Plugins.ZIP": "PK"}, contains="plugins/old/Plugins.ZIP"),)

    def check(self, project, ctx):
        for path in project.plugins.prebuilt_zips:
            yield self.finding(path, _at(1),
                               f"{path} is an earlier plugins.zip inside the plugins folder: MWAA "
                               "reads only the plugins.zip built from this folder, so nothing in "
                               "it is ever imported; `migrator package` leaves it out (unpack the "
                               "modules it holds into the folder if they are still needed)",
                               anchor="prebuilt")
