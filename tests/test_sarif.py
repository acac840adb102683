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


def test_package_sarif_validates_names_pkg_rules_and_places_files_relatively(make_project, tmp_path, capsys,
                                                                               validator):
    """`migrator package -f sarif`: the bundle's checks as the scan's SARIF, PKG rules with their
    documentation; a project file under %SRCROOT%, a file of the bundle under BUNDLEROOT, a
    line of the file (".env:1") as the region."""
    dag = ("from datetime import datetime\n\nfrom airflow import DAG\nimport os\n\n"
           "from tests.fixtures import SAMPLE\n\nREGION = os.environ['AWS_REGION']\n\n"
           "with DAG('sales', start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n")
    root = make_project({"dags/sales.py": dag, "dags/tests/__init__.py": "",
                         "dags/tests/fixtures.py": "SAMPLE = 1\n", ".env": "AWS_REGION=eu-west-1\n",
                         "requirements.txt": "requests==2.32.3\n./libs/acme_utils\n"})
    out = tmp_path / "bundle"
    code = main(["package", str(root), "--out", str(out), "-f", "sarif"])
    log = json.loads(capsys.readouterr().out)
    assert code == 1  # excluded-but-imported is an error
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[:3]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert {"PKG005", "PKG013", "PKG017"} <= set(ids) and ids == sorted(ids)
    assert all(i.startswith("PKG") for i in ids)
    by_id = {result["ruleId"]: result for result in run["results"]}
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"] and "## Why it matters on MWAA" in rule["help"]["text"]
        assert result["partialFingerprints"]["mwaaMigrator/v1"]
        for location in result.get("locations", []):
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith("/") and ":" not in uri and str(tmp_path) not in uri
    assert rules[by_id["PKG005"]["ruleIndex"]]["name"] == "ExcludedButImported"
    place = by_id["PKG005"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert place == {"uri": "dags/sales.py", "uriBaseId": "%SRCROOT%"}
    place = by_id["PKG013"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert place == {"uri": "requirements.txt", "uriBaseId": "BUNDLEROOT"}
    env = by_id["PKG017"]["locations"][0]["physicalLocation"]
    assert env == {"artifactLocation": {"uri": ".env", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}
    assert by_id["PKG005"]["level"] == "error" and by_id["PKG017"]["level"] == "warning"
    assert (out / "manifest.json").is_file()


def test_package_sarif_names_the_size_and_index_rules(make_project, tmp_path, capsys, validator,
                                                     monkeypatch):
    """The checks once built inline (a plugins.zip over the limit, pins the index could not be
    asked about, offline here) are PKG rules too, with their documentation, in the bundle."""
    import os

    import migrator.bundle.build as bundle_build
    from migrator.cache import CACHE_ENV_VAR

    monkeypatch.setattr(bundle_build, "RECOMMENDED_MAX_BYTES", 200)  # the real limit is 1 GB
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))  # no index answer kept from before
    dag = ("from datetime import datetime\n\nfrom airflow import DAG\n\n"
           "with DAG('sales', start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n")
    root = make_project({"dags/sales.py": dag, "plugins/big.py": "X = '" + os.urandom(400).hex() + "'\n",
                         "requirements.txt": "acme-private-lib==2.0\n"})
    main(["package", str(root), "--out", str(tmp_path / "bundle"), "-f", "sarif"])
    log = json.loads(capsys.readouterr().out)
    assert not list(validator.iter_errors(log))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_id = {result["ruleId"]: result for result in run["results"]}
    assert {"PKG023", "PKG026"} <= set(by_id)
    for rule_id, uri in (("PKG023", "plugins.zip"), ("PKG026", "requirements.txt")):
        rule = rules[by_id[rule_id]["ruleIndex"]]
        assert rule["id"] == rule_id and "## Why it matters on MWAA" in rule["help"]["text"]
        place = by_id[rule_id]["locations"][0]["physicalLocation"]["artifactLocation"]
        assert place == {"uri": uri, "uriBaseId": "BUNDLEROOT"}
    assert by_id["PKG023"]["level"] == "error" and by_id["PKG026"]["level"] == "warning"


def test_package_sarif_of_a_bundle_without_checks_validates(make_project, tmp_path, capsys, validator):
    dag = ("from datetime import datetime\n\nfrom airflow import DAG\n\n"
           "with DAG('sales', start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n")
    root = make_project({"dags/sales.py": dag})
    assert main(["package", str(root), "--out", str(tmp_path / "bundle"), "-f", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert not list(validator.iter_errors(log))
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_package_sarif_is_refused_with_upload(make_project, tmp_path, capsys):
    root = make_project({"dags/a.py": "x = 1\n"})
    code = main(["package", str(root), "--out", str(tmp_path / "bundle"), "-f", "sarif",
                 "--upload", "s3://bucket/prefix"])
    assert code == 2 and "-f sarif" in capsys.readouterr().err
