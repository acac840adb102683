"""Interrupted and killed runs: what they leave is recognised, never analysed, shipped or kept.

A run killed outright (SIGKILL, a power cut) leaves its temp files: ``.NAME.PID.N.migrator-tmp``
beside the files ``fix --apply`` was writing, ``.OUT.XXXX.migrator-tmp/`` staging folders beside
a bundle or migrate output. Discovery lists them as leftovers instead of analysing them, the
bundle never ships them, and the next ``fix --apply`` removes the temp files of processes that
are gone (never those of a run still going). An interrupt (Ctrl-C, SIGTERM) ends a command with
one line and the shell's exit code, whatever it interrupted, and removes what it staged.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability import corpus

from migrator import codemods
from migrator.cli import main
from migrator.config import load_settings
from migrator.safe_write import TEMP_SUFFIX, remove_leftovers
from migrator.workspace import LEFTOVER_REASON, discover

LEGACY = corpus.DAG + "t = BashOperator(task_id='t', bash_command='echo 1')\n"


def ended_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def leftover_project(make_project) -> tuple:
    """A project holding what killed runs leave: {kind: path}."""
    gone, alive = ended_pid(), os.getpid()
    leftovers = {
        "dead": f"dags/.legacy.py.{gone}.0{TEMP_SUFFIX}",  # a fixed copy a killed fix had staged
        "live": f"dags/.legacy.py.{alive}.3{TEMP_SUFFIX}",  # a run still going (this process)
        "staging": f".bundle.k2j4h9{TEMP_SUFFIX}",  # a killed package's staging folder
        "report": f"reports/.scan.txt.{gone}.0{TEMP_SUFFIX}",  # a killed scan -o
    }
    root = make_project({"dags/legacy.py": LEGACY, leftovers["dead"]: LEGACY,
                         leftovers["live"]: LEGACY, f"{leftovers['staging']}/dags/legacy.py": LEGACY,
                         leftovers["report"]: "half a report"})
    return root, leftovers


def test_scan_lists_leftovers_and_analyses_none(make_project, capsys):
    root, leftovers = leftover_project(make_project)
    assert main(["scan", str(root), "--format", "json", "--no-cache"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert {f["path"] for f in document["findings"]} == {"dags/legacy.py"}
    assert document["inventory"]["sources"]["dag_folders"] == ["dags"]  # not the staging copy
    skipped = {s["path"]: s["reason"] for s in document["inventory"]["skipped"]}
    for rel in leftovers.values():
        assert skipped[rel] == LEFTOVER_REASON, rel


def test_package_ships_no_leftover(make_project, tmp_path, capsys):
    root, leftovers = leftover_project(make_project)
    assert main(["package", str(root), "--out", str(tmp_path / "b"), "--format", "json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in manifest["files"] if f["path"].startswith("dags/")] == [
        "dags/legacy.py"]
    excluded = {row["path"]: row["reason"] for row in manifest["excluded"]}
    assert excluded[leftovers["dead"]] == excluded[leftovers["live"]] == LEFTOVER_REASON


def test_fix_apply_removes_the_temp_files_of_runs_that_are_gone(make_project, capsys):
    root, leftovers = leftover_project(make_project)
    assert main(["fix", str(root), "--apply", "--no-diff", "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert not (root / leftovers["dead"]).exists() and not (root / leftovers["report"]).exists()
    assert (root / leftovers["live"]).exists()  # its process still runs
    assert (root / leftovers["staging"]).is_dir()  # a folder: its run's to remove
    assert (f"Removed 2 temporary file(s) an interrupted run left: {leftovers['dead']}, "
            f"{leftovers['report']}") in err, err


# File names fix --apply writes (it refuses a backslash, a separator elsewhere, and control
# characters), so names its temp files can have.
names = st.text(st.characters(codec="utf-8", exclude_characters="/\\\x00",
                              exclude_categories=("Cc", "Cs")), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, attempt=st.integers(0, 99), running=st.booleans())
def test_any_file_name_leftover_is_found_and_removed_only_when_its_run_is_gone(
        make_project, name, attempt, running):
    pid = os.getpid() if running else ended_pid()
    leftover = f"dags/.{name}.{pid}.{attempt}{TEMP_SUFFIX}"
    root = make_project({"dags/a.py": LEGACY, leftover: LEGACY})
    workspace = discover(root, load_settings(root))
    assert workspace.leftovers == [leftover]
    assert leftover not in workspace.python_files
    assert remove_leftovers(root, workspace.leftovers) == ([] if running else [leftover])
    assert (root / leftover).exists() == running


def test_an_interrupt_while_planning_a_fix_is_one_line(make_project, monkeypatch, capsys):
    root = make_project({"dags/a.py": LEGACY})
    before = corpus.snapshot(root)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(codemods, "apply_edits", interrupted)
    assert main(["fix", str(root), "--apply", "--no-cache", "--jobs", "1"]) == 130
    captured = capsys.readouterr()
    assert captured.err.strip() == "migrator: interrupted" and captured.out == ""
    assert corpus.snapshot(root) == before


def test_an_error_carrying_a_syntax_tree_prints_one_short_line(make_project, monkeypatch, capsys):
    """A KeyError on a LibCST node prints the node: the source it spans, secrets included."""
    import libcst

    source = LEGACY + "PASSWORD = 'Zq90nRy90Kw'\n" * 200
    root = make_project({"dags/a.py": source})

    def failing(*args, **kwargs):
        raise KeyError(libcst.parse_module(source))

    monkeypatch.setattr(codemods, "apply_edits", failing)
    assert main(["fix", str(root), "--no-cache", "--jobs", "1"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 400, err[:500]
    assert err.startswith("migrator: internal error: KeyError: ") and "Zq90nRy90Kw" not in err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("command", ["package", "migrate"])
def test_a_signal_while_building_leaves_no_staging_folder(make_project, tmp_path, monkeypatch,
                                                          capsys, command, signum):
    from migrator.bundle import build

    root = make_project({"dags/a.py": LEGACY, "plugins/p.py": "X = 1\n",
                         "requirements.txt": "pandas==2.2.2\n"})
    real = build.write_deterministic_zip

    def signalled(*args, **kwargs):
        signal.raise_signal(signum)
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "write_deterministic_zip", signalled)
    out = tmp_path / "out" / "result"
    assert main([command, str(root), "--out", str(out), "--jobs", "1"]) == 128 + signum
    assert capsys.readouterr().err.strip() in ("migrator: interrupted", "migrator: terminated")
    assert list((tmp_path / "out").iterdir()) == []  # neither the output nor a staging folder
