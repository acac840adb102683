"""scan's kept report (issue #20): a scan whose inputs are all unchanged writes again, byte for
byte, the report it wrote before, with the same exit code and warnings, without loading the
analysis; any input of the report (the tree, an option, a file an option names, the environment)
runs the scan again."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from migrator import cache
from migrator.cli import main
from migrator.cli import scan as scan_command

DAG = """\
from datetime import datetime

from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator

with DAG("etl", start_date=datetime(2024, 1, 1), schedule_interval="@daily") as dag:
    DummyOperator(task_id="start")
"""


@pytest.fixture
def project(make_project, tmp_path, monkeypatch):
    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path / "scan-cache"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return make_project({"dags/etl.py": DAG, "requirements.txt": "apache-airflow==2.2.5\nrequests\n"})


@pytest.fixture
def scans(count_calls):
    """How many times a scan ran afresh: none for a run answered from the kept report."""
    return count_calls(scan_command, "_scan_and_report")


def _scan(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_unchanged_project_is_answered_from_the_kept_report(project, scans, capsys):
    first = _scan(capsys, str(project), "-f", "json")
    second = _scan(capsys, str(project), "-f", "json")
    assert scans == [1]
    assert second == first and first[0] == 1  # error findings: the exit code is kept too
    assert _scan(capsys, str(project), "-f", "json", "--no-cache") == first


@pytest.mark.parametrize("change", [
    "edit", "add-file", "option", "format", "fail-on", "output", "environment", "offline", "constraints",
])
def test_each_input_of_the_report_runs_the_scan_again(project, scans, capsys, tmp_path, monkeypatch, change):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("requests==2.31.0\n")
    args = [str(project), "-f", "json", "--constraints", str(constraints)]
    _scan(capsys, *args)
    if change == "edit":
        (project / "dags" / "etl.py").write_text(DAG.replace("dummy_operator import DummyOperator",
                                                             "empty import EmptyOperator")
                                                 .replace("DummyOperator(", "EmptyOperator("))
    elif change == "add-file":
        (project / "airflow.cfg").write_text("[core]\nload_examples = True\n")
    elif change == "option":
        args += ["--select", "API"]
    elif change == "format":
        args[2] = "sarif"
    elif change == "fail-on":
        args += ["--fail-on", "never"]
    elif change == "output":
        args += ["--output", str(tmp_path / "report.json")]
    elif change == "environment":
        monkeypatch.setenv("NO_COLOR", "1")
    elif change == "offline":
        monkeypatch.setenv(cache.OFFLINE_ENV, os.environ.get(cache.OFFLINE_ENV, "") + "1")  # offline either way
    elif change == "constraints":
        constraints.write_text("requests==2.32.3\n")
    again = _scan(capsys, *args)
    assert scans == [1, 1]
    fresh = _scan(capsys, *args, "--no-cache")
    assert again == fresh
    if change == "output":
        assert json.loads((tmp_path / "report.json").read_text())["findings"]


def test_a_kept_report_is_written_to_the_output_file_again(project, scans, capsys, tmp_path):
    report = tmp_path / "report.json"
    _scan(capsys, str(project), "-f", "json", "-o", str(report))
    written = report.read_text()
    report.unlink()
    assert _scan(capsys, str(project), "-f", "json", "-o", str(report))[0] == 1
    assert scans == [1] and report.read_text() == written


def test_the_warning_about_an_old_rule_id_is_given_again(project, scans, capsys):
    first = _scan(capsys, str(project), "--select", "AIR", "-q")
    second = _scan(capsys, str(project), "--select", "AIR", "-q")
    assert scans == [1] and second == first
    assert "AIR" in first[2] and "API" in first[2]


def test_runs_that_write_a_baseline_or_ignore_the_cache_are_never_answered_from_it(project, scans, capsys,
                                                                                     tmp_path):
    for _ in range(2):
        _scan(capsys, str(project), "--write-baseline", str(tmp_path / "baseline.json"))
    for _ in range(2):
        _scan(capsys, str(project), "--no-cache")
    assert scans == [1, 1, 1, 1]


def test_a_baseline_file_is_an_input(project, scans, capsys, tmp_path):
    baseline = tmp_path / "baseline.json"
    _scan(capsys, str(project), "-f", "json", "--write-baseline", str(baseline))
    first = _scan(capsys, str(project), "-f", "json", "--baseline", str(baseline))
    assert first[0] == 0  # every finding is known
    baseline.write_text(json.dumps({**json.loads(baseline.read_text()), "findings": []}))
    again = _scan(capsys, str(project), "-f", "json", "--baseline", str(baseline))
    assert scans == [1, 1, 1] and again[0] == 1


def test_a_run_the_network_had_a_say_in_is_not_kept(project, scans, capsys, monkeypatch):
    from migrator import engine

    calls = iter(range(100))  # a constraints URL answered with its failure during each run
    monkeypatch.setattr(engine, "constraints_failures_seen", lambda: next(calls))
    _scan(capsys, str(project))
    _scan(capsys, str(project))
    assert scans == [1, 1]


def test_a_crashed_run_is_not_kept(project, scans, capsys, monkeypatch):
    from migrator.rules import all_rules

    def crash(self, project, ctx):
        raise RuntimeError("boom")

    rule = next(r for r in all_rules() if r.id == "REQ002")
    monkeypatch.setattr(type(rule), "check", crash)
    assert _scan(capsys, str(project), "-f", "json")[0] == 3
    monkeypatch.undo()
    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(project.parent / "scan-cache"))
    code, out, _ = _scan(capsys, str(project), "-f", "json")
    assert code == 1 and '"MIG005"' not in out


def _cache_files(tmp_path) -> list[str]:
    return sorted(path.name.partition(".")[2] for path in (tmp_path / "scan-cache").iterdir())


def test_the_report_text_is_kept_beside_the_memo_and_nothing_else_is_left(project, scans, capsys, tmp_path):
    first = _scan(capsys, str(project), "-f", "json")
    assert _cache_files(tmp_path) == ["facts.sqlite", "pickle", "project.pickle", "report.pickle", "report.txt",
                                      "run.pickle"]
    assert next((tmp_path / "scan-cache").glob("*.report.txt")).read_text() == first[1]
    _scan(capsys, str(project), "-f", "json", "--select", "AIR")  # another report replaces it
    assert _cache_files(tmp_path) == ["facts.sqlite", "pickle", "project.pickle", "report.pickle", "report.txt",
                                      "run.pickle"]
    assert scans == [1, 1]


@pytest.mark.parametrize("change", ["removed", "replaced"])
def test_a_report_text_removed_or_replaced_since_runs_the_scan_again(project, scans, capsys, tmp_path, change):
    first = _scan(capsys, str(project), "-f", "json")
    text = next((tmp_path / "scan-cache").glob("*.report.txt"))
    if change == "removed":
        text.unlink()
    else:  # by a run whose memo was never written (killed between the two)
        text.write_text(first[1].replace('"rule"', '"RULE"'))
    assert _scan(capsys, str(project), "-f", "json") == first
    assert scans == [1, 1]


def test_a_kept_text_is_stamped_as_written_not_as_a_concurrent_run_left_the_path(tmp_path, monkeypatch):
    path = tmp_path / "memo.report.txt"
    replace = os.replace

    def then_another_run_replaces_it(source, target):
        replace(source, target)
        other = tmp_path / "other"
        other.write_text("the other run's report")
        replace(other, target)

    text = cache.KeptText(path)
    assert list(text.copying(["a report"])) == ["a report"]
    monkeypatch.setattr(cache.os, "replace", then_another_run_replaces_it)
    stamp = text.keep()
    assert stamp is not None and cache.open_kept_text(path, stamp) is None
    monkeypatch.undo()
    mine = cache.KeptText(path)
    list(mine.copying(["a report"]))
    with cache.open_kept_text(path, mine.keep()) as kept:
        assert kept.read() == "a report"


def test_a_report_that_is_not_kept_leaves_no_text_behind(project, scans, capsys, monkeypatch, tmp_path):
    from migrator import engine

    calls = iter(range(100))  # a constraints URL answered with its failure during each run
    monkeypatch.setattr(engine, "constraints_failures_seen", lambda: next(calls))
    _scan(capsys, str(project), "-f", "json")
    assert "report.txt" not in _cache_files(tmp_path) and not list((tmp_path / "scan-cache").glob(".scan-*"))


def test_the_kept_report_is_written_without_loading_the_analysis_rules_or_knowledge_base(project, tmp_path):
    driver = ("import sys\nfrom migrator.cli import main\ncode = main(sys.argv[1:])\n"
              "print(sorted(m for m in ('migrator.engine', 'migrator.rules', 'migrator.compat', 'migrator.reporters',"
              " 'rich')"
              " if m in sys.modules), file=sys.stderr)\nsys.exit(code)\n")
    env = {**os.environ, cache.SCAN_CACHE_ENV_VAR: str(tmp_path / "scan-cache")}
    runs = [subprocess.run([sys.executable, "-c", driver, "scan", str(project), "-f", "json"],
                           capture_output=True, text=True, env=env, timeout=300, check=False) for _ in range(2)]
    assert [r.returncode for r in runs] == [1, 1]
    assert runs[1].stdout == runs[0].stdout
    # A JSON report loads no terminal library (only the text report lays out with rich).
    assert runs[0].stderr.strip().endswith(
        "['migrator.compat', 'migrator.engine', 'migrator.reporters', 'migrator.rules']")
    assert runs[1].stderr.strip().endswith("[]"), runs[1].stderr


def test_the_formats_the_command_line_offers_are_the_reporters():
    from importlib import import_module

    from migrator.report_formats import FORMAT_NAMES
    from migrator.reporters import FORMATS

    assert tuple(FORMATS) == FORMAT_NAMES
    assert all(callable(import_module(f"migrator.reporters.{module}").render) for module in FORMATS.values())
