"""Writing fixes: a crash at any point leaves every file as it was; form and mode survive.

A project whose files need fixes in every form the writer meets (UTF-8, BOM, latin-1 with a
coding cookie, CRLF, executable and private modes, a nested folder, a SQL template and
requirements.txt) is planned once with ``migrator.fix.plan_fixes``; then the write phase
(``apply_plan``) is crashed at the k-th call of each system call it makes, for every k, and
by an interrupt. After each crash every file must be byte-identical with its mode, and no
temporary file may be left. The same holds through ``migrator fix --apply`` (one-line error,
exit 2). Writes never go through a symlink or outside the root, even when a folder is
swapped for a symlink between planning and writing.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
import time
from pathlib import Path

import pytest
from migrator.compat import get_version
from reliability import corpus

from migrator.cli import main
from migrator.config import load_settings
from migrator.errors import InputError
from migrator.fix import apply_plan, plan_fixes

LEGACY = "from airflow.operators.bash_operator import BashOperator\n"
PROJECT = {
    # path: (bytes, mode)
    "dags/lf.py": ((LEGACY + "x = 1\n").encode(), 0o644),
    "dags/crlf.py": ((LEGACY + "x = 1\n").replace("\n", "\r\n").encode(), 0o755),
    "dags/bom.py": (b"\xef\xbb\xbf" + (LEGACY + "x = 'caf\u00e9'\n").encode(), 0o640),
    "dags/latin1.py": (("# -*- coding: latin-1 -*-\n" + LEGACY + "x = 'caf\u00e9'\n").encode("latin-1"),
                       0o600),
    "dags/nested/deep.py": ((LEGACY + "from airflow.utils.dates import days_ago\n"
                             "START = days_ago(1)\n").encode(), 0o644),
    "dags/sql/report.sql": (b"select * from t where day = '{{ execution_date }}'\r\n", 0o644),
    "requirements.txt": (b"apache-airflow==2.7.3\npandas==2.2.2\n", 0o664),
}
# The system calls of the write phase, in migrator.safe_write; each is crashed at every call.
SYSCALLS = ("replace", "write", "fsync", "fchmod", "open")


def make(root: Path) -> Path:
    for rel, (data, mode) in PROJECT.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    return root


def plan_for(root: Path):
    return plan_fixes(root, load_settings(root), get_version(None), unsafe=True, jobs=1,
                      use_cache=False)


@pytest.fixture
def planned(tmp_path):
    root = make(tmp_path / "project")
    plan = plan_for(root)
    # Every kind of file above has a pending fix, so every write path is exercised.
    assert set(plan.files) == set(PROJECT), sorted(plan.files)
    return root, plan, corpus.snapshot(root)


def crash_at(monkeypatch, name: str, k: int, error: BaseException) -> list[int]:
    """Make the k-th call of os.<name> (1-based) raise ``error``; returns the call counter."""
    real = getattr(os, name)
    calls = [0]

    def crashing(*args, **kwargs):
        calls[0] += 1
        if calls[0] == k:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, crashing)
    return calls


def count_calls(monkeypatch, tmp_path, name: str) -> int:
    root = make(tmp_path / f"count-{name}")
    plan = plan_for(root)
    calls = crash_at(monkeypatch, name, 0, OSError())  # k=0: never raises, only counts
    apply_plan(root, plan)
    monkeypatch.undo()
    return calls[0]


@pytest.mark.parametrize("syscall", SYSCALLS)
def test_a_crash_at_any_call_of_the_write_phase_leaves_every_file_as_it_was(
        planned, monkeypatch, tmp_path, syscall):
    root, plan, before = planned
    total = count_calls(monkeypatch, tmp_path, syscall)
    assert total >= len(PROJECT)
    outcomes = []
    for k in range(1, total + 1):
        crash_at(monkeypatch, syscall, k, OSError(28, "No space left on device"))
        try:
            apply_plan(root, plan)
        except InputError as exc:
            # Before the first write ("cannot open ...") or after ("... left as it was").
            assert "\n" not in str(exc) and ": " in str(exc), str(exc)
            outcomes.append("refused")
            monkeypatch.undo()
            assert corpus.snapshot(root) == before, (syscall, k)  # bytes, modes, no temp files
        else:
            # Only the folder's fsync may fail quietly (not every file system can sync a
            # folder), after the file is in place: then the write is complete.
            monkeypatch.undo()
            assert {rel: (root / rel).read_bytes() for rel in plan.files} == \
                {rel: new for rel, (_, new) in plan.files.items()}, (syscall, k)
            outcomes.append("written")
            make(root)
    assert outcomes.count("refused") >= len(PROJECT), outcomes


def test_an_interrupt_at_any_replace_leaves_every_file_as_it_was(planned, monkeypatch, tmp_path):
    root, plan, before = planned
    for k in range(1, len(PROJECT) + 1):
        crash_at(monkeypatch, "replace", k, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            apply_plan(root, plan)
        monkeypatch.undo()
        assert corpus.snapshot(root) == before, k


def signal_at(monkeypatch, name: str, k: int, signum: int) -> list[int]:
    """Deliver a real ``signum`` to this process at the k-th call of os.<name> (which then runs);
    returns the call counter."""
    real = getattr(os, name)
    calls = [0]

    def signalling(*args, **kwargs):
        calls[0] += 1
        if calls[0] == k:
            signal.raise_signal(signum)
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, signalling)
    return calls


APPLY = ["--apply", "--unsafe", "--no-diff", "--no-cache", "--jobs", "1"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("syscall", ["write", "fsync", "replace"])
def test_a_signal_at_any_call_of_the_write_phase_leaves_every_file_as_it_was(
        tmp_path, monkeypatch, capsys, syscall, signum):
    """Ctrl-C or SIGTERM (a cancelled CI job) while ``fix --apply`` stages (threads) or renames:
    every file as it was, no temp file left, the shell's exit code for the signal."""
    counted = make(tmp_path / "count")
    calls = signal_at(monkeypatch, syscall, 0, signum)  # k=0: only counts
    assert main(["fix", str(counted), *APPLY]) == 0
    monkeypatch.undo()
    assert calls[0] >= len(PROJECT)
    for k in range(1, calls[0] + 1):
        root = make(tmp_path / f"k{k}")
        before = corpus.snapshot(root)
        capsys.readouterr()
        signal_at(monkeypatch, syscall, k, signum)
        assert main(["fix", str(root), *APPLY]) == 128 + signum, (syscall, k)
        monkeypatch.undo()
        word = "interrupted" if signum == signal.SIGINT else "terminated"
        assert capsys.readouterr().err.strip() == f"migrator: {word}", (syscall, k)
        assert corpus.snapshot(root) == before, (syscall, k)  # bytes, modes, no temp files


def test_a_signal_while_the_pool_starts_a_thread_still_waits_for_that_thread(tmp_path, monkeypatch, capsys):
    """Ctrl-C while the staging pool starts a thread (inside ``Thread.start``, before the pool
    records it): the thread still stages its file, so the run must wait for it before removing
    the temp files, or one is written after the clean-up and stays behind."""
    root = make(tmp_path / "project")
    before = corpus.snapshot(root)
    real_start, real_write = threading.Thread.start, os.write
    started = [0]

    def start(thread, *args, **kwargs):
        real_start(thread, *args, **kwargs)
        started[0] += 1
        if started[0] == 1 and threading.current_thread() is threading.main_thread():
            signal.raise_signal(signal.SIGINT)

    def slow_write(fd, data):
        time.sleep(0.2)  # the untracked thread writes after the main thread has moved on
        return real_write(fd, data)

    monkeypatch.setattr(threading.Thread, "start", start)
    monkeypatch.setattr(os, "write", slow_write)
    assert main(["fix", str(root), *APPLY]) == 128 + signal.SIGINT
    monkeypatch.undo()
    time.sleep(0.5)  # a thread the run did not wait for would write its temp file by now
    assert corpus.snapshot(root) == before


def test_after_a_crash_the_same_plan_still_applies_and_keeps_form_and_mode(planned, monkeypatch):
    root, plan, _ = planned
    crash_at(monkeypatch, "replace", 3, OSError(5, "Input/output error"))
    with pytest.raises(InputError):
        apply_plan(root, plan)
    monkeypatch.undo()
    assert sorted(apply_plan(root, plan)) == sorted(PROJECT)
    for rel, (old, mode) in PROJECT.items():
        new = (root / rel).read_bytes()
        assert new == plan.files[rel][1] and new != old, rel
        assert stat.S_IMODE((root / rel).stat().st_mode) == mode, rel
        assert new.startswith(b"\xef\xbb\xbf") == old.startswith(b"\xef\xbb\xbf"), rel
        assert new.count(b"\r\n") == new.count(b"\n") if b"\r\n" in old else b"\r\n" not in new, rel
    assert "caf\xe9".encode("latin-1") in (root / "dags/latin1.py").read_bytes()
    assert plan_for(root).files == {}  # fixed for good


def test_cli_apply_crash_is_one_line_and_exit_2(planned, monkeypatch, capsys):
    root, _plan, before = planned
    crash_at(monkeypatch, "replace", 4, OSError(28, "No space left on device"))
    assert main(["fix", str(root), "--apply", "--no-diff", "--no-cache", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "cannot write the fixed file (No space left on device); every file was left as it was" in err
    monkeypatch.undo()
    assert corpus.snapshot(root) == before


def test_a_file_changed_after_planning_stops_the_whole_write(planned):
    root, plan, before = planned
    (root / "dags/lf.py").write_bytes(b"edited by someone else\n")
    with pytest.raises(InputError, match="dags/lf.py: changed on disk since the fix was planned"):
        apply_plan(root, plan)
    expected = dict(before)
    expected["dags/lf.py"] = corpus.snapshot(root)["dags/lf.py"]
    assert corpus.snapshot(root) == expected  # nothing else written


def test_a_folder_swapped_for_a_symlink_after_planning_is_never_written_through(planned, tmp_path):
    root, plan, _ = planned
    outside = tmp_path / "outside"
    (root / "dags/nested").rename(outside)
    (root / "dags/nested").symlink_to(outside, target_is_directory=True)
    outside_before = corpus.snapshot(outside)
    project_before = corpus.snapshot(root)
    with pytest.raises(InputError, match="symlink"):
        apply_plan(root, plan)
    assert corpus.snapshot(outside) == outside_before
    assert corpus.snapshot(root) == project_before


def test_symlinked_files_are_left_out_of_the_plan_and_untouched(tmp_path):
    root = make(tmp_path / "project")
    target = root / "dags/lf.py"
    (root / "dags/link.py").symlink_to(target)
    outside = tmp_path / "outside.py"
    outside.write_bytes(LEGACY.encode())
    (root / "dags/outside_link.py").symlink_to(outside)
    plan = plan_for(root)
    assert "dags/link.py" not in plan.files and "dags/outside_link.py" not in plan.files
    apply_plan(root, plan)
    assert (root / "dags/link.py").is_symlink() and outside.read_bytes() == LEGACY.encode()


# Files with other names (hard links): a rename would cut the other names off, writing into the
# file would change them too; fixes leave such a file and say why.
HARD_LINKED = ("dags/lf.py", "dags/sql/report.sql", "requirements.txt")
SECOND_NAMES = {"same folder": "dags/backup_{n}", "other folder": "archive/{n}",
                "outside the project": "../outside_{n}"}


@pytest.mark.parametrize("where", sorted(SECOND_NAMES))
@pytest.mark.parametrize("rel", HARD_LINKED)
@pytest.mark.parametrize("links", [2, 4])
def test_a_hard_linked_file_is_left_as_it_is_with_the_reason(tmp_path, capsys, rel, where, links):
    root = make(tmp_path / "project")
    names = [root / SECOND_NAMES[where].format(n=n) for n in range(links - 1)]
    for name in names:
        name.parent.mkdir(parents=True, exist_ok=True)
        os.link(root / rel, name)
    before = (root / rel).read_bytes()
    assert main(["fix", str(root), *APPLY]) == 0
    err = capsys.readouterr().err
    assert (root / rel).read_bytes() == before
    assert (root / rel).stat().st_nlink == links and all(n.read_bytes() == before for n in names)
    assert f"{rel} is hard-linked ({links} names); fixes are never written to such a file" in err
    fixed = [other for other in PROJECT if other != rel]
    assert all((root / other).read_bytes() != PROJECT[other][0] for other in fixed)


def test_a_hard_link_made_after_planning_stops_the_whole_write(planned, tmp_path):
    root, plan, before = planned
    os.link(root / "dags/lf.py", tmp_path / "second-name.py")
    with pytest.raises(InputError, match=r"dags/lf.py: hard-linked \(2 names\)"):
        apply_plan(root, plan)
    assert corpus.snapshot(root) == before
