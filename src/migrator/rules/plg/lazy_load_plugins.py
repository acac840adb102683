"""PLG010: Plugin registrations need core.lazy_load_plugins = False"""

from __future__ import annotations

from migrator.analysis.plugins import PluginDef, Registration
from migrator.findings import ConfigFix, FixSafety, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at

# Plugin registrations that only take effect when plugins load eagerly (the scheduler and
# workers need them before any task asks for them).
EAGER_REGISTRATIONS = ("macros", "listeners", "timetables")


class LazyLoadPlugins(ProjectRule):
    """
    ## What it does
    Reports plugins that register macros, listeners or timetables while the project does not
    set `core.lazy_load_plugins = False`.

    ## Why it matters on MWAA
    Airflow 2+ loads plugins lazily by default: components that never trigger the load do not
    see the registrations (a macro missing when a template renders, a listener that never
    fires, a timetable the scheduler cannot find). MWAA's guide asks for
    `core.lazy_load_plugins: False` with custom plugins.

    ## Example
    ```python
    class AcmePlugin(AirflowPlugin):
        name = "acme"
        macros = [fiscal_quarter]
    ```

    ## Fix
    Add `core.lazy_load_plugins = False` to the MWAA configuration options.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    """

    id = "PLG010"
    name = "lazy-load-plugins"
    severity = Severity.WARNING
    summary = "Plugin registrations need core.lazy_load_plugins = False"
    fix_safety = FixSafety.SAFE
    valid = (Valid("from airflow.plugins_manager import AirflowPlugin\n\n\ndef fiscal_quarter():\n    return 1\n\n\n"
                   "class AcmePlugin(AirflowPlugin):\n    name = 'acme'\n    macros = [fiscal_quarter]\n",
                   path="plugins/acme_plugin.py", files={"airflow.cfg": "[core]\nlazy_load_plugins = False\n"}),)
    invalid = (Invalid("from airflow.plugins_manager import AirflowPlugin\n\n\ndef fiscal_quarter():\n    return 1\n\n\n"
                       "class AcmePlugin(AirflowPlugin):\n    name = 'acme'\n    macros = [fiscal_quarter]\n",
                       path="plugins/acme_plugin.py", line=10, contains="lazy_load_plugins"),)

    def check(self, project, ctx):
        value = project.config.value("core.lazy_load_plugins")
        if value is not None and value.strip().lower() in ("false", "0", "no", "off"):
            return
        for plugin in project.plugins.plugins:
            registrations = [r for r in (plugin.registered(a) for a in EAGER_REGISTRATIONS) if r is not None]
            if registrations:
                yield self._finding(plugin, registrations)

    def _finding(self, plugin: PluginDef, registrations: list[Registration]):
        kinds = ", ".join(r.attribute for r in registrations)
        return self.finding(plugin.path, _at(registrations[0].line),
                            f"plugin '{plugin.name or plugin.class_name}' registers {kinds}: set "
                            "core.lazy_load_plugins = False in the MWAA configuration options so every component "
                            "loads it",
                            anchor=f"{plugin.class_name}\x1flazy",
                            fix=ConfigFix(safety=FixSafety.SAFE, description="set core.lazy_load_plugins = False",
                                          action="set", option="core.lazy_load_plugins", value="False"))
