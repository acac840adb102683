"""The reports match the JSON Schema shipped with the package (migrator/schemas/report.schema.json):
a real scan of the example project (findings with related locations and fixes), a baseline run,
and migrate's report.json."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from conftest import EXAMPLE_PROJECT

from migrator.cli import main
from migrator.schemas import SCHEMA_VERSION, report_schema


@pytest.fixture(scope="module")
def validator():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def scan_report(tmp_path_factory):
    report = tmp_path_factory.mktemp("scan") / "report.json"
    assert main(["scan", str(EXAMPLE_PROJECT), "-f", "json", "-o", str(report), "-q", "--no-cache"]) == 1
    return json.loads(report.read_text())


def test_the_schema_and_the_reports_agree_on_the_version(scan_report):
    assert report_schema()["$defs"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert scan_report["schema_version"] == SCHEMA_VERSION


def test_a_scan_report_of_the_example_project_matches_the_schema(validator, scan_report):
    findings = scan_report["findings"]
    # What the schema must cover is there: absorbed places, safe and unsafe fixes.
    assert any(f["related"] for f in findings)
    assert {f["fix"]["safety"] for f in findings if f["fix"]} >= {"safe", "unsafe"}
    assert errors(validator, scan_report) == []


def test_a_baseline_run_matches_the_schema(validator, tmp_path):
    baseline = tmp_path / "baseline.json"
    report = tmp_path / "report.json"
    main(["scan", str(EXAMPLE_PROJECT), "--write-baseline", str(baseline), "-q", "-f", "json"])
    assert errors(validator, json.loads(baseline.read_text())) == []
    assert main(["scan", str(EXAMPLE_PROJECT), "--baseline", str(baseline), "-q", "-f", "json",
                 "-o", str(report)]) == 0
    document = json.loads(report.read_text())
    assert document["baseline"]["known"] == len(json.loads(baseline.read_text())["findings"])
    assert errors(validator, document) == []


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda d: d["findings"][0].pop("fingerprint"), "'fingerprint' is a required property"),
    (lambda d: d["findings"][0]["related"].append({"path": "x.py"}), "'line' is a required property"),
    (lambda d: d["findings"][0].update(severity="fatal"), "'fatal' is not one of"),
    (lambda d: d.update(schema_version="0"), "'1' was expected"),
    (lambda d: d["summary"].update(extra=1), "Additional properties are not allowed"),
])
def test_the_schema_rejects_a_report_that_breaks_the_contract(validator, scan_report, change, complaint):
    document = copy.deepcopy(scan_report)
    document["findings"].sort(key=lambda f: not f["related"])  # the first one has related places
    change(document)
    assert any(complaint in error for error in errors(validator, document))


def test_migrate_report_json_matches_the_schema(validator, tmp_path, capsys):
    main(["migrate", str(EXAMPLE_PROJECT), "--out", str(tmp_path / "out"), "-q"])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["needs_human"] and report["fixed"]["total"]
    assert errors(validator, report) == []
    del report["needs_human"][0]["reason"]
    assert any("'reason' is a required property" in error for error in errors(validator, report))
