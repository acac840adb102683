"""PLG006: Plugin imports a package nothing installs"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at


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
        available = set(project.requirements.names()) | compat.installed_distributions(ctx.target)
        available |= {canonicalize_name(n) for n in compat.preinstalled_providers(ctx.target)}
        available |= {canonicalize_name(n.split("[", 1)[0]) for n in compat.always_installed()}
        available |= set(compat.essential_pin_names(ctx.target))
        available = compat.installed_names(available)
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
