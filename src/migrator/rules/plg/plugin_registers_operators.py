"""PLG001: Plugin registers operators, sensors or hooks (removed in Airflow 2)"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at, _removed_attributes, _short

NAMESPACE_KINDS = ("operators", "sensors", "hooks")


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
