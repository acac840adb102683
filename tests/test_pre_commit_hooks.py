"""The repository's .pre-commit-hooks.yaml: each hook's entry is a command this tool runs."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from migrator.cli import main

HOOKS = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
DAG = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"
       "with DAG('d', schedule=None) as dag:\n    BashOperator(task_id='t', bash_command='true')\n")


def test_hooks_run_as_pre_commit_runs_them(make_project, capsys, monkeypatch):
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"migrator-scan", "migrator-fix"}
    root = make_project({"dags/d.py": DAG})
    monkeypatch.chdir(root)  # pre-commit runs hooks at the repository's root
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        program, *args = shlex.split(hook["entry"])
        assert program == "migrator"
        hook["code"] = main(args)
    capsys.readouterr()
    assert hooks["migrator-scan"]["code"] == 1  # the moved import
    assert hooks["migrator-fix"]["code"] == 0
    assert "providers.standard" in (root / "dags" / "d.py").read_text()
