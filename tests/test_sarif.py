"""SARIF output validates against the OASIS 2.1.0 schema and carries what code scanning needs."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import SHARED

from migrator.cli import main

SCHEMA_PATH = SHARED / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft7Validator(schema)


def test_sarif_validates_and_lists_only_fired_rules(make_project, capsys, validator):
    root = make_project({"dags/py2.py": 'print "x"\n', "dags/bin.py": b"\x00\x01"})
    assert main(["scan", str(root), "-f", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[:3]
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["MIG002", "MIG003"]
    for result in run["results"]:
        assert result["partialFingerprints"]["mwaaMigrator/v1"]
        rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"] and rule["help"]["text"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_sarif_of_a_clean_project_validates(make_project, capsys, validator):
    root = make_project({"dags/a.py": "x = 1\n"})
    main(["scan", str(root), "-f", "sarif"])
    log = json.loads(capsys.readouterr().out)
    assert not list(validator.iter_errors(log))
    assert log["runs"][0]["results"] == []
