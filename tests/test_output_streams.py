"""Where output goes: progress on stderr, the report alone on stdout; colour as NO_COLOR and
FORCE_COLOR say; reports and folders written with the modes the umask gives."""

from __future__ import annotations

import io
import json
import os
import stat
import sys

import pytest

from migrator.cli import main
from migrator.cli.options import use_color
from migrator.cli.scan import _progress_bar

DAG = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"
       "with DAG('d', schedule=None) as dag:\n    BashOperator(task_id='t', bash_command='true')\n")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_draws_on_stderr(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    progress, _ = _progress_bar(True)
    assert progress.console.file is sys.stderr


@pytest.mark.parametrize("env, terminal, expected", [
    ({}, True, True),
    ({}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": ""}, True, True),  # no-color.org: set and not empty
    ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": "0"}, True, True),
    ({"FORCE_COLOR": "0"}, False, False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
])
def test_color_follows_the_terminal_no_color_and_force_color(monkeypatch, env, terminal, expected):
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert use_color(Terminal() if terminal else io.StringIO()) is expected


def test_force_color_colors_a_piped_report(make_project, capsys, monkeypatch):
    root = make_project({"dags/d.py": DAG})
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["scan", str(root)])
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["scan", str(root)])
    assert "\x1b[" not in capsys.readouterr().out


def test_json_on_stdout_is_the_report_alone(make_project, capsys):
    root = make_project({"dags/d.py": DAG})
    main(["scan", str(root), "-f", "json"])
    out = capsys.readouterr().out
    assert json.loads(out)["findings"] and out.endswith("}\n") and out.startswith("{")


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_reports_and_the_migrate_folder_get_the_umask_modes(make_project, tmp_path, capsys, umask_022):
    root = make_project({"dags/d.py": DAG})
    main(["scan", str(root), "-f", "sarif", "-o", str(tmp_path / "report.sarif")])
    main(["scan", str(root), "--write-baseline", str(tmp_path / "baseline.json")])
    main(["migrate", str(root), "--out", str(tmp_path / "out"), "-q"])
    main(["package", str(root), "--out", str(tmp_path / "bundle"), "-q"])
    capsys.readouterr()
    assert mode(tmp_path / "bundle") == 0o755
    assert mode(tmp_path / "report.sarif") == 0o644
    assert mode(tmp_path / "baseline.json") == 0o644
    assert mode(tmp_path / "out") == 0o755
    assert mode(tmp_path / "out" / "report.md") == 0o644
    assert mode(tmp_path / "out" / "report.html") == 0o644
    assert mode(tmp_path / "out" / "report.json") == 0o644
