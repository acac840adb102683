"""``migrator migrate``: the whole job on a copy; the source tree is never written."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EXAMPLE_PROJECT

from migrator.cli import main
from migrator.errors import InputError
from migrator.migrate import migrate


def snapshot(root: Path) -> dict[str, tuple[str, int, float]]:
    """Every file under ``root`` with its sha256, mode and modification time."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            state[path.relative_to(root).as_posix()] = (
                hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mode, stat.st_mtime)
    return state


def copy_example(folder: Path) -> Path:
    """A private copy of the bundled example, so a bug here can never damage the real one."""
    copy = folder / "onprem"
    shutil.copytree(EXAMPLE_PROJECT, copy, ignore=shutil.ignore_patterns("__pycache__",
                                                                         ".ruff_cache"))
    return copy


@pytest.fixture
def example(tmp_path):
    return copy_example(tmp_path)


@dataclass
class Run:
    source: Path
    before: dict
    out: Path
    code: int
    stdout: str
    report: dict  # report.json, as a user or CI reads it


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """``migrator migrate`` on the example, once for the tests that only read its results (the
    fix step's LibCST passes make a run take seconds)."""
    folder = tmp_path_factory.mktemp("migrate")
    source = copy_example(folder)
    before = snapshot(source)
    out = folder / "migrated"
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        code = main(["migrate", str(source), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    return Run(source, before, out, code, captured.getvalue(), report)


def test_migrate_never_writes_the_source_and_fills_the_output(run):
    assert snapshot(run.source) == run.before
    out = run.out
    assert sorted(p.name for p in out.iterdir()) == ["bundle", "infra", "project", "report.html",
                                                     "report.json", "report.md"]
    assert (out / "bundle" / "manifest.json").is_file()
    assert sorted(p.relative_to(out / "infra").as_posix() for p in (out / "infra").rglob("*.*")) == [
        "cloudformation.yaml", "terraform/main.tf", "terraform/outputs.tf", "terraform/variables.tf"]
    assert 'Default: "onprem"' in (out / "infra" / "cloudformation.yaml").read_text()
    assert (out / "bundle" / "dags").is_dir()
    changed = run.report["fixed"]["files"]
    for rel in changed:  # fixed in the copy only
        assert (out / "project" / rel).read_bytes() != (run.source / rel).read_bytes()
    for rel in run.before:
        if rel not in changed:
            assert (out / "project" / rel).read_bytes() == (run.source / rel).read_bytes(), rel
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".migrated")] == []


def test_report_json_holds_before_after_fixed_needs_human_bundle_and_sizing(run):
    report = run.report
    before, after = report["findings"]["before"], report["findings"]["after"]
    assert before["summary"]["findings"] == len(before["findings"])
    assert after["summary"]["findings"] == len(after["findings"])
    assert report["fixed"]["total"] == sum(report["fixed"]["by_rule"].values())
    assert len(report["needs_human"]) == len(after["findings"])
    assert all(row["reason"] for row in report["needs_human"])
    severities = [row["severity"] for row in report["needs_human"]]
    order = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    manifest = json.loads((run.out / "bundle" / "manifest.json").read_text())
    assert report["bundle"]["manifest"] == manifest
    assert report["target"]["airflow_version"] == manifest["target"]["airflow_version"]
    assert report["sizing"]["recommendation"]["environment_class"].startswith("mw1.")
    text = (run.out / "report.md").read_text()
    for heading in ("## Findings", "## Needs a human", "## Bundle", "## Environment size",
                    "## Next steps"):
        assert heading in text


def test_what_was_fixed_is_gone_after_the_fix(run):
    from migrator.compat import get_version

    from migrator.config import load_settings
    from migrator.engine import scan

    report = run.report
    assert len(report["findings"]["after"]["findings"]) <= len(report["findings"]["before"]["findings"])
    # Fixes count per finding, reported or folded into another as a related location.
    target = get_version(report["target"]["airflow_version"])
    before, after = (scan(root, load_settings(root), target, jobs=1).all_findings
                     for root in (run.source, run.out / "project"))
    for rule, count in report["fixed"]["by_rule"].items():
        assert (sum(1 for f in before if f.rule == rule)
                - sum(1 for f in after if f.rule == rule)) >= count, rule
    assert bool(report["fixed"]["by_rule"]) == bool(report["fixed"]["files"])


def test_cli_output_is_short_and_points_at_the_report(run):
    lines = run.stdout.splitlines()
    assert len(lines) <= 16
    assert lines[0].startswith(f"Migrated {run.source} for MWAA Airflow ")
    assert str(run.out / "report.md") in run.stdout
    assert any(line.startswith("Next: migrator package") for line in lines)
    report = run.report
    has_errors = any(row["severity"] == "error" for row in report["needs_human"])
    bundle_errors = any(c["severity"] == "error" for c in report["bundle"]["checks"])
    assert run.code == (1 if has_errors or bundle_errors else 0)


def test_rerun_replaces_the_previous_output(make_project, tmp_path):
    src = make_project({"dags/a.py": "from airflow import DAG\nDAG('a')\n"})
    out = tmp_path / "migrated"
    migrate(src, out)
    (src / "dags" / "a.py").rename(src / "dags" / "b.py")
    migrate(src, out)
    assert (out / "project" / "dags" / "b.py").exists()
    assert not (out / "project" / "dags" / "a.py").exists()
    assert not (out / "bundle" / "dags" / "a.py").exists()


def test_output_folder_rules(make_project, tmp_path):
    src = make_project({"dags/a.py": "from airflow import DAG\nDAG('a')\n"})
    with pytest.raises(InputError, match="replace it"):
        migrate(src, src)
    with pytest.raises(InputError, match="replace it"):
        migrate(src, src.parent)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        migrate(src, busy)
    assert (busy / "notes.txt").read_text() == "mine"
    # Inside the source: the next scan would read the copy and the bundle as the project's own.
    inside = src / "build" / "migrated"
    with pytest.raises(InputError) as refused:
        migrate(src, inside)
    message = str(refused.value)
    assert f"inside the source project {src}" in message and str(inside) in message
    assert f"--out {src.resolve().parent / (src.name + '-migrated')}" in message
    assert not inside.exists() and not (src / "build").exists()


def test_symlinks_out_of_the_source_are_not_followed(make_project, tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("do not copy")
    src = make_project({"dags/a.py": "from airflow import DAG\nDAG('a')\n"})
    (src / "dags" / "link.txt").symlink_to(secret)
    (src / "dags" / "inside.sql").write_text("select 1;\n")
    (src / "dags" / "alias.sql").symlink_to(src / "dags" / "inside.sql")
    migration = migrate(src, tmp_path / "migrated")
    project = tmp_path / "migrated" / "project"
    assert not (project / "dags" / "link.txt").exists()
    assert (project / "dags" / "alias.sql").read_text() == "select 1;\n"
    assert ("dags/link.txt", "symlink to outside the project") in migration.not_copied


def test_cli_json_and_missing_source(example, tmp_path, capsys):
    assert main(["migrate", str(example), "--out", str(tmp_path / "m"), "--format", "json",
                 "--fail-on", "never"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == json.loads((tmp_path / "m" / "report.json").read_text())
    assert set(document) >= {"findings", "fixed", "needs_human", "bundle", "sizing"}
    assert main(["migrate", str(tmp_path / "nope"), "--out", str(tmp_path / "m2")]) == 2
    assert "no such directory" in capsys.readouterr().err


# -- fixes a file cannot load without ------------------------------------------------------------

NEEDS_UNSAFE = {
    # On 3.3.1 airflow.datasets is gone: the file cannot load without the (unsafe) rename.
    "dags/producer.py": ("from datetime import datetime\nfrom airflow import DAG\n"
                         "from airflow.datasets import Dataset\n\n"
                         "ORDERS = Dataset('s3://lake/orders')\n"
                         "DAG('producer', start_date=datetime(2024, 1, 1), schedule=[ORDERS])\n"),
}


def test_migrate_applies_unsafe_fixes_a_file_cannot_load_without_and_lists_them(make_project, tmp_path):
    root = make_project(NEEDS_UNSAFE)
    migration = migrate(root, tmp_path / "out", target=None)
    fixed = (tmp_path / "out" / "project" / "dags" / "producer.py").read_text(encoding="utf-8")
    assert "airflow.datasets" not in fixed and "Asset" in fixed
    assert [f.rule for f in migration.review] and all(f.fix.required for f in migration.review)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {f["path"] for f in report["fixed"]["review"]} == {"dags/producer.py"}
    assert "Review these" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_plain_fix_keeps_the_safe_unsafe_split(make_project, capsys):
    root = make_project(NEEDS_UNSAFE)
    assert main(["fix", str(root), "--apply", "--no-cache"]) == 0
    assert "airflow.datasets import Dataset" in (root / "dags" / "producer.py").read_text(encoding="utf-8")
    assert main(["fix", str(root), "--apply", "--unsafe", "--no-cache"]) == 0
    assert "airflow.datasets" not in (root / "dags" / "producer.py").read_text(encoding="utf-8")
    capsys.readouterr()


def test_an_unsafe_fix_the_file_loads_without_is_not_applied_by_migrate(make_project, tmp_path):
    # A removed context key taken as a parameter fails when the task runs, not when the file
    # loads: its unsafe fix (the function body must follow) is left for a human.
    root = make_project({"dags/etl.py": ("from datetime import datetime\nfrom airflow.sdk import DAG\n"
                                         "from airflow.providers.standard.operators.python import PythonOperator\n\n\n"
                                         "def report(execution_date, **_):\n    print(execution_date)\n\n\n"
                                         "with DAG('etl', start_date=datetime(2024, 1, 1), schedule=None):\n"
                                         "    PythonOperator(task_id='r', python_callable=report)\n")})
    migration = migrate(root, tmp_path / "out")
    assert migration.review == []
    [left] = [f for f in migration.after.findings if f.rule == "API004"]
    assert left.fix.safety.value == "unsafe" and not left.fix.required
    assert "def report(execution_date" in (tmp_path / "out" / "project" / "dags" / "etl.py").read_text(
        encoding="utf-8")


def test_a_bundle_file_carried_from_outside_the_dag_folder_maps_back_to_its_source(make_project, tmp_path):
    """A framework package under src/ is carried into plugins.zip; a DAG file failing inside it
    (raised in plugins/fw/tasks.py) must point at src/fw/tasks.py, where its findings are (612
    DAG files of one repository showed no finding because that mapping was missing)."""
    from migrator.migrate import bundle_source

    root = make_project({
        "dags/job.py": ("from datetime import datetime\nfrom airflow import DAG\nfrom fw.tasks import make\n\n"
                        "with DAG('job', start_date=datetime(2024, 1, 1), schedule=None) as dag:\n"
                        "    make(dag)\n"),
        "src/fw/__init__.py": "",
        "src/fw/tasks.py": "from airflow.operators.subdag import SubDagOperator\n\n\ndef make(dag):\n"
                           "    return SubDagOperator\n",
    })
    migration = migrate(root, tmp_path / "out")
    assert bundle_source(migration.after, migration.bundle, "plugins/fw/tasks.py") == "src/fw/tasks.py"
    assert bundle_source(migration.after, migration.bundle, "plugins/elsewhere.py") is None
    assert any(f.rule == "API002" and f.path == "src/fw/tasks.py" for f in migration.after.findings)
