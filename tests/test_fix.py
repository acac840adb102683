"""``plan_fixes``/``apply_plan`` on findings built here: grouping, safety, reasons, guards, diff.

The rules' own findings drive the end-to-end tests (test_fix_project.py); these pin down the
orchestration with findings whose fixes are known exactly. The in-memory rescan runs only the
MIG rules here, so nothing but the findings below is in play.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest
from migrator.codemods import FIX_TYPES, FileResult
from migrator.compat import get_version

from migrator import fix as fix_module
from migrator.config import Settings
from migrator.engine import build_index, scan
from migrator.findings import Finding, FixSafety, Location, Severity, finalize
from migrator.fix import apply_plan, effective_safety, plan_fixes
from migrator.fixes import RemoveArgument

SETTINGS = Settings(select=("MIG",))
TARGET = get_version(None)

DAG = '''from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator

with DAG("d", schedule_interval="@daily", concurrency=2) as dag:
    t = DummyOperator(task_id="t", provide_context=True)
'''

PLUGIN = '''from airflow.plugins_manager import AirflowPlugin
from airflow.models import BaseOperator


class MyOperator(BaseOperator):
    pass


class MyPlugin(AirflowPlugin):
    name = "mine"
    operators = [MyOperator]
'''


def span(code: str, text: str) -> Location:
    offset = code.index(text)
    line = code.count("\n", 0, offset) + 1
    column = offset - (code.rfind("\n", 0, offset) + 1) + 1
    end = offset + len(text)
    end_line = code.count("\n", 0, end) + 1
    return Location(line, column, end_line, end - (code.rfind("\n", 0, end) + 1) + 1)


def finding(path: str, code: str, at: str, kind: str | None, *, rule: str = "API901",
            safety: FixSafety = FixSafety.SAFE, **params) -> Finding:
    fix = FIX_TYPES[kind](safety=safety, description=f"{kind} fix", **params) if kind else None
    return Finding(rule, "test-rule", Severity.ERROR, path, span(code, at), f"{rule} at {at}", fix, at)


def plan(root, findings, **kwargs):
    result = scan(root, SETTINGS, TARGET, jobs=1, use_cache=False)
    result = dataclasses.replace(result, findings=finalize(findings))
    return plan_fixes(root, SETTINGS, TARGET, result=result, **kwargs)


def dag_findings(path="dags/d.py", code=DAG):
    return [
        finding(path, code, "schedule_interval", "rename-argument", old="schedule_interval", new="schedule"),
        finding(path, code, "concurrency=2", "rename-argument", rule="API902", old="concurrency",
                new="max_active_tasks"),
        finding(path, code, "provide_context=True", "remove-argument", rule="API903", safety=FixSafety.UNSAFE,
                name="provide_context"),
        finding(path, code, "DummyOperator", "replace-import", rule="API904",
                old="airflow.operators.dummy_operator.DummyOperator",
                new="airflow.providers.standard.operators.empty.EmptyOperator"),
        finding(path, code, "with DAG", None, rule="API905"),
    ]


def test_safe_fixes_are_planned_and_the_rest_is_explained(make_project):
    root = make_project({"dags/d.py": DAG, "dags/clean.py": "x = 1\n"})
    result = plan(root, dag_findings())
    assert set(result.files) == {"dags/d.py"}
    old, new = result.files["dags/d.py"]
    assert old == DAG.encode()
    assert new.decode() == DAG.replace("schedule_interval", "schedule").replace("concurrency=2", "max_active_tasks=2") \
        .replace("airflow.operators.dummy_operator import DummyOperator",
                 "airflow.providers.standard.operators.empty import EmptyOperator") \
        .replace("DummyOperator(", "EmptyOperator(")
    assert result.fixed == {"API901": 1, "API902": 1, "API904": 1}
    assert [f.rule for f in result.remaining] == ["API905", "API903"]
    reasons = {f.rule: result.reason(f) for f in result.remaining}
    assert reasons["API905"] == "no automatic fix"
    assert reasons["API903"].startswith("unsafe fix available (--unsafe)")
    assert [f.rule for f in result.unsafe_available()] == ["API903"]
    assert (root / "dags/d.py").read_text() == DAG  # planning writes nothing


def test_unsafe_adds_unsafe_fixes(make_project):
    root = make_project({"dags/d.py": DAG})
    result = plan(root, dag_findings(), unsafe=True)
    assert result.fixed["API903"] == 1
    assert b"provide_context" not in result.files["dags/d.py"][1]
    assert [f.rule for f in result.remaining] == ["API905"]


def test_apply_writes_the_plan_and_the_file_without_findings_is_untouched(make_project):
    root = make_project({"dags/d.py": DAG, "dags/clean.py": "x = 1\n"})
    clean_stat = (root / "dags/clean.py").stat()
    result = plan(root, dag_findings())
    assert apply_plan(root, result) == ["dags/d.py"]
    assert (root / "dags/d.py").read_bytes() == result.files["dags/d.py"][1]
    after = (root / "dags/clean.py").stat()
    assert (after.st_ino, after.st_mtime_ns) == (clean_stat.st_ino, clean_stat.st_mtime_ns)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_diff_applies_with_git_apply(make_project, tmp_path):
    root = make_project({"dags/d.py": DAG, "dags/crlf.py": DAG.replace("\n", "\r\n")})
    crlf = DAG.replace("\n", "\r\n")
    result = plan(root, dag_findings() + dag_findings("dags/crlf.py", crlf))
    patch = tmp_path / "fix.diff"
    patch.write_bytes(result.diff().encode())
    subprocess.run(["git", "apply", "--whitespace=nowarn", str(patch)], cwd=root, check=True)
    for path, (_, new) in result.files.items():
        assert (root / path).read_bytes() == new
    assert (root / "dags/crlf.py").read_bytes().count(b"\r\n") == crlf.count("\r\n")


def test_colored_diff_marks_lines_and_plain_diff_has_no_escapes(make_project):
    root = make_project({"dags/d.py": DAG})
    result = plan(root, dag_findings())
    assert "\x1b[" not in result.diff()
    colored = result.diff(color=True)
    assert "\x1b[31m-with DAG" in colored and "\x1b[32m+with DAG" in colored


def test_encoding_and_bom_survive(make_project):
    latin = "# -*- coding: latin-1 -*-\n# Andr\u00e9's DAG\n" + DAG
    root = make_project({"dags/latin.py": latin.encode("latin-1"),
                         "dags/bom.py": b"\xef\xbb\xbf" + DAG.encode()})
    result = plan(root, dag_findings("dags/latin.py", latin) + dag_findings("dags/bom.py"))
    assert result.files["dags/latin.py"][1].decode("latin-1").startswith("# -*- coding: latin-1 -*-\n# Andr\u00e9")
    assert result.files["dags/bom.py"][1].startswith(b"\xef\xbb\xbffrom airflow import DAG")


def test_refused_fix_stays_with_its_reason(make_project):
    root = make_project({"dags/d.py": DAG})
    wrong = finding("dags/d.py", DAG, "with DAG", "rename-argument", old="catchup", new="x")
    result = plan(root, [wrong])
    assert result.files == {}
    assert result.reason(result.remaining[0]).startswith("fix not applied: no argument 'catchup' at line 4")


def test_a_codemod_result_that_does_not_parse_is_never_planned(make_project, monkeypatch):
    root = make_project({"dags/d.py": DAG})
    monkeypatch.setattr(fix_module.codemods, "apply_edits",
                        lambda text, edits: FileResult("def broken(:\n", {e.key for e in edits}))
    result = plan(root, dag_findings())
    assert result.files == {} and sum(result.fixed.values()) == 0
    attempted = [f for f in result.remaining if effective_safety(f) is FixSafety.SAFE]
    assert len(attempted) == 3
    assert all("would not parse (line 1" in result.reason(f) for f in attempted)


def test_template_file_context_keys_are_rewritten_on_the_finding_lines(make_project):
    sql = "select *\nfrom sales\nwhere day = '{{ execution_date | ds }}'\n  and x = '{{ execution_date }}'\n"
    root = make_project({"dags/sql/load.sql": sql, "dags/d.py": DAG})
    found = [finding("dags/sql/load.sql", sql, "{{ execution_date | ds }}", "replace-context-key",
                     old="execution_date", new="logical_date"),
             finding("dags/sql/load.sql", sql, "'{{ execution_date }}'", "replace-context-key",
                     old="next_ds", new="data_interval_end | ds")]
    result = plan(root, found)
    assert result.files["dags/sql/load.sql"][1].decode() == sql.replace(
        "{{ execution_date | ds }}", "{{ logical_date | ds }}")
    assert result.fixed == {"API901": 1}
    assert "no template read" in result.reason(result.remaining[0])


def test_fix_kind_without_a_fixer_for_the_file_type_stays(make_project):
    reqs = "apache-airflow==1.10.15\n"
    root = make_project({"requirements.txt": reqs, "dags/d.py": DAG})
    result = plan(root, [finding("requirements.txt", reqs, "apache-airflow==1.10.15", "rename-argument",
                                 old="a", new="b")])
    assert result.files == {}
    assert "no fixer for 'rename-argument'" in result.reason(result.remaining[0])


def test_effective_safety_is_the_stricter_of_rule_and_codemod(monkeypatch):
    safe = Finding("API1", "n", Severity.ERROR, "a.py", Location(), "m",
                   RemoveArgument(safety=FixSafety.SAFE, description="d", name="x"))
    assert effective_safety(safe) is FixSafety.SAFE
    monkeypatch.setattr(fix_module.codemods.remove_argument, "SAFETY", FixSafety.UNSAFE)
    assert effective_safety(safe) is FixSafety.UNSAFE
    assert effective_safety(dataclasses.replace(safe, fix=None)) is FixSafety.NONE


def test_symlinked_files_are_left_out_of_the_plan_with_the_reason(make_project):
    root = make_project({"dags/real.py": DAG})
    (root / "dags" / "link.py").symlink_to(root / "dags" / "real.py")
    result = plan(root, dag_findings("dags/link.py") + dag_findings("dags/real.py"))
    assert set(result.files) == {"dags/real.py"}
    link_reasons = {result.reason(f) for f in result.remaining if f.path == "dags/link.py" and f.rule != "API903"}
    symlink = ("fix not applied: dags/link.py is reached through a symlink; "
               "fixes are never written through symlinks")
    assert link_reasons == {"no automatic fix", symlink}


class _Unpicklable(str):
    """Fix data a rule might build: a string, but unpickling it fails."""

    def __reduce__(self):
        return _refuse, (str(self),)


def _refuse(text: str) -> str:
    raise TypeError(f"cannot rebuild {text!r}")


def test_many_modules_are_fixed_in_worker_processes_with_the_same_result(make_project):
    files = {f"dags/d{i}.py": DAG for i in range(fix_module.PARALLEL_MODULES + 2)}
    root = make_project(files)
    findings = [f for path in files for f in dag_findings(path)]
    parallel = plan(root, findings, jobs=2)
    serial = plan(root, findings, jobs=1)
    assert parallel.files == serial.files and len(parallel.files) == len(files)
    assert parallel.fixed == serial.fixed
    assert [(f.rule, f.path) for f in parallel.remaining] == [(f.rule, f.path) for f in serial.remaining]


def test_fix_data_that_does_not_pickle_is_fixed_in_process(make_project):
    files = {f"dags/d{i}.py": DAG for i in range(fix_module.PARALLEL_MODULES + 2)}
    root = make_project(files)
    findings = [dataclasses.replace(f, fix=dataclasses.replace(f.fix, description=_Unpicklable(f.fix.description)))
                if f.fix else f for path in files for f in dag_findings(path)]
    assert not fix_module._picklable(findings)
    result = plan(root, findings, jobs=2)
    assert len(result.files) == len(files)


def test_the_rescan_of_fixed_code_reads_the_index_the_scan_read(make_project):
    """The rescan derives the project index from the scan's fact cache, cold or remembered:
    the same index a build from nothing gives (a plugin's exports in it here)."""
    root = make_project({"dags/d.py": DAG, "plugins/p.py": PLUGIN})
    for _ in range(2):  # the second scan is the remembered run
        result = scan(root, Settings(), TARGET, jobs=1)
        rescanner = fix_module._Rescanner.for_scan(result, Settings(), TARGET)
        fresh = build_index(result.workspace)
        assert rescanner.ctx.index.fingerprint == fresh.fingerprint
        assert fresh.plugin_exports


def test_a_scan_reports_fixes_without_importing_libcst():
    # The codemods import LibCST (a third of a second); a scan only reports fixes, so the fix
    # kinds (migrator.fixes) and every rule must import without it.
    import subprocess
    import sys

    code = ("import sys; import migrator.engine, migrator.fixes, migrator.rules;"
            "migrator.rules.all_rules(); print('libcst' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
