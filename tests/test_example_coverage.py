"""Every rule fires on the bundled example project, in the modes a user scans it in.

The example (examples/onprem-project, see its README) is the project the quick start runs on:
a team's repo half-way through a 1.10 -> 2.x upgrade, meant to show each problem the tool knows
at least once, where such a repo really has it. Two scans, which must report the same
requirement findings:

- with the target's constraints file (``migrator scan --constraints FILE``);
- offline, with no constraints file and an empty download cache: the MWAA image's constraints
  ship with the tool.

``NOT_IN_THE_EXAMPLE`` lists the rules the example does not show, each with the reason; the
test fails when one of them starts firing, so the list cannot outlive the reason.
"""

from __future__ import annotations

import csv

import pytest
from conftest import EXAMPLE_PROJECT, SHARED
from migrator.compat import newest_with_image

from migrator.config import Settings
from migrator.engine import scan
from migrator.rules import PackageRule, all_rules
from migrator.sizing.report import size_project

# The newest target with image data (its constraints file in shared/mwaa-data): MWAA may list a
# version before its image files are published.
TARGET = newest_with_image()
TARGET_CONSTRAINTS = SHARED / "mwaa-data" / TARGET.airflow / "airflow_constraints.txt"
HISTORY = EXAMPLE_PROJECT / "history" / "task_instances.csv"

_BROKEN_FILE = ("needs a file that breaks every parser (the example's Python must parse: fix, bundle and "
                "the real-Airflow tests run on it); the rule's own INVALID examples cover it")
_NEEDS_AIRFLOW = ("reports what loading the DAGs in a real Airflow showed (`scan --verify` or a carried "
                  "verify-results.json); this scan runs no Airflow, tests/test_verify_airflow.py does")

_NOT_SHIPPED = ("the example has it only in {file}, which the bundle does not ship (MWAA installs "
                "requirements.txt and its includes); the rule's INVALID examples cover it")

NOT_IN_THE_EXAMPLE = {
    "REQ005": _NOT_SHIPPED.format(file="requirements_af2.txt, the Airflow 2 image's file"),
    "REQ014": _NOT_SHIPPED.format(file="requirements_af2.txt, the Airflow 2 image's file"),
    "REQ018": _NOT_SHIPPED.format(file="requirements-test.txt, CI's file"),
    "REQ008": ("every line of the shipped requirements that names a preinstalled package pins a version the "
               "constraints exclude: constraint-conflict (REQ004) reports those"),
    "PLG009": "needs a DAG-folder package named like a plugins folder without __init__.py",
    "REQ023": ("needs an import of a module its distribution split out (lxml.html.clean); the example "
               "parses no HTML"),
    "MWA020": ("needs a DAG-folder or plugins module named like an installed distribution; the example's "
               "modules have names of their own"),
    "MWA019": ("needs a variable holding a path into a folder another platform mounts (Cloud Composer's "
               "/home/airflow/gcs); the example's variables name buckets and hosts of its own machines"),
    "API022": ("needs a Databricks operator whose json payload a helper reads while parsed; the example runs "
               "no Databricks jobs"),
    "MIG001": _BROKEN_FILE,  # syntax error
    "MIG002": _BROKEN_FILE,  # Python 2 module
    "MIG003": _BROKEN_FILE,  # binary / undecodable file
    "MIG004": ("needs an unreadable or oversized file, which a git checkout cannot carry (permissions are "
               "not versioned)"),
    "MIG005": "a rule crashing is a bug of this tool, not something a project contains",
    "MIG006": "an analysis crashing is a bug of this tool, not something a project contains",
    "MWA018": ("the example's team runs no Google Cloud client (its cloud is AWS already); the rule's INVALID "
               "examples cover it, and tests/test_outcome.py the DAG files it explains"),
    "MWA021": ("every file the example's code reads beside itself is in the example (a checkout of a repo "
               "that generates one is what it needs); the rule's INVALID examples cover it"),
    "MWA022": ("the example's DAG files share code through helper modules that build no DAG, as the rule's "
               "remedy asks; its INVALID examples and tests/test_dag_module_import_airflow.py cover it"),
    "MIG101": _NEEDS_AIRFLOW,
    "MIG102": _NEEDS_AIRFLOW,
    "MIG103": _NEEDS_AIRFLOW,
    "MIG104": _NEEDS_AIRFLOW,
    "REQ006": ("fires only when a requirements file's own --constraint URL, not Apache's for the target, "
               "cannot be read (or for a target whose image files were never published); the example "
               "uses Apache's URLs, whose contents ship with the tool"),
    "MIG105": ("needs a stale verify-results.json, an output of this tool that a repo does not hold before "
               "its migration starts"),
}

@pytest.fixture(scope="module")
def with_constraints():
    assert TARGET_CONSTRAINTS.is_file(), TARGET_CONSTRAINTS
    return scan(EXAMPLE_PROJECT, Settings(constraints=str(TARGET_CONSTRAINTS)), TARGET, jobs=1,
                use_cache=False).all_findings


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """No constraints file, no network, and no copy of the target's constraints in the cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MWAA_MIGRATOR_OFFLINE", "1")
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("empty-cache")))
        return scan(EXAMPLE_PROJECT, Settings(), TARGET, jobs=1, use_cache=False).all_findings


@pytest.fixture(scope="module")
def scans(with_constraints, offline):
    return {"constraints": with_constraints, "offline": offline}


def test_every_rule_fires_on_the_example(scans):
    fired = {f.rule for findings in scans.values() for f in findings}
    # PKG rules are the package's checks, which a scan never reports.
    every = {rule.id for rule in all_rules() if rule.applies(TARGET) and not isinstance(rule, PackageRule)}
    assert every - fired - set(NOT_IN_THE_EXAMPLE) == set()


def test_the_exclusions_are_real_rules_that_do_not_fire(scans):
    fired = {f.rule for findings in scans.values() for f in findings}
    assert set(NOT_IN_THE_EXAMPLE) <= {rule.id for rule in all_rules()}
    assert set(NOT_IN_THE_EXAMPLE) & fired == set()


def test_offline_gives_the_requirement_findings_of_the_constraints_file(scans):
    def requirement_findings(mode: str) -> list[tuple[str, str, int]]:
        return sorted((f.rule, f.path, f.location.line) for f in scans[mode] if f.rule.startswith("REQ"))

    assert "REQ004" in {rule for rule, _, _ in requirement_findings("offline")}
    assert requirement_findings("offline") == requirement_findings("constraints")


def test_the_template_dag_stays_quiet(scans):
    """The team's template for new DAGs is written for Airflow 2 and 3: no rule reports on it."""
    noisy = [(f.rule, f.location.line, f.message) for findings in scans.values() for f in findings
             if f.path == "dags/finance_gl_export.py"]
    assert noisy == []


def test_task_history_matches_the_example_dags():
    """history/task_instances.csv is an export of the example's own DAGs: sizing matches every
    DAG id in it, and the DAG without a schedule gets its runs from it."""
    with HISTORY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == {"dag_id", "task_id", "execution_date", "state", "start_date", "end_date"}
    finished = [row for row in rows if row["state"] in ("success", "failed")]
    document = size_project(EXAMPLE_PROJECT, Settings(), TARGET, history_path=HISTORY)
    history = document["inputs"]["history"]
    assert (history["rows"], history["used"]) == (len(rows), len(finished))
    assert history["dags_matched"] == len({row["dag_id"] for row in rows})
    unscheduled = [d for d in document["dags"] if d["schedule_kind"] == "none"]
    assert unscheduled and all(d["runs_from"] == "runs observed in history" for d in unscheduled)
