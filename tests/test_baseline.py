"""``scan --baseline`` / ``--write-baseline``: CI fails only on findings the baseline does not know."""

from __future__ import annotations

import json

import pytest

from migrator.cli import main

# API001 (moved import) and API003 (schedule_interval) on Airflow 3.
DAG = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"
       "with DAG('d', schedule_interval='@daily', catchup=False) as dag:\n"
       "    BashOperator(task_id='t', bash_command='true')\n")
NEW_FINDING = "from airflow.operators.python_operator import PythonOperator\n"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def accepted(make_project, capsys):
    """A project with findings, and its baseline."""
    root = make_project({"dags/d.py": DAG})
    baseline = root.parent / "baseline.json"
    code, out, _ = run(["scan", str(root), "--write-baseline", str(baseline)], capsys)
    assert code == 0  # every finding is known once written
    assert "2 known finding(s) in the baseline" in out
    return root, baseline


def test_the_baseline_is_the_json_report(accepted, capsys):
    root, baseline = accepted
    written = json.loads(baseline.read_text())
    assert sorted(f["rule"] for f in written["findings"]) == ["API001", "API003"]
    _, report, _ = run(["scan", str(root), "-f", "json"], capsys)
    assert written["findings"] == json.loads(report)["findings"]


def test_known_findings_pass_new_ones_fail(accepted, capsys):
    root, baseline = accepted
    code, out, _ = run(["scan", str(root), "--baseline", str(baseline), "-f", "json"], capsys)
    assert code == 0
    document = json.loads(out)
    assert document["findings"] == [] and document["summary"]["findings"] == 0
    assert document["baseline"] == {"file": str(baseline), "known": 2, "fixed": []}

    dag = root / "dags" / "d.py"
    dag.write_text("# a comment moves every line down\n" + DAG + NEW_FINDING)
    code, out, _ = run(["scan", str(root), "--baseline", str(baseline), "-f", "json"], capsys)
    assert code == 1
    document = json.loads(out)
    assert [(f["rule"], f["line"]) for f in document["findings"]] == [("API001", 6)]
    assert document["baseline"]["known"] == 2


def test_fixed_findings_are_reported(accepted, capsys):
    root, baseline = accepted
    (root / "dags" / "d.py").write_text(DAG.replace("schedule_interval=", "schedule="))
    code, out, _ = run(["scan", str(root), "--baseline", str(baseline)], capsys)
    assert code == 0
    assert out.splitlines()[-1] == (f"1 known finding(s) in the baseline {baseline} not shown; 1 of its "
                                    "findings are fixed (rewrite it with `--write-baseline` to drop them)")
    _, out, _ = run(["scan", str(root), "--baseline", str(baseline), "-f", "json"], capsys)
    [fixed] = json.loads(out)["baseline"]["fixed"]
    assert fixed["rule"] == "API003" and fixed["path"] == "dags/d.py" and fixed["line"] == 3


def test_rules_left_out_of_the_run_fixed_nothing(accepted, capsys):
    root, baseline = accepted
    _, out, _ = run(["scan", str(root), "--baseline", str(baseline), "--select", "API001", "-f", "json"], capsys)
    assert json.loads(out)["baseline"] == {"file": str(baseline), "known": 1, "fixed": []}


@pytest.mark.parametrize("content, problem", [
    ("not json", "the baseline is not JSON"),
    ('{"findings": [{"rule": "API001"}]}', "is not a `migrator scan -f json` report"),
    ("[]", "is not a `migrator scan -f json` report"),
])
def test_a_file_that_is_no_baseline_is_an_input_error(make_project, capsys, content, problem):
    root = make_project({"dags/d.py": DAG})
    baseline = root.parent / "baseline.json"
    baseline.write_text(content)
    code, out, err = run(["scan", str(root), "--baseline", str(baseline)], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"migrator: error: {baseline}: ") and problem in err


def test_a_missing_baseline_and_both_options_are_usage_errors(make_project, capsys):
    root = make_project({"dags/d.py": DAG})
    code, _, err = run(["scan", str(root), "--baseline", str(root / "none.json")], capsys)
    assert code == 2 and "cannot read the baseline" in err
    code, _, err = run(["scan", str(root), "--baseline", "a.json", "--write-baseline", "b.json"], capsys)
    assert code == 2 and "give one of them" in err
