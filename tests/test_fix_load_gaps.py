"""Patterns that kept real DAG files from loading after ``migrate`` (issue #18), as synthetic
before/after cases: each is scanned and fixed with the fixes ``migrate`` applies (safe ones and
the required unsafe ones), and the fixed text is compared whole.

test_fix_load_gaps_airflow.py loads the same fixed files in a real Airflow.
"""

from __future__ import annotations

import textwrap

import pytest
from migrator.compat import get_version, removed_helper

from migrator.config import Settings
from migrator.engine import scan
from migrator.fix import apply_plan, plan_fixes


def fixed(make_project, code: str, target: str, select: tuple[str, ...] = ("API",)):
    """(findings of the file before, its text after ``migrate``'s fixes)."""
    root = make_project({"dags/d.py": textwrap.dedent(code)})
    settings = Settings(select=select)
    version = get_version(target)
    result = scan(root, settings, version, jobs=1, use_cache=False)
    findings = [f for f in result.findings if f.path == "dags/d.py"]
    apply_plan(root, plan_fixes(root, settings, version, required=True, jobs=1, result=result))
    return findings, (root / "dags" / "d.py").read_text()


# -- airflow.utils.dates re-exported the standard library's datetime names (Airflow 2 only) ----

DATES = """\
    from airflow.utils.dates import datetime, timedelta
    from airflow import DAG

    with DAG("d", start_date=datetime(2024, 1, 1), schedule=timedelta(days=1), catchup=False):
        pass
"""


def test_datetime_from_airflow_utils_dates_moves_to_the_standard_library_on_airflow_3(make_project):
    findings, text = fixed(make_project, DATES, "3.3.1", select=("API001", "API002"))
    assert [(f.rule, f.location.line) for f in findings] == [("API001", 1), ("API001", 1)]
    assert "datetime.datetime" in findings[0].message + findings[1].message
    assert all("does not exist on Airflow 3.3.1" in f.message for f in findings)
    assert text == textwrap.dedent(DATES).replace("from airflow.utils.dates import", "from datetime import")


def test_datetime_from_airflow_utils_dates_is_left_alone_on_airflow_2(make_project):
    findings, text = fixed(make_project, DATES, "2.11.2", select=("API001", "API002"))
    assert findings == []
    assert text == textwrap.dedent(DATES)


# -- LazyXComAccess: renamed in 2.10, and the Task SDK's LazyXComSequence on 3.x ---------------

LAZY = """\
    from airflow.decorators import task
    from airflow.models.xcom import LazyXComAccess


    @task
    def flatten(payload):
        if isinstance(payload, LazyXComAccess):  # the XComs of a mapped task
            return [item for part in payload for item in part]
        return payload
"""


@pytest.mark.parametrize(("target", "module", "name", "decorators"), [
    ("2.11.2", "airflow.models.xcom", "LazyXComSelectSequence", "airflow.decorators"),
    ("3.3.1", "airflow.sdk.execution_time.lazy_sequence", "LazyXComSequence", "airflow.sdk"),
])
def test_lazy_xcom_access_becomes_what_the_target_gives_a_task(make_project, target, module, name, decorators):
    findings, text = fixed(make_project, LAZY, target, select=("API001",))
    lazy = [f for f in findings if "LazyXComAccess" in f.message]
    assert [(f.rule, f.location.line) for f in lazy] == [("API001", 2)]
    assert f"{module}.{name}" in lazy[0].message
    assert lazy[0].fix.required
    expected = textwrap.dedent(LAZY).replace("airflow.decorators", decorators).replace(
        "from airflow.models.xcom import LazyXComAccess", f"from {module} import {name}").replace(
        "isinstance(payload, LazyXComAccess)", f"isinstance(payload, {name})")
    assert text == expected


# -- DAG(**dag_args): the keys of a dict the module builds for the DAG -------------------------

SPREAD = """\
    import pendulum
    from airflow import DAG

    dag_args = {
        "start_date": pendulum.datetime(2024, 1, 1, tz="UTC"),
        "schedule_interval": None,  # triggered
        "catchup": False,
    }
    hourly = dict(schedule_interval="@hourly", catchup=False)

    with DAG("a", params={"x": 1}, **dag_args) as dag:
        pass


    def build(name):
        return DAG(name, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), **hourly)
"""


def test_schedule_interval_in_a_dict_given_to_dag_as_kwargs_is_renamed(make_project):
    findings, text = fixed(make_project, SPREAD, "3.3.1", select=("API003",))
    assert [(f.rule, f.location.line) for f in findings] == [("API003", 6), ("API003", 9)]
    assert "through **dag_args" in findings[0].message and "through **hourly" in findings[1].message
    assert text == textwrap.dedent(SPREAD).replace('"schedule_interval": None', '"schedule": None').replace(
        'dict(schedule_interval="@hourly"', 'dict(schedule="@hourly"')


@pytest.mark.parametrize("use", [
    'print(dag_args["schedule_interval"])',          # read elsewhere
    'dag_args = {"schedule_interval": "@daily"}',    # bound twice
    "other = make_dag(**dag_args)",                  # passed to something that is not a DAG
    'dag_args["catchup"] = True',                    # changed after it is built
])
def test_a_dict_that_is_not_visibly_only_the_dags_is_left_alone(make_project, use):
    code = f"""\
        from airflow import DAG

        dag_args = {{"schedule_interval": None, "catchup": False}}
        {use}
        DAG("a", **dag_args)
    """
    findings, text = fixed(make_project, code, "3.3.1", select=("API003",))
    assert findings == []
    assert text == textwrap.dedent(code)


@pytest.mark.parametrize("calls", [
    'DAG("a", schedule="@daily", **dag_args)',
    'DAG("a", **dag_args)\nDAG("b", schedule="@daily", **dag_args)',  # one of the DAGs it reaches
])
def test_a_dict_given_to_a_dag_that_already_sets_schedule_is_reported_but_not_renamed(make_project, calls):
    code = "from airflow import DAG\n\ndag_args = {\"schedule_interval\": None}\n" + calls + "\n"
    findings, text = fixed(make_project, code, "3.3.1", select=("API003",))
    assert [(f.rule, f.location.line, f.fix) for f in findings] == [("API003", 3, None)]
    assert text == code


# -- DagRun.execution_date on the class: logical_date on Airflow 3 ----------------------------

MODEL_ATTRIBUTES = """\
    from typing import Callable

    import pendulum
    from airflow.models import DagRun
    from airflow.models.taskinstance import TaskInstance as TI

    TABLES = [{"model": DagRun, "age_column": DagRun.execution_date}]


    def newest(runs, key: Callable = DagRun.execution_date):
        return runs


    def latest(session):
        return session.query(TI).order_by(TI.execution_date.desc()).first()
"""


def test_model_execution_date_on_the_class_becomes_logical_date_on_airflow_3(make_project):
    findings, text = fixed(make_project, MODEL_ATTRIBUTES, "3.3.1", select=("API018",))
    assert [(f.rule, f.location.line) for f in findings] == [("API018", 7), ("API018", 10), ("API018", 15)]
    assert "use DagRun.logical_date" in findings[0].message and "use TI.logical_date" in findings[2].message
    assert text == textwrap.dedent(MODEL_ATTRIBUTES).replace(".execution_date", ".logical_date")


def test_model_execution_date_is_left_alone_on_airflow_2(make_project):
    # Airflow 2 has the execution_date column; its logical_date is only an instance property.
    findings, text = fixed(make_project, MODEL_ATTRIBUTES, "2.11.2", select=("API018",))
    assert findings == []
    assert text == textwrap.dedent(MODEL_ATTRIBUTES)


# -- Names Airflow 3 removed: a finding that says what to do; trigger_dag defined in place ----

REMOVED = """\
    from airflow.api.common.experimental.trigger_dag import trigger_dag
    from airflow.models import DagModel, SlaMiss

    CLEANUP = [DagModel, SlaMiss]


    def start(**context):
        trigger_dag(dag_id="other", run_id="manual__x", conf={})
"""


def test_sla_miss_and_the_experimental_api_are_reported_on_airflow_3_with_the_way_out(make_project):
    findings, text = fixed(make_project, REMOVED, "3.3.1", select=("API001", "API002"))
    assert [(f.rule, f.location.line) for f in findings] == [("API002", 1), ("API002", 2)]
    trigger, sla = findings
    assert "TriggerDagRunOperator" in trigger.message and "/api/v2/dags/{dag_id}/dagRuns" in trigger.message
    assert "airflow:InvokeRestApi" in trigger.message and trigger.fix.kind == "define-removed-helper"
    # A cleanup DAG cannot work on Airflow 3 whatever it imports: no fix, the way MWAA cleans instead.
    assert sla.fix is None and "sla_miss table" in sla.message and "airflow db clean" in sla.message
    # The definition follows the imports, two blank lines on each side (no import after code).
    definition = removed_helper("airflow.api.common.experimental.trigger_dag.trigger_dag").definition
    assert text == textwrap.dedent(REMOVED).replace(
        "from airflow.api.common.experimental.trigger_dag import trigger_dag\n", "").replace(
        "SlaMiss\n\nCLEANUP", f"SlaMiss\n\n\n{definition}\n\nCLEANUP")


def test_sla_miss_and_the_experimental_api_still_import_on_airflow_2(make_project):
    findings, _text = fixed(make_project, REMOVED, "2.11.2", select=("API001", "API002"))
    assert findings == []


# -- A key handed through a task factory of the module (task_concurrency, removed in Airflow 3) --

FACTORY_READS_KEY = """\
    from company.operators import TaskServiceOperator

    def phase_task(main_args):
        return TaskServiceOperator(limit=main_args.get("task_concurrency"), **main_args)

    task_args = {"task_name": "load", "task_concurrency": 1}
    TaskServiceOperator(**task_args)
    phase_task(task_args)
"""


def test_a_key_a_task_factory_of_the_module_reads_is_reported_and_left_as_written(make_project):
    findings, text = fixed(make_project, FACTORY_READS_KEY, "3.3.1", select=("API003",))
    assert [(f.rule, f.location.line, f.fix) for f in findings] == [("API003", 6, None)]
    assert text == textwrap.dedent(FACTORY_READS_KEY)
