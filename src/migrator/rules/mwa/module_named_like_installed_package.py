"""MWA020: a DAG-folder or plugins module named like a distribution MWAA installs."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid


class ModuleNamedLikeInstalledPackage(ProjectRule):
    """
    ## What it does
    Reports a top-level module or package of a DAG folder or of the plugins folder that the
    project's code imports by a name a distribution MWAA installs also has (the image's
    packages, or the shipped requirements): `plugins/slack.py` imported as `slack` beside
    `slack==0.0.2`, `dags/requests.py` imported as `requests`.

    ## Why it matters on MWAA
    Airflow appends the DAG and plugins folders to `sys.path`, after site-packages, so the
    import finds the installed package first: the project's module is never loaded and the
    code that imports it fails (`ImportError`, `AttributeError`) or runs the wrong code. On
    the old platform the folder may have come first (`PYTHONPATH`, the working directory).

    ## Example
    `plugins/requests.py` with `from requests import post_alert` in a DAG.

    ## Fix
    Rename the module (`acme_requests.py`) and its imports.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    - https://docs.python.org/3/library/sys_path_init.html
    """

    id = "MWA020"
    name = "module-named-like-installed-package"
    severity = Severity.WARNING
    summary = "Project module named like an installed distribution, which wins on sys.path"
    valid = (
        # A module of its own name: nothing installed competes.
        Valid("from acme_alerts import post_alert\n", path="dags/etl.py",
              files={"plugins/acme_alerts.py": "def post_alert():\n    pass\n"}),
        # A DAG file named like a package is loaded by path, not imported: nothing breaks.
        Valid("from airflow import DAG\n", path="dags/requests.py"),
        # Inside a package of its own, the name is acme.requests.
        Valid("from acme.requests import post_alert\n", path="dags/etl.py",
              files={"dags/acme/__init__.py": "", "dags/acme/requests.py": "def post_alert():\n    pass\n"}),
    )
    invalid = (
        Invalid("from requests import post_alert\n", path="dags/etl.py",
                files={"plugins/requests.py": "def post_alert():\n    pass\n"},
                contains="rename plugins/requests.py"),
        # Installed by the shipped requirements rather than the image.
        Invalid("import tablib\n", path="dags/etl.py",
                files={"dags/tablib/__init__.py": "", "requirements.txt": "tablib==3.8.0\n"},
                contains="dags/tablib/"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        ws = project.workspace
        installed = dict(compat.image_packages(ctx.target))
        for requirement in project.requirements.shipped_requirements:
            if requirement.name:
                installed.setdefault(requirement.name, requirement.pinned_version)
        imported = {qualname.split(".", 1)[0] for module in project.modules for qualname in module.imports}
        folders = [*ws.dag_folders, *([ws.plugins_folder] if ws.plugins_folder else [])]
        reported: set[str] = set()
        for rel in sorted(ws.python_files):
            if not any(f == "." or rel.startswith(f.rstrip("/") + "/") for f in folders):
                continue
            parts = ws.module_name(rel).split(".")
            top = parts[0]
            name = canonicalize_name(top)
            # A package's own modules (parts[1:]) or a file DAG-loaded by path are not imports.
            if top in reported or top not in imported or name not in installed \
                    or (len(parts) > 1 and parts[1:] != ["__init__"]):
                continue
            reported.add(top)
            shown = rel.removesuffix("__init__.py") if parts[1:] == ["__init__"] else rel
            version = installed[name]
            yield self.finding(
                rel, Location(1, 1, 1, 1),
                f"{shown} is imported as {top}, the name of the installed distribution {name}"
                f"{f' {version}' if version else ''} (MWAA {ctx.target.airflow}); Airflow appends the DAG and "
                f"plugins folders to sys.path after site-packages, so `import {top}` loads that package and "
                f"not this module: rename {shown} and its imports",
                anchor=f"{top}\x1fshadowed")
