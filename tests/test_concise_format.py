"""-f concise: one ``path:line:col: ID message`` line per finding, nothing else."""

from __future__ import annotations

import pytest

from migrator.cli import main
from migrator.reporters.concise import line

DAG = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"
       "from airflow.operators.dummy_operator import DummyOperator\n"
       "with DAG('d', schedule=None) as dag:\n    BashOperator(task_id='t', bash_command='true')\n")
FINDING = {"rule": "API001", "name": "moved-import", "severity": "warning", "path": "dags/a.py",
           "line": 2, "column": 5, "end_line": 2, "end_column": 9, "message": "first\r\nsecond",
           "related": [{"path": "dags/b.py", "line": 7, "column": 1, "end_line": 7, "end_column": 3,
                        "message": "API001: elsewhere"}]}


def test_a_line_holds_place_rule_and_message_on_one_line_without_related_places():
    assert line(FINDING) == "dags/a.py:2:5: API001 first second\n"
    assert line(FINDING, "airflow/") == "airflow/dags/a.py:2:5: API001 first second\n"


def test_a_finding_on_the_project_itself_names_the_folder():
    project = {**FINDING, "path": "."}
    assert line(project, "airflow/").startswith("airflow:2:5: ")
    assert line(project).startswith(".:2:5: ")


def test_color_marks_the_place_and_the_rule_by_severity():
    colored = line(FINDING, color=True)
    assert colored == "\x1b[1mdags/a.py:2:5:\x1b[0m \x1b[33m\x1b[1mAPI001\x1b[0m first second\n"


@pytest.fixture
def scanned(make_project, monkeypatch):
    root = make_project({"dags/d.py": DAG})
    monkeypatch.chdir(root.parent)
    return root


def test_scan_prints_one_line_per_finding_with_paths_as_the_command_line_named_the_folder(
        scanned, capsys, monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    code = main(["scan", scanned.name, "-f", "concise", "--target", "3.3.1"])
    out = capsys.readouterr().out
    assert code == 1  # error findings: as for every format
    assert out.splitlines() == [
        (f"{scanned.name}/dags/d.py:2:45: API001 airflow.operators.bash_operator.BashOperator moved: "
         "use airflow.providers.standard.operators.bash.BashOperator (apache-airflow-providers-standard"
         ">=1.6.0, preinstalled on MWAA 3.3.1); the old path does not exist on Airflow 3.3.1."),
        (f"{scanned.name}/dags/d.py:3:46: API001 airflow.operators.dummy_operator.DummyOperator was "
         "renamed: use airflow.providers.standard.operators.empty.EmptyOperator "
         "(apache-airflow-providers-standard>=1.6.0, preinstalled on MWAA 3.3.1); the old path does "
         "not exist on Airflow 3.3.1."),
    ]
    assert "\x1b[" not in out


def test_scan_of_the_current_folder_prints_project_paths(scanned, capsys, monkeypatch):
    monkeypatch.chdir(scanned)
    assert main(["scan", "-f", "concise", "--fail-on", "never"]) == 0
    assert all(row.startswith("dags/d.py:") for row in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize(("environment", "colored"), [({}, False), ({"FORCE_COLOR": "1"}, True),
                                                       ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False)])
def test_concise_is_colored_only_when_forced(scanned, capsys, monkeypatch, environment, colored):
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    main(["scan", scanned.name, "-f", "concise"])
    assert ("\x1b[" in capsys.readouterr().out) is colored


def test_concise_to_a_file_is_plain(scanned, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("FORCE_COLOR", "1")
    report = tmp_path / "findings.txt"
    main(["scan", scanned.name, "-f", "concise", "-o", str(report)])
    text = report.read_text()
    assert text.count("\n") == 2 and "\x1b[" not in text
    assert capsys.readouterr().out == ""
