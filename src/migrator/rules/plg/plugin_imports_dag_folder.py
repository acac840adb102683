"""PLG005: Plugin code imports a module from the DAGs folder"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at


class PluginImportsDagFolder(ProjectRule):
    """
    ## What it does
    Reports plugin modules that import modules living in the DAGs folder.

    ## Why it matters on MWAA
    plugins.zip is unpacked on every component, including the web server, which has no DAGs
    folder; and plugins load before the DAG folder is on `sys.path` in some processes. The
    import fails and the whole plugin does not load.

    ## Example
    ```python
    # plugins/acme_plugin.py
    from common.alerts import notify   # dags/common/alerts.py
    ```

    ## Fix
    Move the shared module into plugins.zip (both DAGs and plugins can import it from
    there), or stop importing it from the plugin.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PLG005"
    name = "plugin-imports-dag-folder"
    severity = Severity.WARNING
    summary = "Plugin code imports a module from the DAGs folder"
    valid = (Valid("from acme_common.alerts import notify\n", path="plugins/acme_plugin.py",
                   files={"plugins/acme_common/__init__.py": "", "plugins/acme_common/alerts.py": "def notify():\n    pass\n"}),)
    invalid = (Invalid("from common.alerts import notify\n", path="plugins/acme_plugin.py",
                       files={"dags/common/__init__.py": "", "dags/common/alerts.py": "def notify():\n    pass\n",
                              "dags/etl.py": "from airflow import DAG\n"}, line=1, contains="common.alerts"),)

    def check(self, project, ctx):
        for site in project.plugins.dag_folder_imports:
            yield self.finding(site.path, _at(site.line),
                               f"plugin code imports {site.module} from the DAGs folder: plugins load on components "
                               "without it; move the module into plugins.zip",
                               anchor=f"{site.module}\x1fdags")
