"""MWA017: two DAG files define a DAG with the same id."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from migrator.findings import Finding, Location, Related, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid

_DAG = 'from airflow import DAG\n\nPROJECT = "{project}"\n\nwith DAG(dag_id=f"{{PROJECT}}.load", schedule=None):\n    pass\n'


_SHOWN = 3  # other files named in the message


# A template's unfilled marker (PLACEHOLDER_PROJECT, {{ project }}, ${WORKFLOW}, __NAME__): a
# deployment step renders each copy with its own values.
_PLACEHOLDER = re.compile(r"PLACEHOLDER|\{\{|\$\{|__[A-Z][A-Z0-9_]*__")


class DuplicateDagId(ProjectRule):
    """
    ## What it does
    Reports DAG files whose DAG id a DAG file before them (by path) in the DAG folder also
    defines, once per file: a literal
    id, or one built only from literals and module-level constants
    (`dag_id=f"{PROJECT}.{WORKFLOW}"`). DAGs built in loops or factory functions are left out:
    their ids depend on values only the running code knows.

    ## Why it matters on MWAA
    Airflow keeps one DAG per id. The other files fail with `AirflowDagDuplicatedIdException`
    ("Ignoring DAG ... also found in ..."), a broken-DAG banner, and their tasks never run;
    which file wins depends on the order the DAG processor reads them. The usual cause in a
    migration is a template whose placeholders a deployment step filled in on-prem
    (`PROJECT = "PLACEHOLDER_PROJECT"`), or a copy of a DAG kept for testing.

    ## Example
    ```python
    # dags/sales/dag.py and dags/finance/dag.py, both:
    PROJECT = "PLACEHOLDER_PROJECT"
    with DAG(dag_id=f"{PROJECT}.load", schedule=None):
        ...
    ```

    An id that is a template's placeholder (`PLACEHOLDER_PROJECT`, `{{ project }}`) is one
    cause however many files share it: one finding, the other files its related locations,
    asking to render the templates first.

    ## Fix
    Give each DAG its own id (fill in the placeholders before packaging, or derive the id from
    the file's folder), or delete the copy.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html
    """

    id = "MWA017"
    name = "duplicate-dag-id"
    severity = Severity.ERROR
    summary = "DAG id defined by more than one DAG file"
    valid = (
        Valid(_DAG.format(project="sales"), path="dags/sales/dag.py",
              files={"dags/finance/dag.py": _DAG.format(project="finance")}),
        # Ids made in a loop depend on values only the running code knows.
        Valid("from airflow import DAG\n\nfor team in TEAMS:\n    DAG(dag_id=f'{team}.load')\n",
              path="dags/a.py", files={"dags/b.py": "from airflow import DAG\n\nfor team in TEAMS:\n"
                                                    "    DAG(dag_id=f'{team}.load')\n"}),
        # @dag("id", ...) names the DAG with its first argument, not the function's name.
        Valid("from airflow.decorators import dag\n\n@dag('housing_hist', schedule=None)\ndef pipeline():\n"
              "    pass\n\npipeline()\n", path="dags/housing.py",
              files={"dags/roads.py": "from airflow.decorators import dag\n\n@dag('roads_hist', schedule=None)\n"
                                      "def pipeline():\n    pass\n\npipeline()\n"}),
        # A copy outside the DAG folder (a test fixture) is never parsed by MWAA.
        Valid(_DAG.format(project="sales"), path="dags/sales/dag.py",
              files={"tests/fixtures/dag.py": _DAG.format(project="sales")}),
    )
    invalid = (
        Invalid(_DAG.format(project="PLACEHOLDER_PROJECT"), path="dags/sales/dag.py",
                files={"dags/finance/dag.py": _DAG.format(project="PLACEHOLDER_PROJECT")},
                line=5, contains="'PLACEHOLDER_PROJECT.load' is a template placeholder, also in dags/sales/dag.py"),
        Invalid(_DAG.format(project="sales"), path="dags/sales/dag.py",
                files={"dags/finance/dag.py": _DAG.format(project="sales"),
                       "dags/marketing/dag.py": _DAG.format(project="sales")},
                line=5, contains="also defined in dags/finance/dag.py, dags/marketing/dag.py"),
        Invalid("from airflow import DAG\n\nDAG('nightly', schedule=None)\n", path="dags/nightly_copy.py",
                files={"dags/nightly.py": "from airflow.models import DAG\n\nDAG('nightly')\n"},
                line=3, contains="also defined in dags/nightly.py"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        folders = project.workspace.dag_folders
        defined: dict[str, list[tuple[str, int]]] = {}
        for module in project.dag_files:
            if any(folder == "." or module.path.startswith(folder + "/") for folder in folders):
                for dag_id, line in module.single_dag_ids:
                    defined.setdefault(dag_id, []).append((module.path, line))
        for dag_id, places in sorted(defined.items()):
            first = min(path for path, _ in places)
            if len({path for path, _ in places}) > 1 and _PLACEHOLDER.search(dag_id):
                yield self._placeholder(dag_id, sorted(places))
                continue
            # The first file (by path) keeps the finding-free copy; each other one is reported
            # once, naming the files it clashes with.
            for path, line in sorted(places):
                if path == first:
                    continue
                others = sorted({p for p, _ in places if p != path})
                yield self.finding(path, Location(line, 1, line, 1),
                                   f"DAG id {dag_id!r} is also defined in {_names(others)}: Airflow keeps one of "
                                   "them and reports the others as import errors; give each its own id",
                                   anchor=dag_id)

    def _placeholder(self, dag_id: str, places: list[tuple[str, int]]) -> Finding:
        """One finding for a template id: the files are copies of one unrendered template."""
        (path, line), *rest = places
        others = sorted({p for p, _ in rest if p != path})
        finding = self.finding(path, Location(line, 1, line, 1),
                               f"DAG id {dag_id!r} is a template placeholder, also in {_names(others)}: these "
                               "files are templates a deployment step fills in; render them with their own values "
                               "before packaging, or Airflow keeps one and reports the others as import errors",
                               anchor=dag_id)
        return replace(finding, related=tuple(Related(p, Location(n, 1, n, 1), "the same placeholder DAG id")
                                              for p, n in rest))


def _names(paths: list[str]) -> str:
    return ", ".join(paths[:_SHOWN]) + (f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else "")
