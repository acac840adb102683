"""Reports written with ``-o PATH`` go where ``>`` would send them, and never destroy PATH.

Every command with ``-o`` is run on every kind of path (tests/reliability/corpus.py,
``OUTPUT_KINDS``): a new path, a regular file, a symlink (written through, still a link), a
dangling link, a chain of links, a file with a second hard link (still one inode), a
character device (still the device: as root a rename would have made /dev/null a regular
file), a FIFO and ``/dev/stdout`` (written in place), a folder (a one-line error). No run may
leave a temp file, and a new report gets the mode ``open()`` gives under the umask.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability import corpus

from migrator.cli import main
from migrator.errors import InputError
from migrator.report_file import write_report

COMMANDS = {  # command -> (arguments before the path, exit code on the project below)
    "scan": (["scan"], 1),
    "size": (["size"], 0),
    "connections export": (["connections", "export"], 0),
}
PROJECT = {"dags/a.py": corpus.DAG + "t = BashOperator(task_id='t', bash_command='echo 1')\n",
           ".env": "AIRFLOW_CONN_PG=postgres://u:secret@db:5432/x\n"}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or "tmp" in p.name)


def stdout_report(command: str, root: Path, capsys) -> str:
    args, code = COMMANDS[command]
    assert main([*args, str(root)]) == code
    return capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", corpus.OUTPUT_KINDS)
def test_every_kind_of_output_path(make_project, tmp_path, capsys, command, kind):
    root = make_project(PROJECT)
    expected = stdout_report(command, root, capsys)
    folder = tmp_path / "out"
    path = corpus.make_output_path(folder, kind)
    if kind == "regular":
        path.chmod(0o640)
    before = path.lstat() if os.path.lexists(path) else None
    link = os.readlink(path) if path.is_symlink() else None
    args, code = COMMANDS[command]
    result = main([*args, str(root), "-o", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    target = folder / corpus.REPORT_TARGET
    if kind in ("folder", "symlink-to-folder"):
        assert result == 2
        assert captured.err == f"migrator: error: {path}: cannot write report: Is a directory\n"
        assert list((target if kind == "symlink-to-folder" else path).iterdir()) == []
    else:
        assert result == code, captured.err
        assert captured.out == ""
    if kind == "char-device":
        after = path.lstat()
        assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    elif kind in ("symlink", "dangling-symlink", "symlink-chain"):
        assert path.is_symlink() and os.readlink(path) == link  # still the same link
        assert target.read_text() == expected
    elif kind == "hard-link":
        assert path.stat().st_ino == target.stat().st_ino == before.st_ino
        assert target.read_text() == expected
    elif kind not in ("folder", "symlink-to-folder"):
        assert path.read_text() == expected
        assert stat.S_IMODE(path.stat().st_mode) == (0o640 if kind == "regular" else 0o666 & ~umask())
    if path != Path(os.devnull):
        assert leftovers(folder) == [], "temp file left behind"


def umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_fifo_is_written_in_place(make_project, tmp_path, capsys, command):
    root = make_project(PROJECT)
    expected = stdout_report(command, root, capsys)
    fifo = tmp_path / "out" / "pipe"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    args, code = COMMANDS[command]
    assert main([*args, str(root), "-o", str(fifo)]) == code
    reader.join(timeout=30)
    alive = reader.is_alive()
    if alive:  # the report went elsewhere: release the reader before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert not alive and received == [expected.encode()]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert leftovers(fifo.parent) == []


def run_cli(args: list[str], stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migrator", *args], check=False, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=300)


def test_dev_stdout_and_process_substitution(make_project, tmp_path, capsys):
    root = make_project(PROJECT)
    expected = stdout_report("scan", root, capsys)
    # /dev/stdout as the system has it, but private: a regression (as root) would replace this
    # link instead of the machine's /dev/stdout.
    dev_stdout = tmp_path / "dev" / "stdout"
    dev_stdout.parent.mkdir()
    dev_stdout.symlink_to("/proc/self/fd/1")
    piped = run_cli(["scan", str(root), "-o", str(dev_stdout)])
    assert piped.returncode == 1 and piped.stdout == expected, piped.stderr
    (tmp_path / "out").mkdir()
    log = tmp_path / "out" / "ci.log"
    log.write_text("earlier lines\n")
    with log.open("a") as appended:  # `migrator scan -o /dev/stdout >> ci.log`
        appending = run_cli(["scan", str(root), "-o", str(dev_stdout)], stdout=appended)
    assert appending.returncode == 1, appending.stderr
    assert log.read_text() == "earlier lines\n" + expected
    substituted = tmp_path / "out" / "substituted.txt"
    command = (f"{sys.executable} -m migrator scan {root} -o >(cat > {substituted}); "
               "status=$?; wait; exit $status")
    proc = subprocess.run(["bash", "-c", command], check=False, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert substituted.read_text() == expected
    assert dev_stdout.is_symlink()
    assert leftovers(tmp_path / "out") == [] and leftovers(dev_stdout.parent) == []


@settings(max_examples=40, deadline=None)
@given(mask=st.integers(0, 0o777), existing=st.one_of(st.none(), st.integers(0, 0o7777)))
def test_a_report_gets_the_mode_open_would_give(tmp_path_factory, mask, existing):
    folder = tmp_path_factory.mktemp("modes")
    path = folder / "report.txt"
    if existing is not None:
        path.write_text("old\n")
        path.chmod(existing)
    saved = os.umask(mask)
    try:
        write_report(path, ["new ", "report\n"])
    finally:
        os.umask(saved)
    assert path.read_text() == "new report\n"
    wanted = (0o666 & ~mask) if existing is None else existing
    assert stat.S_IMODE(path.stat().st_mode) == wanted
    assert sorted(p.name for p in folder.iterdir()) == ["report.txt"]


def test_a_report_that_fails_in_place_is_an_input_error(tmp_path):
    full = corpus.device(tmp_path, "full")
    with pytest.raises(InputError, match=f"{full}: cannot write report: No space left on device"):
        write_report(full, ["x" * 100_000])
    assert stat.S_ISCHR(full.lstat().st_mode)
