"""Reports are written as they are made: findings become dicts one at a time, a report file is
replaced whole or not at all, and the pieces join to the same bytes as one string."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from migrator.compat import get_version

from migrator.cli.options import write_output
from migrator.config import load_settings
from migrator.engine import scan
from migrator.errors import InputError
from migrator.findings import Finding, Fix, FixSafety, Location, Severity, SharedValues
from migrator.fixes import RenameArgument, ReplaceValue
from migrator.inventory import scan_document
from migrator.reporters import FORMATS, render, render_pieces
from migrator.reporters.jsonout import Records, dumps, stream

LEGACY_DAG = """\
from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python_operator import PythonOperator

dag = DAG("legacy", schedule_interval="@daily", concurrency=4)
a = BashOperator(task_id="a", bash_command="echo a", dag=dag)
b = PythonOperator(task_id="b", python_callable=print, provide_context=True, dag=dag)
"""


@pytest.fixture
def scanned(make_project):
    root = make_project({f"dags/legacy_{i}.py": LEGACY_DAG for i in range(3)}
                        | {"requirements.txt": "apache-airflow==1.10.15\n"})
    settings = load_settings(root)
    result = scan(root, settings, get_version(None), use_cache=False)
    assert len(result.findings) > 10
    return result


def test_findings_are_made_into_dicts_only_when_read(scanned):
    made = []

    def to_json(finding):
        made.append(finding)
        return finding.to_json()

    records = Records(scanned.findings, to_json)
    assert len(records) == len(scanned.findings) and made == []
    assert records[0] == scanned.findings[0].to_json() and len(made) == 1
    assert records[1:3] == [f.to_json() for f in scanned.findings[1:3]]
    made.clear()
    pieces = stream({"findings": records})
    assert [next(pieces) for _ in range(2)] == ['{\n  "findings": ', "[\n    " + json.dumps(
        scanned.findings[0].to_json(), sort_keys=True, ensure_ascii=False)]
    assert len(made) == 1  # only the finding written so far


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_comes_in_pieces_that_join_to_the_report(scanned, fmt):
    document = scan_document(scanned)
    pieces = list(render_pieces(fmt, document, scanned.rules))
    files = len({f.path for f in scanned.findings})
    assert len(pieces) > files  # at least one piece per file, not one block
    assert "".join(pieces) == render(fmt, document, scanned.rules)


def test_json_report_of_lazy_findings_equals_the_list_document(scanned):
    document = scan_document(scanned)
    as_list = {**document, "findings": [f.to_json() for f in scanned.findings]}
    assert render("json", document, scanned.rules) == dumps(as_list)
    sarif = json.loads(render("sarif", document, scanned.rules))
    results = sarif["runs"][0]["results"]
    assert [r["partialFingerprints"]["mwaaMigrator/v1"] for r in results] == \
        [f.fingerprint for f in scanned.findings]


def test_a_report_that_fails_midway_leaves_the_earlier_file(tmp_path):
    report = tmp_path / "report.json"
    write_output(["first ", "report\n"], report)

    def failing():
        yield "half a "
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError):
        write_output(failing(), report)
    assert report.read_text() == "first report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temp file left


def test_an_unwritable_report_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match=r"file/report.json: cannot write report"):
        write_output("text", blocker / "report.json")


def test_stdout_gets_the_pieces_in_order(capsys):
    pieces = [f"{i}," for i in range(50_000)]
    write_output(iter(pieces), None)
    assert capsys.readouterr().out == "".join(pieces)


def _finding(path: str, message: str, fix: Fix | None) -> Finding:
    return Finding("API003", "removed-argument", Severity.ERROR, path, Location(3, 1, 3, 9), message, fix)


def test_shared_values_keep_one_copy_of_repeated_messages_and_fixes():
    shared = SharedValues()
    new = "max_active_tasks"  # messages made at run time, as rules make them: distinct objects
    first = _finding("dags/a.py", f"use {new}",
                     RenameArgument(safety=FixSafety.SAFE, description="rename", old="concurrency", new=new))
    second = _finding("dags/b.py", f"use {new}",
                      RenameArgument(safety=FixSafety.SAFE, description="rename", old="concurrency", new=new))
    assert first.message is not second.message and first.fix is not second.fix
    before = (first, second, hash(first), hash(second))
    shared.compact(first)
    shared.compact(second)
    assert second.message is first.message and second.fix is first.fix
    assert second.location is first.location
    assert (first, second, hash(first), hash(second)) == before  # equal values, same identity


def test_shared_values_keep_one_copy_of_what_module_summaries_repeat():
    from migrator.project import ModuleSummary

    def summary(path: str) -> ModuleSummary:  # built apart, as each arrives from its worker
        names = tuple(f"airflow.models.{name}" for name in ("DAG", "Variable"))  # new strings each call
        return ModuleSummary(path, imports=names, import_lines=((names[0], 1),),
                             references=(("variable", names[1].lower(), 9, "Variable.get"),),
                             former_ids=frozenset())
    shared = SharedValues()
    first, second = summary("dags/a.py"), summary("dags/b.py")
    assert first.imports[0] is not second.imports[0] and first.import_lines[0] is not second.import_lines[0]
    assert first.references[0][1] is not second.references[0][1] and first.former_ids is not second.former_ids
    before = (summary("dags/a.py"), summary("dags/b.py"))
    first.share_values(shared)
    second.share_values(shared)
    assert second.imports is first.imports and second.import_lines is first.import_lines
    assert second.references is first.references and second.former_ids is first.former_ids
    assert (first, second) == before  # equal values, now one copy


def test_shared_values_leave_a_fix_with_list_data_alone():
    shared = SharedValues()
    fix = ReplaceValue(safety=FixSafety.UNSAFE, description="drop", old=["a", "b"], new=[])
    finding = _finding("dags/a.py", "m", fix)
    shared.compact(finding)
    assert finding.fix is fix


def test_a_cached_scan_reports_the_same_bytes(make_project, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("MWAA_MIGRATOR_SCAN_CACHE", str(tmp_path / "cache"))
    root = make_project({f"dags/legacy_{i}.py": LEGACY_DAG for i in range(3)})
    settings = load_settings(root)
    cold = scan(root, settings, get_version(None))
    warm = scan(root, settings, get_version(None))
    assert render("json", scan_document(warm), warm.rules) == render("json", scan_document(cold), cold.rules)


def test_results_read_from_the_scan_cache_share_what_their_run_shared(make_project, monkeypatch, tmp_path: Path):
    """A run after an edit takes the other files' results from the scan cache as they were
    written, shared, without sharing them again."""
    monkeypatch.setenv("MWAA_MIGRATOR_SCAN_CACHE", str(tmp_path / "cache"))
    root = make_project({f"dags/legacy_{i}.py": LEGACY_DAG for i in range(3)})
    settings = load_settings(root)
    scan(root, settings, get_version(None))
    with (root / "dags/legacy_2.py").open("a") as handle:
        handle.write("# edited\n")
    after_edit = scan(root, settings, get_version(None))
    by_path = {path: [f for f in after_edit.findings if f.path == path and f.rule == "API001"]
               for path in ("dags/legacy_0.py", "dags/legacy_1.py")}
    first, second = by_path["dags/legacy_0.py"][0], by_path["dags/legacy_1.py"][0]
    assert first.message == second.message and first.message is second.message
    summaries = {s.path: s for s in after_edit.project.modules}
    assert summaries["dags/legacy_0.py"].imports is summaries["dags/legacy_1.py"].imports


AWKWARD = ['plain', 'quote " and \\ backslash', "tab\tnewline\ncontrol\x01", "café ✓ 🚀", "\u2028 line sep", ""]


@pytest.mark.parametrize("text", AWKWARD)
def test_a_finding_writes_itself_as_the_encoder_would(text):
    fixes = [None, RenameArgument(safety=FixSafety.SAFE, description=text, old="a", new=text),
             ReplaceValue(safety=FixSafety.UNSAFE, description="d", old=[text, "b"], new={"z": 1, "a": [text]}),
             ReplaceValue(safety=FixSafety.SAFE, description="unsorted data as given", old={"y": 2, "b": None},
                          new=None, attribute=True)]
    for fix in fixes:
        finding = Finding("API003", text or "name", Severity.WARNING, f"dags/{text}.py",
                          Location(3, 7, 4, 12), text, fix, fingerprint=text)
        assert finding.json_text() == json.dumps(finding.to_json(), sort_keys=True, ensure_ascii=False)


def test_every_finding_of_a_scan_writes_itself_as_the_encoder_would(scanned):
    for finding in scanned.findings:
        assert finding.json_text() == json.dumps(finding.to_json(), sort_keys=True, ensure_ascii=False)
