"""MWA014: Import through the DAG folder's own name, which MWAA's sys.path does not have"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceImport
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
                       line=1, contains="use common.sql.QUERY", fixed="""
                   from common.sql import QUERY
               """),
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
                fix=ReplaceImport(safety=FixSafety.SAFE, description=f"import {site.new} from the DAG folder's root",
                                  old=site.module, new=site.new, required=True))
