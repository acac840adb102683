"""MIG102: DAG file takes longer than the parse time limit to load"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, RuleContext, Valid
from migrator.rules.mig._helpers import (
    _EXAMPLE_TARGET,
    _LOADED,
    _MODERN_DAG,
    _example,
    _report_location,
    _VerifyRule,
)


class DagImportTimeoutRule(_VerifyRule):
    """
    ## What it does
    Reports DAG files that did not finish loading within the time limit per file
    (`migrator verify --timeout`, default 30 s: MWAA's `core.dagbag_import_timeout`).

    ## Why it matters on MWAA
    MWAA's DAG processor stops such a file at `dagbag_import_timeout` and shows it as broken;
    slow top-level code also slows every parse loop of the scheduler, on every file.

    ## Example
    ```python
    rows = requests.get("https://inventory.acme.local/stores").json()  # at import time
    ```

    ## Fix
    Move slow work (network calls, database queries, big computations) into tasks; read
    configuration from Variables or files inside task code, not at the top of the DAG file.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/best-practices.html#top-level-python-code
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-tuning.html
    """

    id = "MIG102"
    name = "dag-import-timeout"
    severity = Severity.ERROR
    summary = "DAG file takes longer than the parse time limit to load"
    valid = (Valid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED]), target=_EXAMPLE_TARGET),)
    invalid = (
        Invalid(files=_example(
            {"dags/slow.py": "import time\n\nfrom airflow.sdk import DAG\n\ntime.sleep(120)\n"},
            [{"path": "dags/slow.py", "status": "timeout", "line": 5, "parse_seconds": 30.0,
              "error": "AirflowTaskTimeout: DagBag import timeout for dags/slow.py after 30.0s."}]),
            target=_EXAMPLE_TARGET, line=5, contains="timed out"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for entry in self.files(project, ctx):
            if entry.status == "timeout":
                yield self.finding(entry.path, _report_location(entry.line),
                                   f"timed out loading on Airflow {ctx.target.airflow} after "
                                   f"{entry.parse_seconds or 0:g} s: {entry.error}", anchor="timeout")
