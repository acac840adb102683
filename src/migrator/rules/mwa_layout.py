"""MWA: imports that resolve on-prem through folders MWAA's ``sys.path`` does not hold.

MWAA puts only the DAG folder and the plugins folder on ``sys.path``; see
``migrator.analysis.layout``.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Fix, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid

_HELPER = "from common.sql import QUERY\n\nX = QUERY\n"


class DagFolderPackageImport(ProjectRule):
    """
    ## What it does
    Reports imports through a DAG folder's own name (`from dags.common import x`, or
    `src.dags.common` in a `src/` layout) of modules of that DAG folder.

    ## Why it matters on MWAA
    On-prem, the folder above the DAG folder was on `sys.path` (the repository root, `src/`,
    `$AIRFLOW_HOME`), so the DAG folder was a package. MWAA puts the DAG folder itself on
    `sys.path` (`/usr/local/airflow/dags`) and not its parent: `dags.` imports fail with
    `ModuleNotFoundError: No module named 'dags'`, and every DAG importing them disappears.

    ## Example
    ```python
    from dags.common.sql import QUERY
    ```

    ## Fix
    Import from the DAG folder's root (`from common.sql import QUERY`): `migrator fix`
    rewrites the import. The same import works on-prem as long as the DAG folder is Airflow's
    `dags_folder`, which Airflow puts on `sys.path` too.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    - https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/modules_management.html
    """

    id = "MWA014"
    name = "dag-folder-package-import"
    severity = Severity.ERROR
    summary = "Import through the DAG folder's own name, which MWAA's sys.path does not have"
    fix_safety = FixSafety.SAFE
    valid = (Valid(_HELPER, path="dags/etl.py", files={"dags/common/__init__.py": "",
                                                      "dags/common/sql.py": "QUERY = 'select 1'\n"}),
             # A `dags` package inside the DAG folder is on MWAA's path as it is.
             Valid("from dags.sql import QUERY\n", path="dags/etl.py",
                   files={"dags/dags/__init__.py": "", "dags/dags/sql.py": "QUERY = 'select 1'\n"}))
    invalid = (Invalid("from dags.common.sql import QUERY\n", path="dags/etl.py",
                       files={"dags/common/__init__.py": "", "dags/common/sql.py": "QUERY = 'select 1'\n"},
                       line=1, contains="use common.sql.QUERY"),
               Invalid("import src.dags.common.sql as sql\n", path="src/dags/etl.py",
                       files={"src/dags/common/__init__.py": "", "src/dags/common/sql.py": "QUERY = 1\n"},
                       line=1, contains="use common.sql"))

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for site in project.dag_folder_package_imports:
            prefix = site.module[:len(site.module) - len(site.new) - 1]
            yield self.finding(
                site.path, site.location,
                f"{site.module} goes through {prefix!r}, the DAG folder {site.folder}/ as a package: MWAA "
                f"puts the DAG folder itself on sys.path, not its parent, so use {site.new}",
                anchor=f"{site.module}\x1fdag-folder-import",
                fix=Fix.make(FixSafety.SAFE, f"import {site.new} from the DAG folder's root",
                             kind="replace-import", old=site.module, new=site.new, required=True))


class OutsideModuleImport(ProjectRule):
    """
    ## What it does
    Reports packages and modules outside the DAG and plugins folders that the DAG or plugin
    code imports (an Astro `include/` folder, a company package at the top of the repository or
    under `src/`), once per package.

    ## Why it matters on MWAA
    MWAA has only the DAG folder and the plugins folder on `sys.path`; the repository root and
    `src/`, which the on-prem image or `PYTHONPATH` put there, do not exist. Without the
    package, every DAG importing it fails with `ModuleNotFoundError`.

    ## Example
    ```python
    from include.helpers import clean   # include/ beside dags/, as Astro projects have it
    ```

    ## Fix
    `migrator package` (and `migrate`) carry the package into plugins.zip at its root, where
    MWAA's `sys.path` finds it, so the imports work unchanged; a generated `.airflowignore` in
    plugins.zip keeps the plugin manager from importing it as a plugin. Deploying without
    `migrator package`, do the same: put the package into plugins.zip.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "MWA015"
    name = "module-outside-mwaa-path"
    severity = Severity.INFO
    summary = "Package outside the DAG and plugins folders that the code imports"
    valid = (Valid("from helpers import clean\n", path="dags/etl.py", files={"dags/helpers.py": "clean = 1\n"}),
             # A folder named like a requirement is not where the import comes from on MWAA.
             Valid("import pandas\n", path="dags/etl.py",
                   files={"pandas/__init__.py": "", "requirements.txt": "pandas==2.2.3\n"}))
    invalid = (Invalid("from include.helpers import clean\n", path="dags/etl.py",
                       files={"include/__init__.py": "", "include/helpers.py": "clean = 1\n"},
                       contains="carries include/ into plugins.zip"),
               Invalid("from acme.jobs import run\n", path="src/dags/etl.py",
                       files={"src/acme/__init__.py": "", "src/acme/jobs.py": "run = 1\n"},
                       contains="src/acme"))

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        missing = project.missing_modules(ctx.target)
        for package in project.carried_packages(ctx.target):
            first = package.importers[0]
            line = project.import_line(first, package.name)
            others = len(package.importers) - 1
            lacking = [m.module for m in missing if m.module.split(".", 1)[0] == package.name]
            yield self.finding(
                first, Location(line, 1, line, 1),
                f"imports {package.name} from {package.source}, outside the DAG and plugins folders"
                f"{f' (as do {others} other files)' if others else ''}: MWAA's sys.path holds only "
                f"those two; `migrator package` carries {package.zip_path} into plugins.zip, where "
                "the import resolves unchanged"
                + (f" (except {', '.join(lacking[:2])}, which the project does not hold: MWA016)"
                   if lacking else ""),
                anchor=f"{package.name}\x1foutside-module")


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
