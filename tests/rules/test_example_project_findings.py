"""The code rules on the bundled example project: nothing on the files that are already fine, one
finding per place, every code rule shown, fix data of the kinds the codemods know. Which finding
each target reports, on which line, with which message and severity, is the snapshot's
(tests/test_scan_snapshots.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import EXAMPLE_PROJECT
from migrator.compat import get_version, supported_versions

from migrator.config import Settings
from migrator.engine import scan

CODE_FAMILIES = ("API", "MWA", "PY")

# Files the example's README calls already fine for MWAA and Airflow 3.
QUIET_FILES = ("dags/finance_gl_export.py", "dags/glue_catalog_refresh.py")


@pytest.fixture(scope="module")
def airflow_3_findings():
    result = scan(EXAMPLE_PROJECT, Settings(select=CODE_FAMILIES), get_version(None), jobs=1)
    return result.all_findings  # what the rules found, the ones folded into another included


def test_already_modern_files_are_quiet(airflow_3_findings):
    noisy = [(f.rule, f.path, f.location.line, f.message) for f in airflow_3_findings if f.path in QUIET_FILES]
    assert noisy == []


def test_one_finding_per_rule_and_place(airflow_3_findings):
    places = Counter((f.rule, f.path, f.location.line, f.location.column) for f in airflow_3_findings)
    assert [place for place, count in places.items() if count > 1] == []


def test_every_rule_of_the_code_families_fires_on_the_example(airflow_3_findings):
    from test_example_coverage import NOT_IN_THE_EXAMPLE

    from migrator.rules import all_rules

    code_rules = {r.id for r in all_rules() if r.family in CODE_FAMILIES} - set(NOT_IN_THE_EXAMPLE)
    assert code_rules - {f.rule for f in airflow_3_findings} == set()


def test_fix_data_matches_the_fix_kinds(airflow_3_findings):
    required = {"replace-import": {"old", "new"}, "rename-argument": {"old", "new"},
                "remove-argument": {"name"}, "replace-call": {"template"},
                "replace-context-key": {"old", "new"}, "remove-decorator": {"name"},
                "replace-class": {"old", "new", "rename_arguments"}, "kubernetes-object": {"new"},
                "replace-value": {"old", "new"}, "drop-dag-from-chain": {"dag"},
                "append-base": {"name", "bases"}, "pod-to-eks": {"old", "drop", "rename"}}
    kinds = Counter()
    for finding in airflow_3_findings:
        if finding.fix is None:
            continue
        params = finding.fix.params
        kinds[params["kind"]] += 1
        assert required[params["kind"]] <= set(params), (finding.rule, params)
    assert set(kinds) == set(required)


@pytest.mark.parametrize("target", [v.airflow for v in supported_versions()])
def test_no_rule_or_analysis_crashes_on_the_example_on_any_target(target):
    # Each target reads its own data (signatures, inventories, runtime pins): a file missing for
    # one target crashes rules there only.
    result = scan(EXAMPLE_PROJECT, Settings(), get_version(target), jobs=1)
    assert [f.message for f in result.findings if f.rule in ("MIG005", "MIG006")] == []
