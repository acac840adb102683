"""Related locations in every format, the per-rule summary of the text report, ``scan
--statistics``, and findings with related locations through the scan cache."""

from __future__ import annotations

import json
import pickle

import pytest

from migrator.cache import ScanCache
from migrator.cli import main
from migrator.findings import AddRequirement, Finding, FixSafety, Location, Related, Severity
from migrator.fixes import SubdagToTaskgroup
from migrator.reporters import render, statistics
from migrator.reporters.text import remedy
from migrator.rules import all_rules

RULES = all_rules()
PRIMARY = Finding("API002", "removed-import", Severity.ERROR, "dags/a.py", Location(3, 33, 3, 41),
                  "airflow.utils.dates.days_ago does not exist", fingerprint="f1",
                  related=(Related("dags/a.py", Location(9, 5, 9, 16), "the same removed name, used here"),
                           Related("dags/b.py", Location(2, 1, 2, 9), "and here")))
FIXABLE = Finding("REQ016", "requirement-outside-requirements-file", Severity.WARNING, "Dockerfile",
                  Location(2, 1, 2, 30), "pandas is installed by the Dockerfile", fingerprint="f2",
                  fix=AddRequirement(safety=FixSafety.SAFE, description="add pandas", name="pandas"))
UNSAFE = Finding("API005", "subdag-operator", Severity.ERROR, "dags/c.py", Location(5, 1, 5, 9),
                 "SubDagOperator", fingerprint="f3", fix=SubdagToTaskgroup(
                     safety=FixSafety.UNSAFE, description="to a TaskGroup", factory="f", group_id="g", variable="dag",
                     task_group="airflow.utils.task_group.TaskGroup"))


def document(*findings: Finding) -> dict:
    findings = sorted(findings, key=lambda f: f.sort_key)
    return {
        "tool": {"name": "mwaa-migrator", "version": "0"},
        "target": {"mwaa_version": "3.3.1", "airflow_version": "3.3.1", "python_version": "3.12"},
        "inventory": {"dags": 1, "tasks": 2, "dag_files": 1, "dags_estimated": False},
        "findings": [f.to_json() for f in findings],
        "summary": {"files_scanned": 3, "findings": len(findings),
                    "by_severity": {"error": 2, "warning": 1, "info": 0},
                    "by_rule": {f.rule: 1 for f in findings},
                    "fixable": sum(f.fix is not None for f in findings), "suppressed": 0},
    }


def test_json_related_is_the_same_from_both_encoders():
    assert PRIMARY.to_json()["related"][1] == {"path": "dags/b.py", "line": 2, "column": 1, "end_line": 2,
                                               "end_column": 9, "message": "and here"}
    for finding in (PRIMARY, FIXABLE):
        assert finding.json_text() == json.dumps(finding.to_json(), sort_keys=True, ensure_ascii=False)


def test_text_indents_related_locations_under_their_finding():
    text = render("text", document(PRIMARY), RULES)
    lines = text.splitlines()
    at = lines.index(next(line for line in lines if "API002" in line and "days_ago" in line))
    assert lines[at + 1] == "      9:5 the same removed name, used here"
    assert lines[at + 2] == "      dags/b.py:2:1 and here"


def test_text_says_each_rule_and_its_remedy_once_and_what_fix_fixes():
    text = render("text", document(PRIMARY, FIXABLE, UNSAFE), RULES)
    by_id = {r.id: r for r in RULES}
    summary = [line for line in text.splitlines() if remedy(by_id["REQ016"]) in line]
    assert summary == [f"     1  REQ016 requirement-outside-requirements-file (1 fixable): {remedy(by_id['REQ016'])}"]
    assert text.count(remedy(by_id["API002"])) == 1
    assert text.rstrip().endswith("1 fixable with `migrator fix --apply` (1 more with `--unsafe`, to review)")


def test_a_remedy_is_one_line_and_one_sentence():
    for rule in RULES:
        line = remedy(rule)
        assert line and "\n" not in line and len(line) <= 121, rule.id


def test_sarif_related_locations():
    log = json.loads(render("sarif", document(PRIMARY), RULES))
    (result,) = log["runs"][0]["results"]
    assert [(r["id"], r["physicalLocation"]["artifactLocation"]["uri"], r["message"]["text"])
            for r in result["relatedLocations"]] == [(0, "dags/a.py", "the same removed name, used here"),
                                                     (1, "dags/b.py", "and here")]
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 9


def test_markdown_lists_related_locations_in_the_cell():
    text = render("markdown", document(PRIMARY), RULES)
    assert "↳ `9` the same removed name, used here" in text and "↳ `dags/b.py:2` and here" in text


def test_statistics_count_per_rule_most_frequent_first():
    doc = document(PRIMARY, FIXABLE, UNSAFE)
    doc["findings"] += [FIXABLE.to_json(), FIXABLE.to_json()]
    rows = statistics.rows(doc, RULES)
    assert rows[0] == {"rule": "REQ016", "name": "requirement-outside-requirements-file", "count": 3, "fixable": 3}
    text = "".join(statistics.render("text", doc, RULES))
    assert text.splitlines()[0].split() == ["3", "REQ016", "requirement-outside-requirements-file", "3", "fixable"]
    assert json.loads("".join(statistics.render("json", doc, RULES))) == rows


def test_scan_statistics_cli(make_project, capsys):
    root = make_project({"dags/a.py": "from airflow.utils.dates import days_ago\nSTART = days_ago(1)\n"})
    assert main(["scan", str(root), "--statistics"]) == 1
    assert capsys.readouterr().out.split() == ["1", "API002", "removed-import"]
    assert main(["scan", str(root), "--statistics", "-f", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == [{"count": 1, "fixable": 0, "name": "removed-import",
                                                    "rule": "API002"}]
    assert main(["scan", str(root), "--statistics", "-f", "sarif"]) == 2


def test_findings_with_related_locations_round_trip_the_scan_cache(tmp_path):
    assert pickle.loads(pickle.dumps(PRIMARY)) == PRIMARY and hash(PRIMARY) == hash(pickle.loads(pickle.dumps(PRIMARY)))
    cache = ScanCache(tmp_path, ("k",), directory=tmp_path / "cache")
    cache.put("dags/a.py", "digest", ([PRIMARY], [], None))
    cache.save()
    (finding,), _, _ = ScanCache(tmp_path, ("k",), directory=tmp_path / "cache").get("dags/a.py", "digest")
    assert finding == PRIMARY and finding.related == PRIMARY.related and finding.fingerprint == "f1"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_warm_scan_reports_the_same_related_locations(make_project, capsys, fmt):
    root = make_project({"dags/a.py": "from airflow.utils.dates import days_ago\nSTART = days_ago(1)\n"})
    main(["scan", str(root), "-f", fmt])
    cold = capsys.readouterr().out
    main(["scan", str(root), "-f", fmt])
    assert capsys.readouterr().out == cold
    assert ("      2:9 " if fmt == "text" else '"line": 2') in cold
