"""API021 before/after: the group ids Airflow 3 rejects, fixed as ``migrate`` fixes them (the
unsafe fix is required: the file cannot load without it), and the ids it must leave to a human.

test_task_group_id_airflow.py loads the fixed files in a real Airflow 2.11.2 and 3.3.1.
"""

from __future__ import annotations

import textwrap

from migrator.compat import get_version, task_group_ids

from migrator.config import Settings
from migrator.engine import scan
from migrator.findings import Severity
from migrator.fix import apply_plan, plan_fixes


def migrated(make_project, code: str, target: str = "3.3.1"):
    """(API021 findings of the file before, its text after ``migrate``'s fixes)."""
    root = make_project({"dags/d.py": textwrap.dedent(code)})
    settings = Settings(select=("API021",))
    version = get_version(target)
    result = scan(root, settings, version, jobs=1, use_cache=False)
    apply_plan(root, plan_fixes(root, settings, version, required=True, jobs=1, result=result))
    return list(result.findings), (root / "dags" / "d.py").read_text()


GROUPS = """\
    from airflow.sdk import TaskGroup

    copy = TaskGroup(group_id='Copy-Spark-3.5', prefix_group_id=False)
    daily = TaskGroup("load daily")
"""


def test_literal_ids_get_underscores_and_keep_their_quotes(make_project):
    findings, text = migrated(make_project, GROUPS)
    assert [(f.location.line, f.severity, f.fix.safety.value, f.fix.required) for f in findings] == [
        (3, Severity.ERROR, "unsafe", True), (4, Severity.ERROR, "unsafe", True)]
    assert "Airflow 2 did not check it because of prefix_group_id=False" in findings[0].message
    assert "prefix_group_id" not in findings[1].message
    assert text == textwrap.dedent(GROUPS).replace("'Copy-Spark-3.5'", "'Copy-Spark-3_5'").replace(
        '"load daily"', '"load_daily"')


def test_an_id_over_the_limit_is_cut_to_it(make_project):
    limit = task_group_ids().max_length
    code = f'from airflow.utils.task_group import TaskGroup\n\ngroup = TaskGroup("{"a" * (limit + 5)}")\n'
    findings, text = migrated(make_project, code)
    assert len(findings) == 1 and f"at most {limit} characters" in findings[0].message
    assert f'TaskGroup("{"a" * limit}")' in text


RUNTIME = """\
    from airflow.utils.task_group import TaskGroup

    def build(region, name):
        versioned = TaskGroup(group_id=f"agg-{region}-Spark-3.5")
        suffixed = TaskGroup(group_id=name + ".daily", prefix_group_id=False)
        adopted = TaskGroup(group_id=name, prefix_group_id=False)
        checked_by_airflow_2 = TaskGroup(group_id=name)
        return versioned, suffixed, adopted, checked_by_airflow_2
"""


def test_ids_built_at_runtime_are_reported_without_a_fix(make_project):
    findings, text = migrated(make_project, RUNTIME)
    assert [(f.location.line, f.severity, f.fix) for f in findings] == [
        (4, Severity.ERROR, None), (5, Severity.ERROR, None), (6, Severity.WARNING, None)]
    assert "'-Spark-3.5'" in findings[0].message
    assert "'.daily'" in findings[1].message and "prefix_group_id=False" in findings[1].message
    assert text == textwrap.dedent(RUNTIME)


def test_airflow_2_targets_are_not_checked(make_project):
    findings, text = migrated(make_project, GROUPS, target="2.11.2")
    assert findings == [] and text == textwrap.dedent(GROUPS)
