"""MWA016: Import of a module the project's own package does not hold"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid


class MissingProjectModule(ProjectRule):
    """
    ## What it does
    Reports imports of modules under the project's own packages that the project does not
    hold: `from include.api.credentials import KEY` where `include/api/` has no
    `credentials.py`, or `from company.utils.io import read` where `company/` has no `utils`.

    ## Why it matters on MWAA
    On-prem the module came from somewhere else: a file each machine keeps out of version
    control (credentials, local settings), or another checkout on `PYTHONPATH` holding more
    of the same package. MWAA has only what the bundle ships: the import fails with
    `ModuleNotFoundError` and every DAG importing it disappears. No tool can ship what is not
    in the project, so this needs a human.

    ## Example
    ```python
    from include.api.credentials import API_KEY   # include/api/credentials.py is gitignored
    ```

    ## Fix
    Secrets: read them from Secrets Manager (an Airflow Variable or Connection through the
    secrets backend) instead of a module. Code from another repository: install it as a
    package (a wheel in `plugins.zip` with `--find-links /usr/local/airflow/plugins`, or a
    private index), or copy it into the DAG folder.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "MWA016"
    name = "project-module-missing"
    severity = Severity.ERROR
    summary = "Import of a module the project's own package does not hold"
    valid = (Valid("from include.api.fetch import get\n", path="dags/etl.py",
                   files={"include/api/fetch.py": "get = 1\n"}),
             # A name the package's __init__.py defines is not a module.
             Valid("from common import TABLE\nfrom common.sql import QUERY\n", path="dags/etl.py",
                   files={"dags/common/__init__.py": "TABLE = 't'\n", "dags/common/sql.py": "QUERY = 1\n"}),
             # Guarded by try/except ImportError: the code copes without it.
             Valid("try:\n    from common.local_settings import X\nexcept ImportError:\n    X = None\n",
                   path="dags/etl.py", files={"dags/common/__init__.py": ""}),
             # A package that extends its own __path__ finds modules elsewhere by design.
             Valid("from common.extra.io import read\n", path="dags/etl.py",
                   files={"dags/common/__init__.py": "from pkgutil import extend_path\n"
                                                     "__path__ = extend_path(__path__, __name__)\n"}))
    invalid = (Invalid("from include.api.credentials import API_KEY\n", path="dags/etl.py",
                       files={"include/api/fetch.py": "get = 1\n", ".gitignore": "credentials.py\n"},
                       line=1, contains=".gitignore: credentials.py"),
               Invalid("from company.utils.io import read\n", path="dags/etl.py",
                       files={"company/__init__.py": "", "company/queue.py": "Q = 1\n"},
                       line=1, contains="company/ has no utils"))

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        elsewhere = _pythonpath_elsewhere(project)
        for missing in project.missing_modules(ctx.target):
            first = missing.importers[0]
            line = project.import_line(first, missing.module)
            others = len(missing.importers) - 1
            name = missing.module.rsplit(".", 1)[1]
            if missing.ignored_by:
                why = (f"{missing.ignored_by} keeps it out of version control (on-prem each machine "
                       "had its own copy): if it holds secrets, read them from Secrets Manager "
                       "instead; otherwise add the module to the project")
            elif elsewhere:
                why = (f"on-prem, {elsewhere} put more folders on sys.path, which may hold it: "
                       "install that code as a package or copy the module into the project")
            else:
                why = ("on-prem it came from outside the project: install the code that provides it "
                       "as a package or copy the module into the project")
            yield self.finding(
                first, Location(line, 1, line, 1),
                f"imports {missing.module}{f' (as do {others} other files)' if others else ''}, but "
                f"{missing.package}/ has no {name} module or package in this project, so the import "
                f"fails on MWAA: {why}",
                anchor=f"{missing.module}\x1fmissing-module")


def _pythonpath_elsewhere(project: ProjectFacts) -> str:
    """``PYTHONPATH in Dockerfile line 22 (/opt/other-repo)``: settings of PYTHONPATH that name
    absolute folders (not the variable's own value), or "" when there are none."""
    shown = []
    for var in project.env.named("PYTHONPATH"):
        if var.name != "PYTHONPATH" or not var.value:
            continue
        entries = [e for e in var.value.split(":") if e.startswith("/") and "$" not in e]
        if entries:
            shown.append(f"PYTHONPATH in {var.path} line {var.line} ({', '.join(entries[:2])})")
    return "; ".join(shown[:2])
