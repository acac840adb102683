"""The command line as a user meets it: exit codes, formats, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from migrator.cli import main

LEGACY = {
    "dags/py2.py": 'print "hello"\n',
    "dags/binary.py": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00",
    "dags/latin.py": b"name = 'caf\xe9'\n",
    "dags/ok_latin.py": b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n",
}


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_directory_exits_2_with_one_line(capsys):
    code, out, err = run(["scan", "/no/such/dir"], capsys)
    assert code == 2
    assert err.strip().splitlines() == ["migrator: error: /no/such/dir: no such directory"]
    assert "Traceback" not in err + out


def test_unknown_target_exits_2_and_lists_versions(make_project, capsys):
    root = make_project({"dags/a.py": "x = 1\n"})
    code, _, err = run(["scan", str(root), "--target", "1.9.0"], capsys)
    assert code == 2
    assert "3.3.1" in err and len(err.strip().splitlines()) == 1


def test_hostile_files_give_mig_findings_not_tracebacks(make_project, capsys):
    root = make_project(LEGACY)
    code, out, err = run(["scan", str(root), "--format", "json"], capsys)
    assert code == 1
    assert "Traceback" not in err
    findings = json.loads(out)["findings"]
    by_path = {f["path"]: f["rule"] for f in findings}
    assert by_path == {"dags/py2.py": "MIG002", "dags/binary.py": "MIG003", "dags/latin.py": "MIG003"}


def test_json_output_is_byte_identical_across_runs(make_project, capsys):
    root = make_project(LEGACY)
    first = run(["scan", str(root), "-f", "json"], capsys)[1]
    second = run(["scan", str(root), "-f", "json", "--jobs", "2"], capsys)[1]
    assert first == second
    doc = json.loads(first)
    assert set(doc) == {"schema_version", "tool", "target", "inventory", "findings", "summary"}
    assert set(doc["target"]) == {"mwaa_version", "airflow_version", "python_version"}
    finding = doc["findings"][0]
    assert {"rule", "name", "severity", "path", "line", "column", "end_line", "end_column",
            "message", "fix", "fingerprint"} <= set(finding)
    assert doc["summary"]["by_severity"] == {"error": 3, "warning": 0, "info": 0}


def test_fingerprints_survive_line_moves(make_project, capsys):
    root = make_project({"dags/py2.py": 'print "hello"\n'})
    before = json.loads(run(["scan", str(root), "-f", "json"], capsys)[1])["findings"][0]
    (root / "dags/py2.py").write_text('# a new comment\n\nprint "hello"\n')
    after = json.loads(run(["scan", str(root), "-f", "json"], capsys)[1])["findings"][0]
    assert before["line"] != after["line"]
    assert before["fingerprint"] == after["fingerprint"]


def test_fail_on_and_select(make_project, capsys):
    root = make_project(LEGACY)
    assert run(["scan", str(root), "--fail-on", "never"], capsys)[0] == 0
    code, out, _ = run(["scan", str(root), "--select", "MIG002", "-f", "json"], capsys)
    assert code == 1 and {f["rule"] for f in json.loads(out)["findings"]} == {"MIG002"}
    code, out, _ = run(["scan", str(root), "--ignore", "MIG", "-f", "json"], capsys)
    assert code == 0 and json.loads(out)["findings"] == []


def test_per_path_ignores_and_inline_suppression(make_project, capsys):
    root = make_project({
        **LEGACY,
        "pyproject.toml": '[tool.migrator]\nper-path-ignores = { "dags/py2.py" = ["MIG002"] }\n',
    })
    rules = {f["rule"] + f["path"] for f in json.loads(run(["scan", str(root), "-f", "json"], capsys)[1])["findings"]}
    assert "MIG002dags/py2.py" not in rules and "MIG003dags/latin.py" in rules


def test_text_output_is_plain_without_tty(make_project, capsys):
    root = make_project(LEGACY)
    _, out, _ = run(["scan", str(root)], capsys)
    assert "\x1b[" not in out
    assert "dags/py2.py" in out and "MIG002" in out
    assert out.strip().splitlines()[-1].startswith("3 findings (3 errors")


def test_output_file(make_project, tmp_path, capsys):
    root = make_project(LEGACY)
    report = tmp_path / "out" / "report.md"
    run(["scan", str(root), "-f", "markdown", "-o", str(report)], capsys)
    text = report.read_text()
    assert text.startswith("## MWAA migration scan") and "`MIG002`" in text


def test_injected_rule_crash_exits_3_and_reports(make_project):
    from migrator.compat import get_version

    from migrator.config import Settings
    from migrator.engine import scan

    root = make_project({"dags/a.py": "import os\n"})
    result = scan(root, Settings(), get_version(None), crash="MIG001")
    assert result.crashed
    assert [f.rule for f in result.findings] == ["MIG005"]


def test_rules_and_explain(capsys):
    code, out, _ = run(["rules", "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0 and {"MIG001", "MIG002"} <= {r["id"] for r in rows}
    code, out, _ = run(["explain", "python2-source"], capsys)
    assert code == 0 and "## Why it matters on MWAA" in out
    code, _, err = run(["explain", "NOPE999"], capsys)
    assert code == 2 and "unknown rule" in err


def test_console_script_runs_as_module():
    proc = subprocess.run([sys.executable, "-m", "migrator", "--version"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0 and "migrator" in proc.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown"])
def test_every_format_renders_a_project_without_findings(make_project, capsys, fmt):
    root = make_project({"dags/constants.py": "RETRIES = 2\n"})
    code, out, err = run(["scan", str(root), "-f", fmt], capsys)
    assert code == 0 and out and not err


def test_warm_scan_uses_cache_and_sees_changes(make_project, capsys, monkeypatch):
    from migrator import engine

    root = make_project({"dags/a.py": 'print "x"\n', "dags/b.py": "x = 1\n"})
    cold = run(["scan", str(root), "-f", "json"], capsys)[1]
    analysed = []
    original = engine.analyse_file
    monkeypatch.setattr(engine, "analyse_file", lambda root, rel, *a: analysed.append(rel) or original(root, rel, *a))
    warm = run(["scan", str(root), "-f", "json"], capsys)[1]
    assert warm == cold and analysed == []
    (root / "dags/b.py").write_text('print "now py2"\n')
    changed = json.loads(run(["scan", str(root), "-f", "json"], capsys)[1])
    assert analysed == ["dags/b.py"]
    assert {f["path"] for f in changed["findings"]} == {"dags/a.py", "dags/b.py"}
    run(["scan", str(root), "--no-cache"], capsys)
    assert analysed == ["dags/b.py", "dags/a.py", "dags/b.py"]


def test_warm_scan_takes_helper_modules_outside_the_dag_folder_from_the_cache(make_project, capsys, monkeypatch):
    from migrator import engine

    root = make_project({"dags/a.py": "from airflow import DAG\nfrom include.helpers import build\n",
                         "include/__init__.py": "", "include/helpers.py": 'print "py2"\ndef build(): pass\n'})
    cold = run(["scan", str(root), "-f", "json"], capsys)[1]
    assert "include/helpers.py" in {f["path"] for f in json.loads(cold)["findings"]}
    analysed = []
    original = engine.analyse_file
    monkeypatch.setattr(engine, "analyse_file", lambda root, rel, *a: analysed.append(rel) or original(root, rel, *a))
    assert run(["scan", str(root), "-f", "json"], capsys)[1] == cold and analysed == []
    (root / "include/helpers.py").write_text("def build(): pass\n")
    changed = json.loads(run(["scan", str(root), "-f", "json"], capsys)[1])
    assert analysed == ["include/helpers.py"]
    assert "include/helpers.py" not in {f["path"] for f in changed["findings"]}


def test_a_command_runs_with_the_relaxed_collector_and_gives_the_callers_back(make_project, capsys, monkeypatch):
    import gc

    from migrator import engine
    from migrator.workers import RELAXED_THRESHOLDS

    seen = []
    real_scan = engine.scan
    monkeypatch.setattr(engine, "scan", lambda *args, **kwargs: seen.append(gc.get_threshold())
                        or real_scan(*args, **kwargs))
    callers = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # the interpreter's defaults, whatever ran in this process before
    try:
        code, _, _ = run(["scan", str(make_project({"dags/a.py": "x = 1\n"})), "--no-cache"], capsys)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*callers)
    assert code == 0 and seen == [RELAXED_THRESHOLDS]


def test_what_a_command_loads_from_its_caches_is_frozen_until_it_ends(make_project, capsys, monkeypatch, tmp_path):
    """A scan's caches load millions of objects without cycles: frozen in a command, so the
    collector never walks them, and handed back when it ends; a library caller's are not."""
    import gc

    from migrator.compat import newest_version

    from migrator import cache, engine
    from migrator.config import Settings

    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path / "cache"))
    root = make_project({"dags/a.py": "x = 1\n", "dags/b.py": "y = 2\n"})
    assert run(["scan", str(root)], capsys)[0] == 0
    frozen_after_loading = []
    real_merge = engine.merge_root_causes  # called once the scan cache is loaded

    def merge(*args, **kwargs):
        frozen_after_loading.append(gc.get_freeze_count())
        return real_merge(*args, **kwargs)

    monkeypatch.setattr(engine, "merge_root_causes", merge)
    gc.unfreeze()
    (root / "dags" / "a.py").write_text("x = 3\n")  # the run memo misses, the scan cache loads
    assert run(["scan", str(root)], capsys)[0] == 0
    assert frozen_after_loading[-1] > 0 and gc.get_freeze_count() == 0  # frozen, then handed back
    (root / "dags" / "a.py").write_text("x = 4\n")
    engine.scan(root, Settings(), newest_version(), jobs=1)
    assert frozen_after_loading[-1] == 0 and gc.get_freeze_count() == 0


def test_the_process_entry_point_returns_the_commands_exit_code_and_freezes_what_it_leaves(
        make_project, monkeypatch, capsys):
    import gc

    from migrator.cli import entry

    monkeypatch.setattr(sys, "argv", ["migrator", "scan", str(make_project({"dags/a.py": "x = 1\n"})),
                                      "--fail-on", "info", "--no-cache"])
    gc.unfreeze()
    try:
        assert entry() == 0
        assert gc.get_freeze_count() > 0  # the process exits next: no last pass over its objects
    finally:
        gc.unfreeze()
