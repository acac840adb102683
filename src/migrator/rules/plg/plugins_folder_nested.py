"""PLG007: plugins/plugins nesting puts modules below the zip root"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at


class PluginsFolderNested(ProjectRule):
    """
    ## What it does
    Reports a plugins folder that contains a `plugins/` folder of its own.

    ## Why it matters on MWAA
    plugins.zip is built from the folder's contents, so the zip gets a top-level `plugins/`
    and modules land in `/usr/local/airflow/plugins/plugins/...`: imports written for the
    on-prem layout fail, and Airflow's plugin manager may load files twice.

    ## Example
    `plugins/plugins/acme_plugin.py`

    ## Fix
    Move the inner folder's contents up one level so modules sit at the zip root.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PLG007"
    name = "plugins-folder-nested"
    severity = Severity.ERROR
    summary = "plugins/plugins nesting puts modules below the zip root"
    valid = (Valid("X = 1\n", path="plugins/acme_plugin.py"),)
    invalid = (Invalid("X = 1\n", path="plugins/plugins/acme_plugin.py", contains="zip root"),)

    def check(self, project, ctx):
        nested = project.plugins.nested_plugins_dir
        if nested:
            first = next((e for e in project.plugins.zip_entries if e.startswith("plugins/")), "")
            prefix = project.plugins.folder if project.plugins.folder not in (None, ".") else ""
            path = f"{prefix}/{first}" if prefix else first
            yield self.finding(path or nested, _at(1),
                               f"{nested}/ nests the plugins folder: plugins.zip would hold plugins/... instead of "
                               "modules at the zip root; move its contents up one level",
                               anchor="nested")
