"""Every edit of a file in one pass: formatting, comments and newlines survive; the registry."""

from __future__ import annotations

import difflib

import pytest
from codemod_cases import edit, fix, source, span

from migrator import codemods
from migrator.findings import ConfigFix, FixSafety

LEGACY_DAG = source('''
    """Nightly load (written for Airflow 1.10)."""
    from datetime import timedelta

    from airflow import DAG
    from airflow.operators.bash_operator import BashOperator  # shell steps
    from airflow.operators.dummy_operator import DummyOperator
    from airflow.utils.dates import days_ago

    # Owner and retries for every task.
    default_args = {
        "owner": "data",
        "start_date": days_ago(2),
        "provide_context": True,
        "retries": 2,   # odd spacing kept
    }

    with DAG(
        dag_id="nightly",
        schedule_interval="@daily",  # every night
        default_args=default_args,
        concurrency=4,
    ) as dag:
        start = DummyOperator(task_id="start")
        load = BashOperator(task_id="load", bash_command="load.sh {{ execution_date }}")
        start >> load
''')

EXPECTED = source('''
    """Nightly load (written for Airflow 1.10)."""
    from datetime import timedelta

    from airflow import DAG
    from airflow.providers.standard.operators.bash import BashOperator  # shell steps
    from airflow.providers.standard.operators.empty import EmptyOperator
    import pendulum

    # Owner and retries for every task.
    default_args = {
        "owner": "data",
        "start_date": pendulum.today("UTC").add(days=-2),
        "retries": 2,   # odd spacing kept
    }

    with DAG(
        dag_id="nightly",
        schedule="@daily",  # every night
        default_args=default_args,
        max_active_tasks=4,
    ) as dag:
        start = EmptyOperator(task_id="start")
        load = BashOperator(task_id="load", bash_command="load.sh {{ logical_date }}")
        start >> load
''')


def legacy_edits(code: str) -> list:
    return [
        edit(code, "replace-import", "BashOperator", old="airflow.operators.bash_operator.BashOperator",
             new="airflow.providers.standard.operators.bash.BashOperator"),
        edit(code, "replace-import", "DummyOperator", old="airflow.operators.dummy_operator.DummyOperator",
             new="airflow.providers.standard.operators.empty.EmptyOperator"),
        edit(code, "days-ago", "days_ago(2)", old="airflow.utils.dates.days_ago"),
        edit(code, "remove-argument", '"provide_context": True', name="provide_context"),
        edit(code, "rename-argument", "schedule_interval", old="schedule_interval", new="schedule"),
        edit(code, "rename-argument", "concurrency=4", old="concurrency", new="max_active_tasks"),
        edit(code, "replace-context-key", '"load.sh {{ execution_date }}"', old="execution_date",
             new="logical_date"),
    ]


def test_a_legacy_dag_is_fixed_in_one_pass():
    result = fix(LEGACY_DAG, *legacy_edits(LEGACY_DAG))
    assert result.refused == {}
    assert result.text == EXPECTED


def test_only_the_lines_with_findings_change():
    result = fix(LEGACY_DAG, *legacy_edits(LEGACY_DAG))
    matcher = difflib.SequenceMatcher(None, LEGACY_DAG.splitlines(), result.text.splitlines(), autojunk=False)
    old_lines = LEGACY_DAG.splitlines()
    changed = [old_lines[i] for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal" for i in range(i1, i2)]
    assert [line.strip() for line in changed] == [
        "from airflow.operators.bash_operator import BashOperator  # shell steps",
        "from airflow.operators.dummy_operator import DummyOperator",
        "from airflow.utils.dates import days_ago",
        '"start_date": days_ago(2),',
        '"provide_context": True,',
        'schedule_interval="@daily",  # every night',
        "concurrency=4,",
        'start = DummyOperator(task_id="start")',
        'load = BashOperator(task_id="load", bash_command="load.sh {{ execution_date }}")',
    ]


def test_crlf_newlines_and_tab_indentation_are_kept():
    code = LEGACY_DAG.replace("    ", "\t").replace("\n", "\r\n")
    result = fix(code, *legacy_edits(code))
    assert result.refused == {}
    assert result.text == EXPECTED.replace("    ", "\t").replace("\n", "\r\n")


def test_unparseable_module_refuses_every_edit():
    code = "print 'python 2'\n"
    one = edit(code, "remove-argument", "print", name="x")
    result = codemods.apply_edits(code, [one])
    assert result.text == code and "cannot parse" in result.refused[one.key]


def test_a_fix_no_codemod_applies_is_refused_and_others_still_apply():
    code = "f(provide_context=True)\n"
    config = ConfigFix(safety=FixSafety.SAFE, description="drop core.x", action="drop", option="core.x")
    unknown = codemods.Edit("config", config, span(code, "f"))
    known = edit(code, "remove-argument", "provide_context=True", name="provide_context")
    result = fix(code, unknown, known)
    assert result.text == "f()\n"
    assert "no codemod" in result.refused[unknown.key] and result.applied == {known.key}


def test_no_edits_returns_the_text_untouched():
    assert codemods.apply_edits(LEGACY_DAG, []).text == LEGACY_DAG


@pytest.mark.parametrize("kind", sorted(codemods.FIX_TYPES))
def test_each_codemod_declares_its_kind_safety_and_why(kind):
    fix_type = codemods.FIX_TYPES[kind]
    module = codemods.CODEMODS[fix_type]
    # the fix kind is data a scan imports without LibCST; its docstring names its codemod
    assert fix_type.__module__ == "migrator.fixes"
    assert (fix_type.__doc__ or "").startswith(f"codemods/{module.__name__.rpartition('.')[2]}.py: ")
    assert module.SAFETY in (FixSafety.SAFE, FixSafety.UNSAFE)
    assert module.RATIONALE
    doc = module.__doc__ or ""
    assert f"``{kind}``" in doc and ("Safe" in doc or "Unsafe" in doc)


def test_every_fix_kind_in_the_architecture_notes_has_a_codemod():
    from conftest import REPO

    notes = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    from migrator.findings import ConfigFix, RequirementsFix

    documented = {line.split("`")[1] for line in notes.splitlines() if line.startswith("| `")}
    # Whole-file kinds are documented beside the codemods but applied by their own steps.
    elsewhere = {RequirementsFix.kind, ConfigFix.kind}
    assert documented - elsewhere == set(codemods.FIX_TYPES)
    assert elsewhere <= documented
