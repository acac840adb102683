"""MIG101: DAG file fails to load in Airflow of the target version"""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.utils import canonicalize_name

from migrator.compat import MwaaVersion, constraint_pin, distribution_names, dropped_from_image
from migrator.findings import Finding, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, RuleContext, Valid
from migrator.rules.mig._helpers import (
    _EXAMPLE_TARGET,
    _IMPORT_ERROR,
    _LEGACY_DAG,
    _LOADED,
    _MODERN_DAG,
    _example,
    _report_location,
    _VerifyRule,
)

# "cannot import name 'x' from 'azure.mgmt.y' (site-packages/azure/mgmt/y/__init__.py)": a
# module found installed (verify shortens the path to site-packages/...) lacks the name.
_INSTALLED_NAME_MISSING = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)' "
                                     r"\((?:[^()]*/)?(?:site|dist)-packages/")
_NO_MODULE = re.compile(r"No module named '(?P<module>[^'.]+)")


def dropped_module_missing(error: str | None, target: MwaaVersion) -> str | None:
    """Why a module is missing that a distribution of the target image stopped shipping, for an
    error saying so (``No module named 'pkg_resources'`` with setuptools 82+ pinned). None for
    other errors."""
    match = _NO_MODULE.search(error or "")
    found = dropped_from_image(match["module"], target) if match else None
    if found is None:
        return None
    dropped, pinned = found
    return (f"{dropped.distribution} stopped shipping {dropped.module} in {dropped.removed_in} and the constraints "
            f"of Airflow {target.airflow} pin {dropped.distribution}=={pinned}, so no requirement can bring it back: "
            f"move the package that imports it to a release that does not (code of the project's own: use "
            f"{dropped.instead})")


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
        # A package the DAG imports needs pkg_resources, which the setuptools 3.3.1 pins lacks.
        Invalid(files=_example(
            {"dags/nightly.py": "import uid2_client\n" + _MODERN_DAG, "requirements.txt": "uid2-client==2.5.18\n"},
            [{"path": "dags/nightly.py", "status": "import_error", "line": 1,
              "error": "ModuleNotFoundError: No module named 'pkg_resources'"}]),
            target="3.3.1", line=1, contains="pin setuptools==83.0.0, so no requirement can bring it back"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        requested = {canonicalize_name(name) for name in project.requirements.names()}
        for entry in self.files(project, ctx):
            if entry.status == "import_error":
                where = f" (raised in {entry.raised_in})" if entry.raised_in else ""
                gap = (installed_name_missing(entry.error, ctx.target, requested)
                       or dropped_module_missing(entry.error, ctx.target))
                advice = f"; {gap}" if gap else ""
                message = " ".join((entry.error or "").split("\n"))  # a finding's message is one line
                yield self.finding(entry.path, _report_location(entry.line),
                                   f"fails to load on Airflow {ctx.target.airflow}: {message}{where}{advice}",
                                   anchor=entry.error_line)  # the first line: stable where the rest is not
