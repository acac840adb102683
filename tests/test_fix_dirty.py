"""``fix --apply`` on a git work tree refuses files with uncommitted changes unless --allow-dirty
(as ``cargo fix`` does): the fixes must not mix with a user's unsaved work."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from migrator.cli import main
from migrator.vcs import uncommitted, work_tree_root

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

# API001: a moved import with a safe fix.
DAG = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n\n"
       "with DAG('d') as dag:\n    BashOperator(task_id='t', bash_command='true')\n")


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root,
                   check=True, capture_output=True)


@pytest.fixture
def repo(make_project):
    root = make_project({"dags/d.py": DAG, "dags/other.py": DAG.replace("'d'", "'o'")})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "start")
    return root


def apply(root, capsys, *extra):
    code = main(["fix", str(root), "--apply", "--no-diff", *extra])
    return code, capsys.readouterr().err


def test_a_clean_work_tree_is_fixed(repo, capsys):
    code, err = apply(repo, capsys)
    assert code == 0, err
    assert "airflow.providers.standard" in (repo / "dags" / "d.py").read_text()


@pytest.mark.parametrize("dirty", ["modified", "staged", "untracked"])
def test_uncommitted_files_it_would_write_are_refused_by_name(repo, capsys, dirty):
    path = repo / "dags" / ("new.py" if dirty == "untracked" else "d.py")
    path.write_text(DAG + "# my work in progress\n")
    if dirty == "staged":
        git(repo, "add", "dags/d.py")
    code, err = apply(repo, capsys)
    assert code == 2
    rel = path.relative_to(repo).as_posix()
    assert err.strip() == (f"migrator: error: {repo}: 1 file(s) the fixes would write have uncommitted "
                           f"changes ({rel}); commit or stash them first, or pass --allow-dirty")
    assert path.read_text() == DAG + "# my work in progress\n"
    assert "bash_operator" in (repo / "dags" / "other.py").read_text()  # nothing written


def test_allow_dirty_applies_on_top(repo, capsys):
    (repo / "dags" / "d.py").write_text(DAG + "# mine\n")
    code, err = apply(repo, capsys, "--allow-dirty")
    assert code == 0, err
    text = (repo / "dags" / "d.py").read_text()
    assert "# mine" in text and "bash_operator" not in text


def test_changes_to_files_it_does_not_write_do_not_matter(repo, capsys):
    (repo / "README.md").write_text("notes\n")
    (repo / "dags" / "sql.sql").write_text("select 1;\n")
    code, err = apply(repo, capsys)
    assert code == 0, err


def test_a_project_in_a_subfolder_of_the_repository(make_project, capsys):
    root = make_project({"airflow/dags/d.py": DAG})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "start")
    project = root / "airflow"
    assert work_tree_root(project) == root.resolve()
    (project / "dags" / "d.py").write_text(DAG + "# mine\n")
    assert uncommitted(project, ["dags/d.py"]) == ["dags/d.py"]
    code, err = apply(project, capsys)
    assert code == 2 and "(dags/d.py)" in err


def test_outside_a_git_work_tree_nothing_is_refused(make_project, capsys):
    root = make_project({"dags/d.py": DAG})
    assert work_tree_root(root) is None
    code, err = apply(root, capsys)
    assert code == 0, err
