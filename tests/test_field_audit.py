"""The field precision audit (bench/field/audit.py): sampling, verdict carry-over, precision."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "bench" / "field"))
import audit


def write_scan(runs, repo, findings, dag_files=1):
    folder = runs / repo.replace("/", "+")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scan.json").write_text(json.dumps({
        "findings": [{"rule": rule, "fingerprint": fp, "path": "dags/a.py", "line": 1, "severity": "warning",
                      "message": f"{rule} says so"} for rule, fp in findings],
        "inventory": {"dag_files": dag_files}}))


@pytest.fixture
def runs(tmp_path):
    runs = tmp_path / "runs" / "3.3.1"
    write_scan(runs, "a/one", [("BIG", f"b{i}") for i in range(80)] + [("MID", f"m{i}") for i in range(15)],
               dag_files=4)
    write_scan(runs, "b/two", [("BIG", f"c{i}") for i in range(20)] + [("ONE", "o1")], dag_files=1)
    return runs


def resample(audit_doc, runs, size=12, seed=7):
    return audit.resample(audit_doc, audit.load_population(runs), {"a/one": "abc"}, target="3.3.1",
                          size=size, min_per_rule=2, seed=seed)


def test_allocation_gives_every_rule_its_floor_and_shares_the_rest_by_count():
    quota = audit.allocate({"BIG": 100, "MID": 15, "ONE": 1}, 12, 2)
    assert quota == {"BIG": 8, "MID": 3, "ONE": 1}
    assert sum(quota.values()) == 12


def test_allocation_never_exceeds_a_rule_and_gives_its_share_to_others():
    assert audit.allocate({"BIG": 100, "SMALL": 3}, 50, 2) == {"BIG": 47, "SMALL": 3}
    assert audit.allocate({"A": 3, "B": 2}, 50, 2) == {"A": 3, "B": 2}  # the whole population


def test_sample_is_stratified_and_reproducible(runs):
    first = resample(audit.load_audit(runs / "none.json"), runs)
    again = resample(audit.load_audit(runs / "none.json"), runs)
    assert first["findings"] == again["findings"]
    rules = [entry["rule"] for entry in first["findings"]]
    assert {rule: rules.count(rule) for rule in set(rules)} == {"BIG": 8, "MID": 3, "ONE": 1}
    assert {e["commit"] for e in first["findings"] if e["repo"] == "a/one"} == {"abc"}
    other_seed = resample(audit.load_audit(runs / "none.json"), runs, seed=8)
    assert {e["fingerprint"] for e in other_seed["findings"]} != {e["fingerprint"] for e in first["findings"]}


def test_verdicts_survive_a_resample_and_vanished_findings_are_marked_gone(runs):
    doc = resample(audit.load_audit(runs / "none.json"), runs)
    big = [e for e in doc["findings"] if e["rule"] == "BIG"]
    fixed, kept = big[0], big[1]
    audit.judge(doc, [fixed["id"]], "false", "not a problem")
    audit.judge(doc, [kept["id"]], "true", "breaks")
    # The next run no longer reports `fixed` (same repo and rule, other findings unchanged).
    repo_of = {"a/one": [], "b/two": []}
    for finding in audit.load_population(runs).findings:
        if finding.key != (fixed["repo"], fixed["rule"], fixed["fingerprint"]):
            repo_of[finding.repo].append((finding.rule, finding.fingerprint))
    write_scan(runs, "a/one", repo_of["a/one"], dag_files=4)
    write_scan(runs, "b/two", repo_of["b/two"], dag_files=1)

    again = resample(json.loads(json.dumps(doc)), runs)
    by_id = {e["id"]: e for e in again["findings"]}
    assert by_id[fixed["id"]]["status"] == "gone" and by_id[fixed["id"]]["verdict"] == "false"
    assert by_id[kept["id"]]["status"] == "present" and by_id[kept["id"]]["reason"] == "breaks"
    # The stratum is refilled from the same ranking: one new finding, ids never reused.
    present = [e for e in again["findings"] if e["status"] == "present"]
    assert len(present) == 12 and max(by_id) == max(e["id"] for e in doc["findings"]) + 1
    assert "gone" in audit.render_report(again)


def test_a_finding_that_changed_under_its_fingerprint_is_judged_again(runs):
    doc = resample(audit.load_audit(runs / "none.json"), runs)
    moved, same = [e for e in doc["findings"] if e["rule"] == "BIG"][:2]
    audit.judge(doc, [moved["id"], same["id"]], "false", "nothing breaks")
    scan = runs / "a+one" / "scan.json"
    document = json.loads(scan.read_text())
    for finding in document["findings"]:
        if finding["fingerprint"] == moved["fingerprint"]:
            finding.update(line=7, message="another finding took this number")
    scan.write_text(json.dumps(document))
    by_id = {e["id"]: e for e in resample(json.loads(json.dumps(doc)), runs)["findings"]}
    assert (by_id[moved["id"]]["verdict"], by_id[moved["id"]]["line"]) == ("", 7)
    assert by_id[moved["id"]]["previous"]["verdict"] == "false"
    assert by_id[moved["id"]]["previous"]["line"] == 1
    assert by_id[same["id"]]["verdict"] == "false" and "previous" not in by_id[same["id"]]


def test_judge_rejects_unknown_ids_and_empty_reasons(runs):
    doc = resample(audit.load_audit(runs / "none.json"), runs)
    with pytest.raises(SystemExit):
        audit.judge(doc, [999], "true", "x")
    with pytest.raises(SystemExit):
        audit.judge(doc, [1], "true", "  ")


def test_precision_arithmetic():
    entries = [{"rule": "A", "verdict": v, "status": "present"} for v in ("true", "true", "misleading", "false")]
    entries += [{"rule": "B", "verdict": "true", "status": "present"},
                {"rule": "B", "verdict": "false", "status": "gone"},  # gone: not counted
                {"rule": "B", "verdict": "", "status": "present"}]  # unjudged: not counted
    per_rule = audit.tally(entries)
    assert (per_rule["A"].precision, per_rule["A"].strict) == (0.75, 0.5)
    assert (per_rule["B"].judged, per_rule["B"].precision) == (1, 1.0)
    total = audit.overall(per_rule)
    assert (total.judged, total.precision, total.strict) == (5, 0.8, 0.6)
    # Weighted by population: A stands for 300 findings, B for 100.
    assert audit.weighted(per_rule, {"A": 300, "B": 100}) == pytest.approx((0.8125, 0.625))


def test_report_lists_rules_below_the_threshold_and_findings_per_dag_file(runs):
    doc = resample(audit.load_audit(runs / "none.json"), runs)
    for entry in doc["findings"]:
        audit.judge(doc, [entry["id"]], "false" if entry["rule"] == "MID" else "true", "judged")
    report = audit.render_report(doc)
    assert "rules below 80% (true + misleading): MID;" in report
    assert "| a/one | 95 | 4 | 23.8 |" in report and "| **all** | 116 | 5 | 23.2 |" in report


def test_command_line_round_trip(runs, tmp_path, capsys):
    src = tmp_path / "src" / "a+one" / "dags"
    src.mkdir(parents=True)
    (src / "a.py").write_text("\n".join(f"line{n}" for n in range(1, 20)))
    file, work = tmp_path / "audit.json", tmp_path
    common = ["--work", str(work), "--file", str(file)]
    assert audit.main([*common, "sample", "--size", "5"]) == 0
    assert audit.main([*common, "show", "--no-docs"]) == 0
    shown = capsys.readouterr().out
    assert "line1" in shown or "not in the exported source" in shown
    assert audit.main([*common, "judge", "1,2", "misleading", "right problem, wrong remedy"]) == 0
    assert [e["verdict"] for e in json.loads(file.read_text())["findings"]][:2] == ["misleading"] * 2
    assert audit.main([*common, "report", "--out", str(tmp_path / "audit.md")]) == 0
    assert "misleading 2" in (tmp_path / "audit.md").read_text()
