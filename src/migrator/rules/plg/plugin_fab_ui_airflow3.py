"""PLG003: Plugin registers Flask-AppBuilder UI on an Airflow 3 target"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at, _removed_attributes


class PluginFabUiAirflow3(ProjectRule):
    """
    ## What it does
    Reports plugins that register Flask-AppBuilder views, menu items or Flask blueprints when
    the target runs Airflow 3.

    ## Why it matters on MWAA
    Airflow 3's UI is a React app served by the FastAPI api-server; Flask views only load
    through the FAB provider's compatibility layer, under another URL, with Airflow 2 styling,
    and that layer is on its way out.

    ## Example
    ```python
    class ReportsPlugin(AirflowPlugin):
        name = "reports"
        appbuilder_views = [{"name": "Daily", "category": "Reports", "view": DailyView()}]
    ```

    ## Fix
    Port the view to a FastAPI app (`fastapi_apps`) or link an external page
    (`external_views`); keep the Flask version only while on Airflow 2.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/plugins.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    """

    id = "PLG003"
    name = "plugin-fab-ui-airflow3"
    severity = Severity.WARNING
    summary = "Plugin registers Flask-AppBuilder UI on an Airflow 3 target"
    applies_to = ">=3"
    valid = (Valid("from airflow.plugins_manager import AirflowPlugin\n\n\nclass ReportsPlugin(AirflowPlugin):\n"
                   "    name = 'reports'\n    fastapi_apps = []\n", path="plugins/reports.py"),)
    invalid = (Invalid("from airflow.plugins_manager import AirflowPlugin\n\n\nclass ReportsPlugin(AirflowPlugin):\n"
                       "    name = 'reports'\n    appbuilder_views = [{'name': 'Daily', 'view': None}]\n",
                       path="plugins/reports.py", line=6, contains="appbuilder_views"),
               Invalid("from airflow.plugins_manager import AirflowPlugin\nfrom flask import Blueprint\n\n"
                       "bp = Blueprint('reports', __name__)\n\n\nclass ReportsPlugin(AirflowPlugin):\n"
                       "    name = 'reports'\n    flask_blueprints = [bp]\n",
                       path="plugins/reports.py", line=9, contains="flask_blueprints"))

    def check(self, project, ctx):
        removed = _removed_attributes(ctx.target)
        attributes = {name: change for name, change in removed.items()
                      if change.removed_in.startswith("3.")}
        for plugin in project.plugins.plugins:
            for attribute, change in attributes.items():
                registration = plugin.registered(attribute)
                if registration is None:
                    continue
                yield self.finding(plugin.path, _at(registration.line),
                                   f"plugin '{plugin.name or plugin.class_name}' registers {attribute} on Airflow "
                                   f"{ctx.target.airflow}: {change.advice}",
                                   anchor=f"{plugin.class_name}\x1f{attribute}")
