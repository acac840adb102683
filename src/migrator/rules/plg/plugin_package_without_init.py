"""PLG009: Plugins namespace package hidden by a DAG-folder package of the same name"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.plg._helpers import _at


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
