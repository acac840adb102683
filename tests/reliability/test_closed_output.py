"""Standard output that cannot be written is one line on stderr and exit 2, for every command.

stdout closed (``migrator scan >&-``), a pipe whose reader is gone (``| head``, before the
first byte or mid-report) and a full disk (``> /dev/full``): no traceback, no internal error
(exit 3), no "Exception ignored" at exit, and no exit 0 or 1 that would pass a CI gate on a
report nobody received.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from conftest import EXAMPLE_PROJECT
from reliability import corpus

COMMANDS = {
    "scan": ["scan", "{root}"],
    "scan json": ["scan", "{root}", "--format", "json"],
    "scan sarif": ["scan", "{root}", "--format", "sarif"],
    "fix": ["fix", "{root}"],
    "package": ["package", "{root}", "--out", "{out}"],
    "size": ["size", "{root}"],
    "connections export": ["connections", "export", "{root}"],
    "migrate": ["migrate", "{root}", "--out", "{out}"],
    "rules": ["rules"],
    "explain": ["explain", "API001"],
    "version": ["--version"],
    "help": ["scan", "--help"],
}
PROJECT = {"dags/a.py": corpus.DAG + "t = BashOperator(task_id='t', bash_command='echo 1')\n",
           "requirements.txt": "pandas==2.2.2\n"}


def closed(fd: int):
    def close() -> None:
        os.close(fd)
    return close


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migrator", *args], check=False, text=True,
                          stderr=subprocess.PIPE, timeout=300, **kwargs)


def assert_one_line_error(proc: subprocess.CompletedProcess, reason: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"migrator: error: cannot write to standard output: {reason}\n"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("failure", ["closed", "reader gone", "disk full"])
def test_stdout_that_cannot_be_written(make_project, tmp_path, command, failure):
    root = make_project(PROJECT)
    args = [a.format(root=root, out=tmp_path / "out") for a in COMMANDS[command]]
    if failure == "closed":
        proc = run(args, preexec_fn=closed(1))
        assert_one_line_error(proc, "it is closed")
    elif failure == "reader gone":
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            proc = run(args, stdout=write_end)
        finally:
            os.close(write_end)
        assert_one_line_error(proc, "Broken pipe")
    else:
        with open(corpus.device(tmp_path, "full"), "w") as full:
            proc = run(args, stdout=full)
        assert_one_line_error(proc, "No space left on device")


def test_a_reader_that_leaves_mid_report(tmp_path):
    """`migrator scan --format json | head -c 100`: the report is larger than a pipe holds."""
    proc = subprocess.Popen([sys.executable, "-m", "migrator", "scan", str(EXAMPLE_PROJECT),
                             "--format", "json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    head = proc.stdout.read(100)
    proc.stdout.close()
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()))
    reader.start()
    assert proc.wait(timeout=300) == 2
    reader.join()
    assert head.startswith("{")
    assert errors == ["migrator: error: cannot write to standard output: Broken pipe\n"]


def test_a_closed_stderr_is_no_crash(make_project):
    root = make_project(PROJECT)
    proc = subprocess.run([sys.executable, "-m", "migrator", "scan", str(root)], check=False,
                          stdout=subprocess.PIPE, text=True, timeout=300, preexec_fn=closed(2))
    assert proc.returncode == 1 and "BashOperator" in proc.stdout

