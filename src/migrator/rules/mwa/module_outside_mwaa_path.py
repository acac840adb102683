"""MWA015: Package outside the DAG and plugins folders that the code imports"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid


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
