"""``migrator fix`` as a user meets it: diff on stdout, summary on stderr, exit codes, --apply.

The scan is given findings built here (see test_fix.py) so each case knows exactly what is
fixable; test_fix_project.py runs the command on real rules' findings.
"""

from __future__ import annotations

import dataclasses

import pytest
from test_fix import DAG, dag_findings

from migrator import fix as fix_module
from migrator.cli import main
from migrator.engine import scan as real_scan
from migrator.findings import finalize


@pytest.fixture
def scan_finds(monkeypatch):
    """Make the fix command's scan report the given findings (plus nothing else)."""

    def install(findings, crashed=False):
        def fake_scan(root, settings, target, **kwargs):
            # The in-memory rescan after a fix runs the selected rules: tests select MIG only.
            assert settings.select == ("MIG",)
            result = real_scan(root, settings, target, jobs=1, use_cache=False)
            return dataclasses.replace(result, findings=finalize(findings), crashed=crashed)

        monkeypatch.setattr(fix_module, "scan", fake_scan)

    return install


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_prints_diff_and_summary_and_exits_1(make_project, scan_finds, capsys):
    root = make_project({"dags/d.py": DAG})
    scan_finds(dag_findings())
    code, out, err = run(["fix", str(root), "--select", "MIG"], capsys)
    assert code == 1
    assert out.startswith("--- a/dags/d.py\n+++ b/dags/d.py\n@@")
    assert "-with DAG(\"d\", schedule_interval=\"@daily\", concurrency=2) as dag:" in out
    assert "+with DAG(\"d\", schedule=\"@daily\", max_active_tasks=2) as dag:" in out
    assert "\x1b[" not in out  # not a terminal: no color
    assert err.splitlines() == [
        "Would fix 3 finding(s) in 1 file(s):",
        "  API901  1",
        "  API902  1",
        "  API904  1",
        "2 finding(s) need a human (`migrator scan` lists them):",
        "  API903 test-rule  1  (unsafe fix available (--unsafe): remove-argument fix)",
        "  API905 test-rule  1  (no automatic fix)",
        "1 of them have unsafe fixes: run with --unsafe and review the diff.",
        "Run again with --apply to write these changes.",
    ]
    assert (root / "dags/d.py").read_text() == DAG


def test_apply_writes_and_exits_0(make_project, scan_finds, capsys):
    root = make_project({"dags/d.py": DAG})
    scan_finds(dag_findings())
    code, out, err = run(["fix", str(root), "--apply", "--unsafe", "--no-diff", "--select", "MIG"], capsys)
    assert code == 0 and out == ""
    assert err.startswith("Fixed 4 finding(s) in 1 file(s):")
    text = (root / "dags/d.py").read_text()
    assert "provide_context" not in text and "schedule=" in text and "EmptyOperator" in text


def test_nothing_to_fix_exits_0(make_project, scan_finds, capsys):
    root = make_project({"dags/d.py": DAG})
    scan_finds([])
    code, out, err = run(["fix", str(root), "--select", "MIG"], capsys)
    assert (code, out, err) == (0, "", "Nothing to fix automatically.\n")


def test_quiet_prints_only_the_diff(make_project, scan_finds, capsys):
    root = make_project({"dags/d.py": DAG})
    scan_finds(dag_findings())
    code, out, err = run(["fix", str(root), "-q", "--select", "MIG"], capsys)
    assert code == 1 and out.startswith("--- a/") and err == ""


def test_write_failure_is_one_line_naming_the_file(make_project, scan_finds, capsys, monkeypatch):
    import os

    root = make_project({"dags/d.py": DAG})
    scan_finds(dag_findings())

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    code, out, err = run(["fix", str(root), "--apply", "--no-diff", "--select", "MIG"], capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == ("migrator: error: dags/d.py: cannot write the fixed file "
                                            "(No space left on device); every file was left as it was")
    assert (root / "dags" / "d.py").read_text() == DAG


def test_bad_path_and_bad_target_exit_2(make_project, capsys):
    code, _, err = run(["fix", "/no/such/dir"], capsys)
    assert code == 2 and err.strip() == "migrator: error: /no/such/dir: no such directory"
    root = make_project({"dags/d.py": DAG})
    code, _, err = run(["fix", str(root), "--target", "1.9.0"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_a_crashed_rule_exits_3_after_fixing_what_it_could(make_project, scan_finds, capsys):
    root = make_project({"dags/d.py": DAG})
    scan_finds(dag_findings(), crashed=True)
    code, out, err = run(["fix", str(root), "--apply", "--no-diff", "--select", "MIG"], capsys)
    assert (code, out) == (3, "") and err.startswith("Fixed 3 finding(s)")
    assert "schedule=" in (root / "dags" / "d.py").read_text()
