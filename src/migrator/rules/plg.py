"""PLG: Airflow plugins and the layout of plugins.zip.

Facts come from ``project.plugins`` (:mod:`migrator.analysis.plugins`); which registration
attributes a target still honours comes from ``compat.plugin_attribute_changes``.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.analysis.plugins import INSTALLED_ON_EVERY_MWAA_IMAGE, PluginDef, Registration
from migrator.findings import Fix, FixSafety, Location, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid

# Plugin registrations that only take effect when plugins load eagerly (the scheduler and
# workers need them before any task asks for them).
EAGER_REGISTRATIONS = ("macros", "listeners", "timetables")
# Flask blueprints are served on Airflow 3 only through the FAB provider's compatibility
# layer, like appbuilder views (Airflow 3.0 release notes, plugin interface). Not yet recorded
# by compat.plugin_attribute_changes; kept here until it is.
AIRFLOW3_FLASK_ATTRIBUTES = ("flask_blueprints",)
NAMESPACE_KINDS = ("operators", "sensors", "hooks")


def _at(line: int) -> Location:
    return Location(line, 1, line, 2)


def _removed_attributes(target) -> dict[str, object]:
    return {change.attribute: change for change in compat.plugin_attribute_changes(target)}


def _short(items: tuple[str, ...]) -> str:
    return ", ".join(item.rsplit(".", 1)[-1] for item in items)


class PluginRegistersOperators(ProjectRule):
    """
    ## What it does
    Reports `AirflowPlugin` subclasses that register `operators`, `sensors` or `hooks`, with
    the import path DAGs must use instead of `airflow.operators.<plugin>.<Name>`.

    ## Why it matters on MWAA
    Airflow 2 removed the plugin-manager namespaces: the registration does nothing and every
    DAG importing `airflow.operators.my_plugin.MyOperator` fails to import.

    ## Example
    ```python
    class AcmePlugin(AirflowPlugin):
        name = "acme"
        operators = [AcmeTransferOperator]
    ```

    ## Fix
    Delete the registration and import the class from its module (`from acme.transfer import
    AcmeTransferOperator`, with the module at the plugins.zip root or in the DAGs folder).

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/plugins.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PLG001"
    name = "plugin-registers-operators"
    severity = Severity.ERROR
    summary = "Plugin registers operators, sensors or hooks (removed in Airflow 2)"
    valid = (Valid("from airflow.plugins_manager import AirflowPlugin\n\n\nclass AcmePlugin(AirflowPlugin):\n"
                   "    name = 'acme'\n    macros = []\n", path="plugins/acme_plugin.py"),)
    invalid = (Invalid("from airflow.plugins_manager import AirflowPlugin\nfrom acme.transfer import AcmeTransferOperator\n\n\n"
                       "class AcmePlugin(AirflowPlugin):\n    name = 'acme'\n    operators = [AcmeTransferOperator]\n",
                       path="plugins/acme_plugin.py", files={"plugins/acme/__init__.py": "",
                                                             "plugins/acme/transfer.py": "class AcmeTransferOperator:\n    pass\n"},
                       line=7, contains="from acme.transfer import AcmeTransferOperator"),)

    def check(self, project, ctx):
        removed = _removed_attributes(ctx.target)
        for plugin in project.plugins.plugins:
            for kind in NAMESPACE_KINDS:
                registration = plugin.registered(kind)
                if registration is None or kind not in removed:
                    continue
                imports = "; ".join(_import_statement(item) for item in registration.items)
                yield self.finding(plugin.path, _at(registration.line),
                                   f"plugin '{plugin.name or plugin.class_name}' registers {kind} ({_short(registration.items)}): "
                                   f"Airflow {ctx.target.major} does not expose them as airflow.{kind}."
                                   f"{plugin.name or '<plugin>'}.*; DAGs must use {imports}",
                                   anchor=f"{plugin.class_name}\x1f{kind}")


def _import_statement(qualname: str) -> str:
    module, _, name = qualname.rpartition(".")
    return f"`from {module} import {name}`" if module else f"`{qualname}`"


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
            for attribute in (*attributes, *AIRFLOW3_FLASK_ATTRIBUTES):
                registration = plugin.registered(attribute)
                if registration is None:
                    continue
                change = attributes.get(attribute)
                advice = change.advice if change else ("Flask blueprints load only through the FAB provider's "
                                                       "compatibility layer in Airflow 3; prefer fastapi_apps.")
                yield self.finding(plugin.path, _at(registration.line),
                                   f"plugin '{plugin.name or plugin.class_name}' registers {attribute} on Airflow "
                                   f"{ctx.target.airflow}: {advice}",
                                   anchor=f"{plugin.class_name}\x1f{attribute}")


class CustomExecutor(ProjectRule):
    """
    ## What it does
    Reports custom executors: registered by a plugin, or named as a dotted path in
    `[core] executor`.

    ## Why it matters on MWAA
    MWAA runs CeleryExecutor on its own SQS broker and forces `core.executor`; a custom
    executor is never loaded and whatever it did (routing to Kubernetes, ECS, a queue) does not
    happen.

    ## Example
    ```python
    class AcmePlugin(AirflowPlugin):
        name = "acme"
        executors = [AcmeBatchExecutor]
    ```

    ## Fix
    Move the work into operators that call the target service (`EcsRunTaskOperator`,
    `BatchOperator`, `KubernetesPodOperator` on EKS) and let MWAA's Celery workers run them.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://github.com/aws/amazon-mwaa-docker-images (python/mwaa/config/airflow.py)
    """

    id = "PLG004"
    name = "custom-executor"
    severity = Severity.ERROR
    summary = "Custom executor that MWAA will not run"
    valid = (Valid(files={"airflow.cfg": "[core]\nexecutor = CeleryExecutor\n"}),)
    invalid = (Invalid(files={"airflow.cfg": "[core]\nexecutor = acme.executors.BatchExecutor\n"}, line=2,
                       contains="acme.executors.BatchExecutor"),
               Invalid("from airflow.plugins_manager import AirflowPlugin\n\n\nclass AcmeExecutor:\n    pass\n\n\n"
                       "class AcmePlugin(AirflowPlugin):\n    name = 'acme'\n    executors = [AcmeExecutor]\n",
                       path="plugins/acme_plugin.py", line=10, contains="AcmeExecutor"))

    def check(self, project, ctx):
        forced = compat.config_policy(ctx.target).forced_option("core.executor")
        mwaa_executor = forced.value if forced and forced.value else "its own executor"
        for plugin in project.plugins.plugins:
            registration = plugin.registered("executors")
            if registration is not None:
                yield self.finding(plugin.path, _at(registration.line),
                                   f"plugin '{plugin.name or plugin.class_name}' registers executors "
                                   f"({_short(registration.items)}): MWAA runs {mwaa_executor} only",
                                   anchor=f"{plugin.class_name}\x1fexecutors")
        for entry in project.config.entries:
            if entry.option == "core.executor" and "." in entry.value.strip():
                yield self.finding(entry.path, _at(entry.line),
                                   f"{entry.where} = {entry.value.strip()} is a custom executor: MWAA runs "
                                   f"{mwaa_executor} only",
                                   anchor=f"{entry.option}\x1fexecutor")


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


class PluginMissingPackage(ProjectRule):
    """
    ## What it does
    Reports third-party modules plugin code imports that no requirement provides and that the
    MWAA image does not install.

    ## Why it matters on MWAA
    A plugin that fails to import is skipped with an error in the scheduler and web server
    logs; its macros, listeners, timetables and views silently disappear.

    ## Example
    ```python
    import zeep   # installed on the on-prem image, not in requirements.txt
    ```

    ## Fix
    Add the distribution to requirements.txt.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "PLG006"
    name = "plugin-missing-package"
    severity = Severity.WARNING
    summary = "Plugin imports a package nothing installs"
    valid = (Valid("import requests\nimport yaml\nimport acme_sdk\n", path="plugins/acme_plugin.py",
                   files={"requirements.txt": "acme-sdk==1.0\n"}),
             # the repository's own package (src/ layout) is no PyPI package
             Valid("from acme.platform import env\n", path="plugins/acme_plugin.py",
                   files={"src/acme/__init__.py": "", "src/acme/platform.py": "env = 'prod'\n"}))
    invalid = (Invalid("import zeep\n", path="plugins/acme_plugin.py", line=1, contains="zeep"),)

    def check(self, project, ctx):
        if not project.plugins.third_party_imports:
            return
        available = set(project.requirements.names()) | set(INSTALLED_ON_EVERY_MWAA_IMAGE)
        available |= {canonicalize_name(n) for n in compat.preinstalled_providers(ctx.target)}
        available |= {canonicalize_name(n.split("[", 1)[0]) for n in compat.always_installed()}
        available |= set(compat.essential_pin_names(ctx.target))
        reported: set[tuple[str, str]] = set()
        for site in project.plugins.third_party_imports:
            top = site.module.split(".", 1)[0]
            if compat.module_provided(top, available):
                continue
            if (site.path, top) in reported:
                continue
            reported.add((site.path, top))
            yield self.finding(site.path, _at(site.line),
                               f"plugin code imports {top}, which no requirement provides and the MWAA "
                               f"{ctx.target.airflow} installation does not include: add its distribution to "
                               "requirements.txt",
                               anchor=f"{top}\x1fmissing")


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


class PluginsPackageImport(ProjectRule):
    """
    ## What it does
    Reports imports through a `plugins.` package (`from plugins.operators.acme import X`).

    ## Why it matters on MWAA
    The on-prem setup had `$AIRFLOW_HOME` on `sys.path`, so `plugins` was a package. MWAA puts
    `/usr/local/airflow/plugins` itself on `sys.path`: modules import from the zip root
    (`from operators.acme import X`), and `plugins.` imports fail.

    ## Example
    ```python
    from plugins.operators.acme import AcmeOperator
    ```

    ## Fix
    Drop the `plugins.` prefix (`migrator fix` rewrites the import).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "PLG008"
    name = "plugins-package-import"
    severity = Severity.ERROR
    summary = "Import through a plugins. package that does not exist on MWAA"
    fix_safety = FixSafety.SAFE
    valid = (Valid("from operators.acme import AcmeOperator\n", path="dags/etl.py",
                   files={"plugins/operators/__init__.py": "", "plugins/operators/acme.py": "class AcmeOperator:\n    pass\n"}),)
    invalid = (Invalid("from plugins.operators.acme import AcmeOperator\n", path="dags/etl.py",
                       files={"plugins/operators/__init__.py": "",
                              "plugins/operators/acme.py": "class AcmeOperator:\n    pass\n"},
                       line=1, contains="operators.acme.AcmeOperator"),)

    def check(self, project, ctx):
        for site in project.plugins.plugins_package_imports:
            new = site.module.removeprefix("plugins.") if site.module != "plugins" else None
            fix = (Fix.make(FixSafety.SAFE, f"import {new} from the plugins.zip root", kind="replace-import",
                            old=site.module, new=new) if new else None)
            yield self.finding(site.path, _at(site.line),
                               f"{site.module} is imported through a 'plugins' package; on MWAA plugins.zip modules "
                               f"import from the zip root: use {new or 'the module names directly'}",
                               anchor=f"{site.module}\x1fplugins-import", fix=fix)


class PluginPackageWithoutInit(ProjectRule):
    """
    ## What it does
    Reports a top-level folder of the plugins folder without `__init__.py` that a module or
    regular package of the same name in a DAG folder hides.

    ## Why it matters on MWAA
    A folder without `__init__.py` imports as a namespace package, which works on Python 3.
    But the DAG folder is on `sys.path` too, and Python takes a regular package or a module
    found anywhere on `sys.path` over every namespace portion: `import operators.acme` looks
    in `dags/operators/` only, and the plugin's modules are not found.

    ## Example
    `plugins/operators/acme.py` without `plugins/operators/__init__.py`, beside
    `dags/operators/__init__.py`.

    ## Fix
    Rename one of the two (a package name of its own for the plugins, such as `acme_operators`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    - https://peps.python.org/pep-0420/
    """

    id = "PLG009"
    name = "plugin-package-without-init"
    severity = Severity.WARNING
    summary = "Plugins namespace package hidden by a DAG-folder package of the same name"
    # a namespace package nothing else claims imports fine on Python 3.11/3.12
    valid = (Valid("class AcmeOperator:\n    pass\n", path="plugins/operators/acme.py",
                   files={"dags/etl.py": "from airflow import DAG\nfrom operators.acme import AcmeOperator\n\n"
                                         "dag = DAG('etl')\n"}),
             Valid("class AcmeOperator:\n    pass\n", path="plugins/operators/acme.py",
                   files={"plugins/operators/__init__.py": ""}))
    invalid = (Invalid("class AcmeOperator:\n    pass\n", path="plugins/operators/acme.py",
                       files={"dags/etl.py": "from airflow import DAG\nfrom operators.acme import AcmeOperator\n\n"
                                             "dag = DAG('etl')\n",
                              "dags/operators/__init__.py": "", "dags/operators/local.py": "X = 1\n"},
                       contains="dags/operators/__init__.py"),)

    def check(self, project, ctx):
        facts = project.plugins
        prefix = f"{facts.folder.rstrip('/')}/" if facts.folder not in (None, ".") else ""
        for folder, hiding in facts.shadowed_namespaces:
            inner = folder[len(prefix):]
            first = next((e for e in facts.zip_entries if e.startswith(inner + "/") and e.endswith(".py")), None)
            if first is None:
                continue
            yield self.finding(f"{prefix}{first}", _at(1),
                               f"{folder}/ has no __init__.py, so it imports as a namespace package, and {hiding} "
                               f"(also on sys.path) takes the name {inner!r} first: its modules are not found on "
                               "MWAA; rename one of the two",
                               anchor=f"{folder}\x1finit")


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
                            fix=Fix.make(FixSafety.SAFE, "set core.lazy_load_plugins = False", kind="config",
                                         action="set", option="core.lazy_load_plugins", value="False"))
