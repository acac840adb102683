"""MIG101-MIG105: what loading the DAGs in a real Airflow of the target showed (``migrator verify``).

These rules read verify results, never Airflow itself: ``scan --verify`` attaches a fresh run to
the project, and a plain scan uses the ``verify-results.json`` the project carries (written by
``migrator verify -f json -o verify-results.json``), only for files unchanged since it was made
and only when it was made for the scan's target. Without either, they report nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable

from packaging.utils import canonicalize_name

from migrator.compat.mwaa import MwaaVersion
from migrator.compat.runtime import constraint_pin, distribution_names
from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.verify import RESULTS_FILE, FileResult, results_for

_EXAMPLE_TARGET = "3.3.1"


def _example(files: dict[str, str], results: list[dict], *, airflow: str = _EXAMPLE_TARGET,
             requirements: dict | None = None) -> dict[str, str]:
    """A tiny project and the verify report a real run made of it (each file's sha256 filled in,
    so the report is current for exactly these contents)."""
    def sha(path: str) -> str:
        return hashlib.sha256(files[path].encode()).hexdigest() if path in files else "0" * 64

    entries = []
    for entry in results:
        full = {"error": None, "line": None, "raised_in": None, "traceback": None, "dag_ids": [],
                "tasks": 0, "warnings": [], "lookups": [],
                "parse_seconds": None if entry["status"] == "import_error" else 0.01, **entry}
        full.setdefault("sha256", sha(full["path"]))
        entries.append(full)
    if requirements is not None:
        requirements = {"installed": not requirements.get("failures"), "notes": [],
                        "sha256": sha(requirements["path"]), **requirements}
    report = {"target": {"mwaa_version": airflow, "airflow_version": airflow, "python_version": "3.12"},
              "environment": {"airflow_version": airflow, "python_version": "3.12.1", "notes": []},
              "requirements": requirements, "files": entries, "summary": {}}
    return {**files, RESULTS_FILE: json.dumps(report, indent=2)}


_LEGACY_DAG = """\
from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator

with DAG("nightly", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="run", bash_command="echo hi")
"""
_MODERN_DAG = """\
from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("nightly", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="run", bash_command="echo hi")
"""
_LOADED = {"path": "dags/nightly.py", "status": "loaded", "dag_ids": ["nightly"], "tasks": 1}
_IMPORT_ERROR = {"path": "dags/nightly.py", "status": "import_error", "line": 4,
                 "error": "ModuleNotFoundError: No module named 'airflow.operators.bash_operator'"}


# "cannot import name 'x' from 'azure.mgmt.y' (site-packages/azure/mgmt/y/__init__.py)": a
# module found installed (verify shortens the path to site-packages/...) lacks the name.
_INSTALLED_NAME_MISSING = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)' "
                                     r"\((?:[^()]*/)?(?:site|dist)-packages/")


def installed_name_missing(error: str | None, target: MwaaVersion, requested: Iterable[str] = ()) -> str | None:
    """What decides the version of a third-party module that lacks a name the code imports, for
    an error saying so: the target's constraints, which MWAA applies and requirements.txt cannot
    override (the code must change), or else requirements.txt (``requested``: the canonical names
    it lists), where the version the code was written for can be pinned. None for other errors."""
    match = _INSTALLED_NAME_MISSING.search(error or "")
    if not match:
        return None
    module, name = match["module"], match["name"]
    if pinned := constraint_pin(module, target):
        distribution, version = pinned
        return (f"{module} of {distribution} {version} has no {name!r}: the constraints of Airflow "
                f"{target.airflow} pin {distribution}=={version} and MWAA installs requirements.txt "
                f"under them, so no requirement can change it; change the code to what {distribution} "
                f"{version} provides")
    requested = set(requested)
    distribution = next((name for name in distribution_names(module) if name in requested), None)
    which = distribution or f"the distribution providing {module}"
    return (f"{module} has no {name!r} at the version pip chose: the constraints of Airflow {target.airflow} "
            f"do not pin {which}, so requirements.txt decides its version; pin there the version the code "
            "was written for, or change the code to the newest one's names")


def _report_location(line: int | None) -> Location:
    return Location(line or 1, 1, line or 1, 1)


class _VerifyRule(ProjectRule):
    def files(self, project: ProjectFacts, ctx: RuleContext) -> list[FileResult]:
        return results_for(project, ctx.target).files


class DagImportErrorRule(_VerifyRule):
    """
    ## What it does
    Reports DAG files that raised an error when Airflow of the target version loaded them with
    `DagBag` (from `migrator verify`, or the project's `verify-results.json`). The message is
    the real exception, e.g. `ModuleNotFoundError: No module named
    'airflow.operators.bash_operator'`, at the line of the DAG file it passed through last.

    ## Why it matters on MWAA
    MWAA's DAG processor meets the same error: the DAG does not appear in the UI, only a
    "Broken DAG" banner, and none of its tasks run. Static rules predict most of these; this
    one is what actually happened, including errors no rule knows (a helper module, a plugin,
    a missing package). When the error is a name an installed third-party module lacks, it says
    what decides that module's version: the target's constraints, which MWAA applies and no
    requirement overrides (the code must change), or else requirements.txt.

    ## Example
    ```python
    from airflow.operators.bash_operator import BashOperator  # gone in Airflow 3
    ```

    ## Fix
    Apply the fixes `migrator fix` offers, install what is missing through requirements.txt,
    then run `migrator verify` again (and save it with `-f json -o verify-results.json`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/t-apache-airflow-11012.html
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dagfile-processing.html
    """

    id = "MIG101"
    name = "dag-import-error"
    severity = Severity.ERROR
    summary = "DAG file fails to load in Airflow of the target version"
    valid = (
        Valid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED]), target=_EXAMPLE_TARGET),
        # No report in the project: nothing to say without running Airflow.
        Valid(files={"dags/nightly.py": _LEGACY_DAG}, target=_EXAMPLE_TARGET),
    )
    invalid = (
        Invalid(files=_example({"dags/nightly.py": _LEGACY_DAG}, [_IMPORT_ERROR]), target=_EXAMPLE_TARGET,
                line=4, contains="No module named 'airflow.operators.bash_operator'"),
        Invalid(files=_example(
            {"dags/nightly.py": _MODERN_DAG.replace('schedule=None', 'schedule_interval=None')},
            [{"path": "dags/nightly.py", "status": "import_error", "line": 6,
              "error": "TypeError: DAG.__init__() got an unexpected keyword argument 'schedule_interval'"}]),
            target=_EXAMPLE_TARGET, line=6, contains="schedule_interval"),
        # A name the installed third-party module lacks: the constraints pin markupsafe, so only
        # the code can change...
        Invalid(files=_example(
            {"dags/nightly.py": "from markupsafe import soft_unicode\n" + _MODERN_DAG},
            [{"path": "dags/nightly.py", "status": "import_error", "line": 1,
              "error": "ImportError: cannot import name 'soft_unicode' from 'markupsafe' "
                       "(site-packages/markupsafe/__init__.py)"}]),
            target=_EXAMPLE_TARGET, line=1, contains="so no requirement can change it"),
        # ... while a distribution they leave open gets the version requirements.txt lets pip pick.
        Invalid(files=_example(
            {"dags/nightly.py": "from acme.cloud.models import _models\n" + _MODERN_DAG,
             "requirements.txt": "acme-cloud\n"},
            [{"path": "dags/nightly.py", "status": "import_error", "line": 1,
              "error": "ImportError: cannot import name '_models' from 'acme.cloud.models' "
                       "(site-packages/acme/cloud/models/__init__.py)"}]),
            target=_EXAMPLE_TARGET, line=1, contains="do not pin acme-cloud, so requirements.txt decides"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        requested = {canonicalize_name(name) for name in project.requirements.names()}
        for entry in self.files(project, ctx):
            if entry.status == "import_error":
                where = f" (raised in {entry.raised_in})" if entry.raised_in else ""
                gap = installed_name_missing(entry.error, ctx.target, requested)
                advice = f"; {gap}" if gap else ""
                message = " ".join((entry.error or "").split("\n"))  # a finding's message is one line
                yield self.finding(entry.path, _report_location(entry.line),
                                   f"fails to load on Airflow {ctx.target.airflow}: {message}{where}{advice}",
                                   anchor=entry.error_line)  # the first line: stable where the rest is not


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


class RequirementInstallFailureRule(ProjectRule):
    """
    ## What it does
    Reports requirements that pip would not install next to Airflow of the target version,
    under the target's constraints, with pip's reason (from `migrator verify`, which installs
    the project's requirements into its Airflow venv).

    ## Why it matters on MWAA
    MWAA installs requirements.txt with the same constraints when the environment starts or
    updates; one requirement that does not install fails the whole update, and the DAGs that
    import the package break.

    ## Example
    ```text
    apache-airflow==1.10.15
    pandas==1.2.3        # no wheel for Python 3.12, and its build fails
    ```

    ## Fix
    Remove Airflow and its essential packages from requirements.txt, drop pins the target's
    constraints already decide, and move pins that conflict to versions the constraints allow.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/installing-from-pypi.html
    """

    id = "MIG103"
    name = "requirement-install-failure"
    severity = Severity.ERROR
    summary = "Requirement does not install with the target's Airflow and constraints"
    valid = (Valid(files=_example({"dags/nightly.py": _MODERN_DAG, "requirements.txt": "tabulate\n"},
                                  [_LOADED], requirements={"path": "requirements.txt", "failures": []}),
                   target=_EXAMPLE_TARGET),)
    invalid = (
        Invalid(files=_example(
            {"dags/nightly.py": _MODERN_DAG, "requirements.txt": "tabulate\napache-airflow==1.10.15\n"},
            [_LOADED], requirements={"path": "requirements.txt", "failures": [
                {"path": "requirements.txt", "line": 2, "requirement": "apache-airflow==1.10.15",
                 "reason": "Cannot install apache-airflow==1.10.15 because these package versions "
                           "have conflicting dependencies."}]}),
            target=_EXAMPLE_TARGET, line=2, contains="conflicting dependencies"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for failure in results_for(project, ctx.target).requirement_failures:
            yield self.finding(failure.path, _report_location(failure.line),
                               f"{failure.requirement} does not install with Airflow {ctx.target.airflow} "
                               f"and its constraints: {failure.reason}", anchor=failure.requirement)


class AirflowDeprecationWarningRule(_VerifyRule):
    """
    ## What it does
    Reports the deprecation warnings Airflow of the target version raised while loading each DAG
    file (`RemovedInAirflow3Warning`, `AirflowProviderDeprecationWarning`, deprecated imports),
    at the project line the warning points to.

    ## Why it matters on MWAA
    What is deprecated on the target is removed on the next Airflow major version, and MWAA
    ends support for old versions on a schedule: these lines break on the next upgrade.

    ## Example
    ```python
    DAG("nightly", schedule_interval="@daily")  # RemovedInAirflow3Warning on 2.11
    ```

    ## Fix
    Follow the warning's advice (most have a `migrator fix` counterpart), then verify again.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/release_notes.html
    """

    id = "MIG104"
    name = "airflow-deprecation-warning"
    severity = Severity.WARNING
    summary = "Airflow of the target version warns about a deprecated API while loading the DAG"
    valid = (Valid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED]), target=_EXAMPLE_TARGET),)
    invalid = (
        Invalid(files=_example(
            {"dags/nightly.py": _LEGACY_DAG},
            [{**_LOADED, "warnings": [{
                "category": "airflow.exceptions.RemovedInAirflow3Warning", "path": "dags/nightly.py",
                "line": 4, "message": "The `airflow.operators.bash_operator.BashOperator` class is "
                                      "deprecated. Please use `'airflow.operators.bash.BashOperator'`."}]}],
            airflow="2.11.2"),
            target="2.11.2", line=4, contains="RemovedInAirflow3Warning"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for entry in self.files(project, ctx):
            for warning in entry.warnings:
                # verify makes project paths relative; others stay absolute or site-packages/...
                in_project = not warning.path.startswith(("site-packages/", "/", "<"))
                path, line = (warning.path, warning.line) if in_project else (entry.path, 1)
                category = warning.category.rsplit(".", 1)[-1]
                text = warning.message.strip().splitlines()[0] if warning.message.strip() else ""
                origin = "" if in_project else f" (raised in {warning.path}:{warning.line})"
                yield self.finding(path, _report_location(line),
                                   f"{category} on Airflow {ctx.target.airflow}: {text}{origin}",
                                   anchor=f"{category}\x1f{text}")


class VerifyResultsUnusableRule(ProjectRule):
    """
    ## What it does
    Reports a `verify-results.json` the scan cannot use, in whole or in part: unreadable, made
    for another target version, or made before some of its files changed.

    ## Why it matters on MWAA
    It does not directly: it says that the DAG-loading results the scan would otherwise report
    (MIG101-MIG104) are missing or out of date, so a broken DAG may go unreported.

    ## Example
    A `verify-results.json` made with `--target 2.11.2`, scanned with `--target 3.3.1`.

    ## Fix
    Run `migrator verify --target <target> -f json -o verify-results.json` again, or use
    `migrator scan --verify`.

    ## References
    - `migrator explain MIG101`
    """

    id = "MIG105"
    name = "verify-results-unusable"
    severity = Severity.WARNING
    summary = "verify-results.json is unreadable, for another target, or out of date"
    valid = (Valid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED]), target=_EXAMPLE_TARGET),)
    invalid = (
        Invalid(files=_example({"dags/nightly.py": _MODERN_DAG}, [_LOADED], airflow="2.11.2"),
                target=_EXAMPLE_TARGET, contains="made for Airflow 2.11.2"),
        Invalid(files={**_example({"dags/nightly.py": _LEGACY_DAG}, [_IMPORT_ERROR]),
                       "dags/nightly.py": _MODERN_DAG},
                target=_EXAMPLE_TARGET, contains="changed since"),
        Invalid(files={"dags/nightly.py": _MODERN_DAG, RESULTS_FILE: "{not json"},
                target=_EXAMPLE_TARGET, contains="cannot be used"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        carried = results_for(project, ctx.target)
        for problem in carried.problems:
            yield self.finding(RESULTS_FILE, Location(), problem, anchor=problem.split(":", 1)[0])
