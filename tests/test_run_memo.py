"""The run memo (``migrator.cache.RunMemo``): a scan whose inputs are all unchanged returns the
previous run whole, byte for byte what a cold run reports; any change that could change a finding
runs the project again (issue #20)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from migrator.compat import newest_version

from migrator import cache, engine
from migrator.analysis import source
from migrator.api import json_report, plan_fixes
from migrator.cache import tree_fingerprint
from migrator.config import Settings
from migrator.engine import scan
from migrator.rules import all_rules

TARGET = newest_version()
DAG = """from datetime import datetime

from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator

with DAG("etl", start_date=datetime(2024, 1, 1), schedule_interval="@daily") as dag:
    DummyOperator(task_id="start")
"""
# Each of these files of the project yields a finding of its own (REQ, CFG, CON).
INPUTS = {
    "dags/etl.py": DAG,
    "requirements.txt": "apache-airflow==2.2.5\nrequests\n",
    "airflow.cfg": "[core]\nload_examples = True\n[webserver]\nsecret_key = abc123\n",
    "docker-compose.yaml": ("services:\n  scheduler:\n    image: apache/airflow:2.2.5\n    environment:\n"
                            "      AIRFLOW_CONN_WAREHOUSE: postgres://u:p@db:5432/w\n"
                            "    volumes:\n      - ./dags:/opt/airflow/dags\n"),
    "dags/connections.json": '{"warehouse": {"conn_type": "postgres", "host": "db", "password": "s3cret-pw"}}\n',
}
# An edit of each input that removes or changes its finding.
EDITS = {
    "dags/etl.py": DAG.replace("dummy_operator import DummyOperator", "empty import EmptyOperator")
                      .replace("DummyOperator(", "EmptyOperator("),
    "requirements.txt": "requests\n",
    "airflow.cfg": "[core]\nload_examples = True\n",
    "docker-compose.yaml": INPUTS["docker-compose.yaml"].replace("postgres://u:p@db", "postgres://db"),
    "dags/connections.json": '{"warehouse": {"conn_type": "postgres", "host": "db"}}\n',
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path / "cache"))
    root = tmp_path / "proj"
    for rel, text in INPUTS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def project_runs(count_calls):
    """How many times the project rules ran: zero for a run the memo answered."""
    return count_calls(engine, "run_project_rules")


def _report(root, settings: Settings | None = None, target=TARGET, use_cache=True) -> str:
    return json_report(scan(root, settings or Settings(), target, jobs=1, use_cache=use_cache))


def _rewrite(path, text: str) -> None:
    """Write ``text`` so that the size and modification time of ``path`` stay as they were: the
    change times and inode still say it changed."""
    stat = path.stat()
    path.write_text(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_an_unchanged_project_is_answered_whole_and_byte_identical_to_a_cold_run(project, project_runs):
    first = _report(project)
    assert project_runs == [1]
    warm = _report(project)
    assert project_runs == [1]  # the memo answered
    assert warm == first == _report(project, use_cache=False)
    for rule in ("API001", "REQ002", "CFG001", "CON007"):
        assert f'"rule": "{rule}"' in warm


@pytest.mark.parametrize("rel", sorted(EDITS))
def test_an_edited_input_runs_the_project_again(project, project_runs, rel):
    before = _report(project)
    (project / rel).write_text(EDITS[rel])
    after = _report(project)
    assert project_runs == [1, 1]
    assert after != before
    assert after == _report(project, use_cache=False)


def test_an_edit_keeping_size_and_modification_time_runs_the_project_again(project, project_runs):
    _report(project)
    _rewrite(project / "requirements.txt", INPUTS["requirements.txt"].replace("2.2.5", "2.2.6"))
    assert '"apache-airflow==2.2.6' in _report(project)
    assert project_runs == [1, 1]


def test_a_file_edited_while_the_run_reads_the_project_is_read_again_by_the_next_run(project, monkeypatch):
    """The memo is keyed by the tree as the run found it: an edit landing after the file was
    read (here: once every module was analysed) leaves a memo no later run finds."""
    run_project_rules = engine.run_project_rules

    def edited_meanwhile(*args, **kwargs):
        (project / "dags" / "etl.py").write_text(EDITS["dags/etl.py"])
        return run_project_rules(*args, **kwargs)

    monkeypatch.setattr(engine, "run_project_rules", edited_meanwhile)
    assert "DummyOperator" in _report(project)  # what the run read
    monkeypatch.setattr(engine, "run_project_rules", run_project_rules)
    again = _report(project)
    assert "DummyOperator" not in again and again == _report(project, use_cache=False)


def test_an_added_or_removed_file_runs_the_project_again(project, project_runs):
    before = _report(project)
    (project / "dags" / "more.py").write_text(DAG.replace('"etl"', '"more"'))
    added = _report(project)
    assert '"more"' in added and added == _report(project, use_cache=False)
    (project / "dags" / "more.py").unlink()
    assert _report(project) == before
    assert project_runs == [1, 1, 1, 1]  # the cold run among them


def test_settings_target_and_rule_selection_each_key_the_memo(project, project_runs):
    everything = _report(project)
    selected = _report(project, Settings(select=("REQ",)))
    assert selected != everything and '"rule": "API001"' not in selected
    assert _report(project, Settings(ignore=("CON",))) != everything
    older = _report(project, target=newest_version(major=2))
    assert older != everything
    assert project_runs == [1, 1, 1, 1]
    assert _report(project) == everything
    assert project_runs == [1, 1, 1, 1, 1]  # one memo per project: the last run's


def test_the_exit_threshold_does_not_key_the_memo(project, project_runs):
    """``--fail-on`` decides the exit status, not a finding: `scan --fail-on never` then `fix`
    (which scans with the project's own threshold) is one scan."""
    strict = _report(project, Settings(fail_on="never"))
    assert _report(project, Settings(fail_on="warning")) == strict == _report(project)
    assert project_runs == [1]


def test_a_constraints_file_outside_the_project_keys_the_memo(project, project_runs, tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("requests==2.31.0\n")
    settings = Settings(constraints=str(constraints))
    _report(project, settings)
    _report(project, settings)
    assert project_runs == [1]
    constraints.write_text("requests==2.32.3\n")
    _report(project, settings)
    assert project_runs == [1, 1]


def test_another_tool_version_runs_the_project_again(project, project_runs, monkeypatch):
    _report(project)
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    _report(project)
    assert project_runs == [1, 1]


def test_a_crashed_run_is_not_remembered(project, project_runs, monkeypatch):
    def crash(self, project, ctx):
        raise RuntimeError("boom")

    rule = next(r for r in all_rules() if r.id == "REQ002")
    monkeypatch.setattr(type(rule), "check", crash)
    assert '"MIG005"' in _report(project)
    monkeypatch.undo()
    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(project.parent / "cache"))
    assert '"MIG005"' not in _report(project)


def test_a_run_that_could_not_fetch_constraints_is_not_remembered(project, project_runs, monkeypatch):
    calls = iter(range(100))  # a failure answered during each run: the count grows across it
    monkeypatch.setattr(engine, "constraints_failures_seen", lambda: next(calls))
    _report(project)
    _report(project)
    assert project_runs == [1, 1]


def test_an_earlier_runs_failed_fetch_does_not_stop_this_run_being_remembered(project, project_runs,
                                                                              monkeypatch):
    # Another project scanned before in the same process could not fetch its constraints.
    monkeypatch.setattr(cache, "_CONSTRAINTS_FAILURES", [3])
    _report(project)
    _report(project)
    assert project_runs == [1]


def test_the_tree_fingerprint_sees_folders_discovery_skips_but_not_version_control(tmp_path):
    """Except what git rewrites on a mere ``git status``; test and lint caches below."""
    (tmp_path / "dags" / "node_modules").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_text("1")
    skipped = tmp_path / "dags" / "node_modules" / "query.sql"
    skipped.write_text("select 1")
    before = tree_fingerprint(tmp_path)
    (tmp_path / ".git" / "index").write_text("2")  # git status refreshing its index
    assert tree_fingerprint(tmp_path) == before
    (tmp_path / ".git" / "index.lock").write_text("3")  # which it writes beside it first:
    (tmp_path / ".git" / "index.lock").replace(tmp_path / ".git" / "index")  # the folder's times change
    assert tree_fingerprint(tmp_path) == before
    skipped.write_text("select 2")
    assert tree_fingerprint(tmp_path) != before


def test_the_tree_fingerprint_sees_tool_caches_come_but_not_what_they_hold(tmp_path):
    """A DAG test run writes .pytest_cache and the DAG folder's __pycache__ every time, a lint
    its own cache: the next scan must not lose its memos to them."""
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "etl.py").write_text("x = 1\n")
    before = tree_fingerprint(tmp_path)
    (dags / "__pycache__").mkdir()
    (tmp_path / ".pytest_cache" / "v").mkdir(parents=True)
    assert tree_fingerprint(tmp_path) != before  # a folder came
    first_run = tree_fingerprint(tmp_path)
    (dags / "__pycache__" / "etl.cpython-311.pyc").write_bytes(b"\x00")
    (tmp_path / ".pytest_cache" / "v" / "lastfailed").write_text("{}")
    (tmp_path / ".ruff_cache").mkdir()
    assert tree_fingerprint(tmp_path) != first_run  # .ruff_cache came
    with_ruff = tree_fingerprint(tmp_path)
    (tmp_path / ".ruff_cache" / "content").write_text("1")
    (tmp_path / ".pytest_cache" / "v" / "lastfailed").unlink()
    assert tree_fingerprint(tmp_path) == with_ruff


def test_a_git_status_or_a_test_run_between_two_scans_keeps_the_memo(project, project_runs):
    (project / ".git").mkdir()
    (project / "dags" / "__pycache__").mkdir()
    first = _report(project)
    (project / ".git" / "index.lock").write_text("1")
    (project / ".git" / "index.lock").replace(project / ".git" / "index")
    (project / "dags" / "__pycache__" / "etl.cpython-311.pyc").write_bytes(b"\x00")
    assert _report(project) == first
    assert project_runs == [1]


def test_a_symlink_is_seen_through_to_what_it_points_to(tmp_path):
    outside = tmp_path / "shared.sql"
    outside.write_text("select 1")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "shared.sql").symlink_to(outside)
    before = tree_fingerprint(tmp_path / "proj")
    outside.write_text("select 22")
    assert tree_fingerprint(tmp_path / "proj") != before


def test_the_root_spelled_another_way_is_the_same_project(project, project_runs, monkeypatch):
    first = _report(project)
    monkeypatch.chdir(project)
    assert _report(Path()) == first
    assert project_runs == [1]


def test_a_remembered_run_takes_its_module_summaries_from_the_scan_cache(project, project_runs, monkeypatch):
    """The memo names each summary by its place in the scan cache (a run after an edit would
    otherwise write them all again); the summary of a file the cache does not hold (too large
    to analyse, unreadable) is kept in the memo itself."""
    monkeypatch.setattr(source, "MAX_SOURCE_BYTES", 1000)
    (project / "dags" / "generated.py").write_text(DAG + "#" * 1000 + "\n")
    saved = []
    save = cache.RunMemo.save
    monkeypatch.setattr(cache.RunMemo, "save", lambda memo, run: (saved.append(run), save(memo, run)))
    first = scan(project, Settings(), TARGET, jobs=1)
    remembered = scan(project, Settings(), TARGET, jobs=1)
    assert project_runs == [1]
    assert remembered.project.modules == first.project.modules
    kept = next(run for run in saved if isinstance(run, engine.RememberedRun))
    too_large = next(s for s in first.project.modules if s.path == "dags/generated.py")
    assert too_large.problem is not None
    etl = cache.content_digest((project / "dags" / "etl.py").read_bytes())
    assert kept.summaries == [("dags/etl.py", etl), too_large]


def test_a_memo_whose_summaries_the_scan_cache_lost_analyses_the_files_again(project, count_calls):
    first = _report(project)
    cache.ScanCache(project, ()).path.unlink()  # the scan results (one file per root) gone
    analysed = count_calls(engine, "analyse_file")
    assert _report(project) == first
    assert analysed == [1]  # dags/etl.py, the project's one Python file


def test_fixes_planned_from_a_remembered_run_are_those_of_a_cold_run(project, project_runs):
    cold = plan_fixes(project, use_cache=False).diff()
    _report(project)
    assert plan_fixes(project).diff() == cold and "EmptyOperator" in cold
    assert project_runs == [1, 1]  # the cold plan's run, then the scan: the plan was remembered


@pytest.fixture
def files_read(monkeypatch):
    """The project files the scan reads for its scan cache or to analyse them (``engine.read_bytes``)."""
    read: list[str] = []
    real = engine.read_bytes

    def reading(path, *args, **kwargs):
        read.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(engine, "read_bytes", reading)
    return read


def test_the_scan_cache_reads_only_the_files_whose_stat_changed(project, files_read):
    """A run after an edit takes the other files' results by their stat, as the memos do."""
    for name in ("load", "report"):
        (project / "dags" / f"{name}.py").write_text(DAG.replace('"etl"', f'"{name}"'))
    _report(project)
    files_read.clear()
    (project / "dags" / "load.py").write_text(DAG.replace('"etl"', '"load2"'))
    _rewrite(project / "dags" / "etl.py", DAG.replace('"start"', '"begin"'))  # size and mtime kept
    (project / "dags" / "report.py").write_text((project / "dags" / "report.py").read_text())  # new stat only
    after = _report(project)
    # Each file whose stat changed is read for its digest; the two whose content changed, to analyse.
    assert sorted(files_read) == ["etl.py", "etl.py", "load.py", "load.py", "report.py"]
    assert after == _report(project, use_cache=False)
    files_read.clear()
    (project / "requirements.txt").write_text("requests\n")  # the run memo misses, the scan cache holds
    _report(project)
    assert files_read == []  # report.py's new stat was kept with its result
