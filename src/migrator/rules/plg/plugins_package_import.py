"""PLG008: Import through a plugins. package that does not exist on MWAA"""

from __future__ import annotations

from migrator.findings import FixSafety, Severity
from migrator.fixes import ReplaceImport
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at


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
                       line=1, contains="operators.acme.AcmeOperator",
                       fixed="from operators.acme import AcmeOperator\n"),)

    def check(self, project, ctx):
        for site in project.plugins.plugins_package_imports:
            new = site.module.removeprefix("plugins.") if site.module != "plugins" else None
            fix = (ReplaceImport(safety=FixSafety.SAFE, description=f"import {new} from the plugins.zip root",
                                 old=site.module, new=new) if new else None)
            yield self.finding(site.path, site.location or _at(site.line),
                               f"{site.module} is imported through a 'plugins' package; on MWAA plugins.zip modules "
                               f"import from the zip root: use {new or 'the module names directly'}",
                               anchor=f"{site.module}\x1fplugins-import", fix=fix)
