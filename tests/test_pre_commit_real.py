"""The hooks of .pre-commit-hooks.yaml run by pre-commit itself, as a team's repository uses them.

pre-commit clones this repository at its HEAD commit and installs it into a venv of its own (from
the package index), then runs the hook: red on a finding, green once the finding is in the
baseline, red again on a new finding.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
MOVED_IMPORT = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"
                "with DAG('{id}', schedule=None) as dag:\n    BashOperator(task_id='t', bash_command='true')\n")
CONFIG = """repos:
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: migrator-scan
        args: {args}
"""


def _pre_commit() -> str:
    found = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(found).is_file():
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return found


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.network
def test_the_scan_hook_fails_on_new_findings_only_with_a_baseline(tmp_path):
    pre_commit = _pre_commit()
    rev = _git(REPOSITORY, "rev-parse", "HEAD").strip()
    project = tmp_path / "team-repo"
    (project / "dags").mkdir(parents=True)
    (project / "dags" / "first.py").write_text(MOVED_IMPORT.format(id="first"))
    _git(project, "init", "-q")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def run_hook(args: str) -> subprocess.CompletedProcess:
        (project / ".pre-commit-config.yaml").write_text(CONFIG.format(repo=REPOSITORY, rev=rev, args=args))
        _git(project, "add", "-A")
        return subprocess.run([pre_commit, "run", "--all-files", "--color", "never"], cwd=project, env=env,
                              capture_output=True, text=True, timeout=900, check=False)

    red = run_hook("[]")
    assert red.returncode == 1, red.stdout + red.stderr
    assert "migrator scan" in red.stdout and "Failed" in red.stdout
    assert "first.py" in red.stdout

    baseline = project / ".migrator-baseline.json"
    written = subprocess.run([sys.executable, "-m", "migrator", "scan", str(project), "--quiet",
                              "--write-baseline", str(baseline)], capture_output=True, text=True, check=False)
    assert written.returncode in (0, 1), written.stderr
    green = run_hook("[--baseline, .migrator-baseline.json]")
    assert green.returncode == 0, green.stdout + green.stderr
    assert "Passed" in green.stdout

    (project / "dags" / "second.py").write_text(MOVED_IMPORT.format(id="second"))
    red_again = run_hook("[--baseline, .migrator-baseline.json]")
    assert red_again.returncode == 1, red_again.stdout + red_again.stderr
    assert "second.py" in red_again.stdout and "first.py" not in red_again.stdout
