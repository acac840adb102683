"""PLG002: Plugin registers Flask-Admin views or menu links (removed in Airflow 2)"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at, _removed_attributes


class PluginRemovedUi(ProjectRule):
    """
    ## What it does
    Reports plugins that register Flask-Admin UI (`admin_views`, `menu_links`), which Airflow 2
    removed together with the old web server.

    ## Why it matters on MWAA
    The views never appear; on MWAA's Airflow 2 and 3 web servers only Flask-AppBuilder (2.x)
    or FastAPI/React (3.x) plugins are served.

    ## Example
    ```python
    class ReportsPlugin(AirflowPlugin):
        name = "reports"
        admin_views = [ReportsView(category="Reports", name="Daily")]
    ```

    ## Fix
    Rewrite the view as an `appbuilder_views` entry (Airflow 2) or a FastAPI app /
    `external_views` entry (Airflow 3).

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/plugins.html
    """

    id = "PLG002"
    name = "plugin-flask-admin-views"
    severity = Severity.ERROR
    summary = "Plugin registers Flask-Admin views or menu links (removed in Airflow 2)"
    valid = (Valid("from airflow.plugins_manager import AirflowPlugin\n\n\nclass ReportsPlugin(AirflowPlugin):\n"
                   "    name = 'reports'\n", path="plugins/reports.py"),)
    invalid = (Invalid("from airflow.plugins_manager import AirflowPlugin\n\n\nclass ReportsPlugin(AirflowPlugin):\n"
                       "    name = 'reports'\n    admin_views = [object()]\n    menu_links = [object()]\n",
                       path="plugins/reports.py", line=6, contains="admin_views"),)

    def check(self, project, ctx):
        removed = _removed_attributes(ctx.target)
        for plugin in project.plugins.plugins:
            for attribute in ("admin_views", "menu_links"):
                registration = plugin.registered(attribute)
                change = removed.get(attribute)
                if registration is not None and change is not None:
                    yield self.finding(plugin.path, _at(registration.line),
                                       f"plugin '{plugin.name or plugin.class_name}' registers {attribute}, removed in "
                                       f"Airflow {change.removed_in}: {change.advice}",
                                       anchor=f"{plugin.class_name}\x1f{attribute}")
