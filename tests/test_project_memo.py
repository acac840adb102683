"""The project stage's memo (``migrator.project_memo``): after an edit of a few Python files, a
scan takes the index and the project rules' findings from the last run when what that stage
read of each edited file is unchanged, and reruns it otherwise. Whatever it does, the report
is byte for byte a cold run's (issue #20)."""

from __future__ import annotations

import builtins
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_files
from migrator.compat import newest_version

from migrator import cache, engine, observed, project_memo
from migrator.api import json_report
from migrator.config import Settings
from migrator.engine import scan

TARGET = newest_version()
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "onprem-project"
ETL = """from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

from helpers import build_command

with DAG("etl", start_date=datetime(2024, 1, 1), schedule_interval="@daily") as dag:
    BashOperator(task_id="extract", bash_command=build_command("extract"))
"""
HELPERS = """def build_command(step):
    return f"run {step}"


def unused_helper():
    return 1
"""
LEGACY = """from datetime import datetime

from airflow import DAG
from airflow.operators.subdag_operator import SubDagOperator

from factories import make_subdag

with DAG("legacy", start_date=datetime(2024, 1, 1)) as dag:
    SubDagOperator(task_id="part", subdag=make_subdag("legacy", "part"))
"""
FACTORIES = """from airflow import DAG


def make_subdag(parent, child):
    return DAG(f"{parent}.{child}")
"""
NOTIFY = """from plugins.notify import send

send("done")
"""
PLUGIN = """from airflow.plugins_manager import AirflowPlugin


def send(message):
    return message


class NotifyPlugin(AirflowPlugin):
    name = "notify"
"""
INPUTS = {
    "dags/etl.py": ETL,
    "dags/helpers.py": HELPERS,
    "dags/legacy.py": LEGACY,
    "dags/factories.py": FACTORIES,
    "dags/notify.py": NOTIFY,
    "plugins/notify.py": PLUGIN,
    "requirements.txt": "apache-airflow==2.2.5\nrequests\n",
    "airflow.cfg": "[core]\nload_examples = True\n",
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path / "cache"))
    return write_files(tmp_path / "proj", INPUTS)


@pytest.fixture
def stage_runs(count_calls):
    """How many times the index was built and the project rules ran."""
    return count_calls(engine, "build_index"), count_calls(engine, "run_project_rules")


def _report(root, use_cache=True) -> str:
    return json_report(scan(root, Settings(), TARGET, jobs=1, use_cache=use_cache))


def _append(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text)


def test_a_comment_added_to_dag_files_takes_the_whole_stage_from_the_last_run(project, stage_runs, count_calls,
                                                                             monkeypatch):
    index, rules = stage_runs
    _report(project)
    # Fewer lookups than the project's facts (a run checking every file's would read them all).
    monkeypatch.setattr(cache, "LOOKUPS_BEFORE_READING_ALL", 12)
    facts_read_whole = count_calls(cache._FactTable, "read_all")
    for round_no, rel in enumerate(("dags/etl.py", "dags/helpers.py", "dags/etl.py")):
        _append(project / rel, f"# edited {round_no}\n")
        # Each run answered by the memo keeps it for the next (with the edited files' new stat).
        after = _report(project)
        assert (len(index), len(rules)) == (1 + round_no, 1 + round_no)  # the runs without cache alone
        # The edited file's facts were looked up; the other files' were not read (the runs
        # without cache keep no table).
        assert facts_read_whole == []
        assert after == _report(project, use_cache=False)
    # The check can fail: the table holds more answers than the lookups allowed.
    assert len(cache.FileFacts(project).entries) > cache.LOOKUPS_BEFORE_READING_ALL


def test_a_run_that_keeps_the_stage_writes_only_what_it_changed_of_it(project, stage_runs):
    index, rules = stage_runs
    _report(project)
    stage_file = cache.RunMemo(project, (), kind="project").path
    changes_file = cache.RunMemo(project, (), kind="project-changes").path
    written = stage_file.read_bytes()
    for round_no, rel in enumerate(("dags/etl.py", "dags/helpers.py", "dags/legacy.py")):
        _append(project / rel, f"# edited {round_no}\n")
        assert _report(project) == _report(project, use_cache=False)
        assert stage_file.read_bytes() == written and changes_file.exists()
    assert len(rules) == 1 + 3  # the cold run, then the runs without cache alone
    # The stage runs again (a summary changed) and is written whole: the changes kept for the
    # stage written before are not applied to it.
    _append(project / "dags/etl.py", '    BashOperator(task_id="load", bash_command="true")\n')
    _report(project)
    assert stage_file.read_bytes() != written and len(rules) == 5
    _append(project / "dags/helpers.py", "# edited again\n")
    assert _report(project) == _report(project, use_cache=False)
    assert (len(index), len(rules)) == (1 + 3 + 1, 5 + 1)  # kept, once more


def test_past_the_changes_limit_the_kept_stage_is_written_whole(project, stage_runs, monkeypatch):
    _, rules = stage_runs
    _report(project)
    stage_file = cache.RunMemo(project, (), kind="project").path
    written = stage_file.read_bytes()
    monkeypatch.setattr(project_memo, "CHANGES_MAX", 0)
    _append(project / "dags/etl.py", "# edited\n")
    _report(project)
    assert len(rules) == 1 and stage_file.read_bytes() != written  # kept, and written whole


@pytest.mark.parametrize(("rel", "added", "index_builds", "rule_runs"), [
    # A new task: a module summary changes, what the index read does not.
    ("dags/etl.py", '    BashOperator(task_id="load", bash_command="true")\n', 1, 2),
    # unused_helper is called now: the unreferenced-function pass's count of its name changes.
    ("dags/etl.py", "from helpers import unused_helper\nunused_helper()\n", 2, 2),
    # The SubDAG factory pass and the plugin analyses parse these files for facts of them, which
    # a comment at the end changes no more than the module summaries.
    ("dags/legacy.py", "# a comment\n", 1, 1),
    ("dags/factories.py", "# a comment\n", 1, 1),
    ("plugins/notify.py", "# a comment\n", 1, 1),
    ("dags/factories.py", "def make_subdag(parent, child):\n    return None\n", 2, 2),  # the factory redefined
    ("plugins/notify.py", "class LatePlugin(AirflowPlugin):\n    name = 'late'\n", 2, 2),
    # Read whole by the pass finding `plugins.` imports: any edit counts.
    ("dags/notify.py", "# a comment\n", 2, 2),
], ids=["summary-changed", "index-input-changed", "subdag-caller-comment", "subdag-factory-comment",
        "plugin-comment", "subdag-factory-changed", "plugin-added", "read-whole"])
def test_an_edit_reruns_what_read_what_it_changed(project, stage_runs, rel, added, index_builds, rule_runs):
    index, rules = stage_runs
    _report(project)
    _append(project / rel, added)
    after = _report(project)
    assert (len(index), len(rules)) == (index_builds, rule_runs)
    assert after == _report(project, use_cache=False)


@pytest.mark.parametrize("edit", ["a requirements file", "a new Python file"])
def test_a_changed_non_python_file_or_a_new_python_file_reruns_the_stage(project, stage_runs, edit):
    index, rules = stage_runs
    _report(project)
    if edit == "a requirements file":
        (project / "requirements.txt").write_text("requests\n")
    else:
        (project / "dags" / "more.py").write_text("# nothing yet\n")
    after = _report(project)
    assert (len(index), len(rules)) == (2, 2)
    assert after == _report(project, use_cache=False)


def test_a_file_touched_without_a_change_keeps_the_stage(project, stage_runs):
    index, rules = stage_runs
    before = _report(project)
    path = project / "dags" / "notify.py"
    path.write_text(path.read_text())  # a checkout rewriting it: new stat, same bytes
    os.utime(path, ns=(1, 1))
    # Read whole: the stat alone cannot tell, so the stage reruns; its findings are the same.
    assert _report(project) == before
    _append(project / "dags" / "etl.py", "")
    os.utime(project / "dags" / "etl.py", ns=(2, 2))
    assert _report(project) == before
    assert (len(index), len(rules)) == (2, 2)


REPORTS_DAG = """from airflow import DAG

with DAG("reports") as dag:
    pass
"""


def test_discovery_is_kept_with_the_stage_until_what_it_read_changes(project, count_calls):
    """A test-named DAG file is code until it holds test code: discovery reads its head to
    tell. An edit elsewhere keeps discovery's workspace; an edit that makes it a test does not."""
    discovered = count_calls(engine, "discover")
    (project / "dags" / "test_reports.py").write_text(REPORTS_DAG)
    assert "dags/test_reports.py" in _report(project)
    _append(project / "dags" / "etl.py", "# edited\n")
    assert _report(project) == _report(project, use_cache=False)
    assert len(discovered) == 2  # the first run and the one without cache
    _append(project / "dags" / "test_reports.py", "import pytest\n")
    after = _report(project)
    assert len(discovered) == 3
    assert "dags/test_reports.py" not in after
    assert after == _report(project, use_cache=False)


def _recorded_otherwise() -> bool:
    """Whether the file being opened is read for what the reader records itself: bytes handed
    to FileFacts (``read_bytes(for_facts=True)``) or a cheap answer (discovery's look at a head)."""
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "read_bytes" and code.co_filename.endswith("source.py"):
            return bool(frame.f_locals.get("for_facts"))
        if code.co_name == "_of_head" and code.co_filename.endswith("folders.py"):
            return True
        frame = frame.f_back
    return False


def test_every_python_file_the_stage_opens_is_recorded(tmp_path, monkeypatch):
    """The memo is only as sound as the recording: a Python file the project stage opens
    (discovery, the index, the project rules, the inventory) must be recorded as read whole,
    unless read for a fact or an answer, which records that instead. On the bundled example,
    which every analysis has something in."""
    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path / "cache"))
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    recorded: list[observed.Observations] = []
    opened_whole: set[str] = set()
    opened_otherwise: set[str] = set()

    class Recording(observed.Observations):
        def __post_init__(self) -> None:
            super().__post_init__()
            recorded.append(self)

    real_open = io.open

    def watching_open(file, *args, **kwargs):
        observations = observed._current.get()
        if observations is not None and isinstance(file, (str, os.PathLike)):
            rel = observations.rel(file)
            if rel is not None and os.path.isfile(file):
                (opened_otherwise if _recorded_otherwise() else opened_whole).add(rel)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(project_memo, "Observations", Recording)
    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(io, "open", watching_open)
    scan(root, Settings(), TARGET, jobs=1)
    (observations,) = recorded
    assert opened_whole and opened_otherwise, "the check would pass whatever is recorded"
    assert opened_whole <= observations.whole, sorted(opened_whole - observations.whole)
    derived = observations.whole | set(observations.facts) | set(observations.answers)
    assert opened_otherwise <= derived, sorted(opened_otherwise - derived)


def test_observed_texts_record_what_a_pass_looks_at_itself(tmp_path):
    observations = observed.Observations(str(tmp_path))
    texts = observed.ObservedTexts({"a.py": b"import os\n", "b.py": b"x = 1\n"}, tmp_path)
    with observed.observing(observations):
        assert sorted(texts) == ["a.py", "b.py"] and "a.py" in texts  # the paths are no read
        assert observed.for_facts(texts)["a.py"] == b"import os\n"  # handed to FileFacts
        assert observations.whole == set()
        assert observed.holds_any(texts, "b.py", (b"x =",))
        assert texts["a.py"] == b"import os\n"
    assert observations.whole == {"a.py"}
    [(compute, answer)] = observations.answers["b.py"].items()
    assert answer is True and compute(b"y = 2\n") is False


def test_observations_name_files_below_the_root_however_spelled(tmp_path):
    observations = observed.Observations(str(tmp_path / "proj"))
    assert observations.rel(tmp_path / "proj" / "dags" / "a.py") == "dags/a.py"
    assert observations.rel(f"{tmp_path}/proj/dags/../b.py") == "b.py"
    assert observations.rel(tmp_path / "other" / "a.py") is None
    assert observations.rel(tmp_path / "proj" / "requirements.txt") is None  # keyed by stat


# What a run that keeps the project stage must not import: the other sources' analyses (and
# PyYAML, pathspec, packaging's requirement parser, urllib's HTTP client with them).
NOT_FOR_A_KEPT_STAGE = ("yaml", "pathspec", "urllib.request", "packaging.requirements", "migrator.airflowignore",
                        "migrator.analysis.connections.definition_files", "migrator.analysis.envsources.compose",
                        "migrator.analysis.requirements.constraints", "migrator.workspace.checks",
                        "migrator.bundle.model")


def test_a_run_that_keeps_the_stage_imports_no_project_rule_and_no_analysis_of_other_sources(project):
    # Issue #20: a scan after an edit imports what it uses; the project and package rules and the
    # analyses they read load only when the stage reruns.
    driver = ("import sys\nfrom migrator.cli import main\ncode = main(sys.argv[1:])\n"
              "from migrator.rules import rule_index\n"
              "rules = [e.id for e in rule_index() if e.kind != 'PythonRule' and e.module in sys.modules]\n"
              f"modules = [m for m in {NOT_FOR_A_KEPT_STAGE!r} if m in sys.modules]\n"
              "print(rules, modules, file=sys.stderr)\nsys.exit(code)\n")

    def run(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", driver, "scan", str(project), "-f", "json", "--fail-on", "never",
                               "-j", "1", *options], capture_output=True, text=True, timeout=300, check=True)

    cold = run()
    assert cold.stderr.strip() != "[] []"  # the first run imports them: the check can fail
    _append(project / "dags/etl.py", "# edited\n")
    kept = run()
    assert kept.stderr.strip().endswith("[] []"), kept.stderr
    assert kept.stdout == run("--no-cache").stdout
