"""What the sizing facts read from DAG modules: counts, ownership, schedules, dependencies, waits."""

from __future__ import annotations

import textwrap

import pytest

from migrator.analysis.python import ModuleFacts
from migrator.sizing.defaults import TaskKind
from migrator.sizing.facts import read_modules
from migrator.sizing.operators import classify


def module(code: str, path: str = "dags/example.py", name: str = "example") -> ModuleFacts:
    return ModuleFacts.from_bytes(path, textwrap.dedent(code).encode(), name)


def dags_of(code: str):
    (result,) = read_modules([module(code)])
    return {d.dag_id: d for d in result.dags}


HEADER = """
from datetime import timedelta
import pendulum
from airflow import DAG
from airflow.decorators import dag, task
from airflow.operators.python import PythonOperator
from airflow.operators.empty import EmptyOperator
"""


@pytest.mark.parametrize(("schedule", "kind", "crons", "minutes"), [
    ('"0 3 * * *"', "cron", ("0 3 * * *",), None),
    ('"@hourly"', "cron", ("0 * * * *",), None),
    ('"@quarterly"', "cron", ("0 0 1 */3 *",), None),
    ("timedelta(hours=6)", "interval", (), 360),
    ("timedelta(1)", "interval", (), 1440),
    ("pendulum.duration(minutes=30)", "interval", (), 30),
    ("None", "none", (), None),
    ('"@once"', "once", (), None),
    ('"@continuous"', "continuous", (), None),
    ("SCHEDULE", "cron", ("*/10 * * * *",), None),
    ("Variable.get('cron')", "unknown", (), None),
    ('"not a cron"', "unknown", (), None),
    ('"0 0 * * * *"', "unknown", (), None),  # six fields: Airflow refuses seconds
])
def test_schedule_spellings(schedule, kind, crons, minutes):
    dags = dags_of(HEADER + f"""
SCHEDULE = "*/10 * * * *"
with DAG("d", schedule={schedule}):
    PythonOperator(task_id="t", python_callable=print)
""")
    found = dags["d"].schedule
    assert found.kind == kind
    assert found.crons == crons
    assert found.every_minutes == minutes


def test_timetables_time_zones_and_the_missing_schedule():
    dags = dags_of(HEADER + """
from airflow.timetables.trigger import CronTriggerTimetable
with DAG("tt", timetable=CronTriggerTimetable("30 2 * * 1-5", timezone="Europe/Paris")):
    PythonOperator(task_id="t", python_callable=print)
with DAG("tz", schedule_interval="0 6 * * *", start_date=pendulum.datetime(2024, 1, 1, tz="America/New_York")):
    PythonOperator(task_id="t", python_callable=print)
with DAG("unset"):
    PythonOperator(task_id="t", python_callable=print)
""")
    assert dags["tt"].schedule.crons == ("30 2 * * 1-5",) and dags["tt"].schedule.timezone == "Europe/Paris"
    assert dags["tz"].schedule.timezone == "America/New_York"
    assert dags["unset"].schedule.defaulted and dags["unset"].schedule.text == "(not set)"


def test_datasets_resolve_across_modules_by_their_uri():
    shared = module("""
from airflow.datasets import Dataset
ORDERS = Dataset("s3://bucket/orders/", extra={"owner": "x"})
""", "dags/common/datasets.py", "common.datasets")
    producer = module(HEADER + """
from common.datasets import ORDERS
with DAG("producer", schedule="@hourly"):
    PythonOperator(task_id="write", python_callable=print, outlets=[ORDERS])
""", "dags/producer.py", "producer")
    consumer = module(HEADER + """
from airflow.datasets import Dataset
from common.datasets import ORDERS
with DAG("consumer", schedule=[ORDERS, Dataset("s3://elsewhere/x")]):
    PythonOperator(task_id="read", python_callable=print)
""", "dags/consumer.py", "consumer")
    results = read_modules([shared, producer, consumer], {"dags/producer.py", "dags/consumer.py"})
    dags = {d.dag_id: d for r in results for d in r.dags}
    assert dags["producer"].tasks[0].outlets == ("uri:s3://bucket/orders/",)
    assert dags["consumer"].schedule.kind == "dataset"
    assert dags["consumer"].schedule.datasets == ("uri:s3://bucket/orders/", "uri:s3://elsewhere/x")


def test_loops_over_literals_count_and_unknown_loops_are_estimates():
    dags = dags_of(HEADER + """
import json
TABLES = {"orders": 1, "items": 2, "stores": 3}
for name in TABLES:
    with DAG(f"load_{name}", schedule="@daily"):
        for part in range(4):
            PythonOperator(task_id=f"part_{part}", python_callable=print)
for cfg in json.load(open("configs.json")):
    with DAG(f"cfg_{cfg}", schedule="@daily"):
        PythonOperator(task_id="t", python_callable=print)
""")
    # A loop over a literal makes one DAG per element, each with its own id.
    for table in ("orders", "items", "stores"):
        loaded = dags[f"load_{table}"]
        assert not loaded.dag_id_is_pattern
        assert (loaded.copies, loaded.copies_estimated) == (1, False)
        assert [t.copies for t in loaded.tasks] == [4]  # per DAG, not times the DAG loop
    unknown = dags["cfg_{cfg}"]
    assert (unknown.copies, unknown.copies_estimated) == (1, True)
    assert "loop over `json.load(open('configs.json'))`" in unknown.copies_note


def test_each_copy_of_a_config_driven_factory_gets_its_own_settings():
    dags = dags_of(HEADER + """
LOADS = [
    {"table": "dim_store", "schedule": "0 3 * * *"},
    {"table": "fct_orders", "schedule": "@hourly", "max_active_tasks": 2, "pool": "db"},
    {"table": "fct_events", "schedule": timedelta(minutes=30)},
]

def build(cfg, runs=1):
    table = cfg["table"]
    with DAG(f"dwh_load_{table}", schedule_interval=cfg["schedule"], max_active_runs=runs,
             max_active_tasks=cfg.get("max_active_tasks", 8)) as built:
        PythonOperator(task_id="copy", python_callable=print, pool=cfg.get("pool", "default_pool"))
    return built

for cfg in LOADS:
    globals()[cfg["table"]] = build(cfg)
for name, cron in {"a": "@daily", "b": "@weekly"}.items():
    with DAG(f"pair_{name}", schedule=cron):
        PythonOperator(task_id="t", python_callable=print)
""")
    store, orders, events = dags["dwh_load_dim_store"], dags["dwh_load_fct_orders"], dags["dwh_load_fct_events"]
    assert store.schedule.crons == ("0 3 * * *",) and store.max_active_tasks == 8
    assert orders.schedule.crons == ("0 * * * *",) and orders.max_active_tasks == 2
    assert events.schedule.every_minutes == 30
    assert {d.max_active_runs for d in (store, orders, events)} == {1}  # the parameter's default
    assert (orders.tasks[0].pool, store.tasks[0].pool) == ("db", "default_pool")
    assert all(d.copies == 1 and not d.copies_estimated for d in (store, orders, events))
    assert dags["pair_a"].schedule.crons == ("0 0 * * *",)
    assert dags["pair_b"].schedule.crons == ("0 0 * * 0",)


def test_factories_count_their_calls_here_and_in_other_files():
    factory = module(HEADER + """
def build(name, tasks):
    with DAG(f"etl_{name}", schedule="@hourly") as built:
        for i in range(tasks):
            PythonOperator(task_id=f"step_{i}", python_callable=print)
    return built
""", "dags/common/factory.py", "common.factory")
    caller = module(HEADER + """
from common.factory import build
for name in ("a", "b"):
    globals()[name] = build(name, 3)
extra = build("c", 2)
""", "dags/use_factory.py", "use_factory")
    results = read_modules([factory, caller], {"dags/common/factory.py", "dags/use_factory.py"})
    (built,) = [d for r in results for d in r.dags]
    assert built.copies == 3 and not built.copies_estimated
    assert built.copies_note.startswith("built by common.factory.build")
    # range(tasks) is a parameter: one task per DAG, marked as an estimate.
    assert built.tasks[0].copies == 1 and built.tasks[0].copies_estimated


def test_taskflow_calls_mapped_tasks_and_dependencies():
    dags = dags_of(HEADER + """
@dag(schedule="@daily", max_active_runs=1, max_active_tasks=4, catchup=True)
def flow():
    @task
    def extract():
        return [1, 2]

    @task
    def transform(rows):
        return rows

    @task
    def load(rows, mode):
        pass

    rows = extract()
    load(transform(rows), "full")
    load.expand(rows=[[1], [2], [3]], mode=["a"])
    PythonOperator.partial(task_id="fan", python_callable=print).expand(op_args=rows)

flow()
""")
    flow = dags["flow"]
    assert (flow.max_active_runs, flow.max_active_tasks, flow.catchup) == (1, 4, True)
    by_id = {}
    for index, task in enumerate(flow.tasks):
        by_id.setdefault(task.task_id, []).append((index, task))
    (extract_index, _), = by_id["extract"]
    (transform_index, transform), = by_id["transform"]
    loads = by_id["load"]
    assert transform.upstream == {extract_index}
    plain, mapped = sorted(loads, key=lambda item: item[1].copies)
    assert plain[1].upstream == {transform_index}
    assert mapped[1].copies == 3  # 3 x 1 from the literal lists
    (_, fan), = by_id["fan"]
    assert fan.copies == 5 and fan.copies_estimated  # mapped over a run-time value
    assert fan.upstream == {extract_index}


def test_classic_dependencies_chain_and_task_groups():
    dags = dags_of(HEADER + """
from airflow.models.baseoperator import chain
from airflow.utils.task_group import TaskGroup
with DAG("classic", schedule="@daily") as d:
    start = EmptyOperator(task_id="start")
    with TaskGroup("group") as group:
        a = PythonOperator(task_id="a", python_callable=print)
        b = PythonOperator(task_id="b", python_callable=print)
        a >> b
    end = EmptyOperator(task_id="end")
    start >> group >> end
    c = PythonOperator(task_id="c", python_callable=print)
    e = PythonOperator(task_id="e", python_callable=print)
    chain(end, [c, e])
    c.set_downstream(e)
""")
    tasks = dags["classic"].tasks
    index = {t.task_id: i for i, t in enumerate(tasks)}
    upstream = {t.task_id: {tasks[u].task_id for u in t.upstream} for t in tasks}
    assert upstream["start"] == set()
    assert upstream["a"] == {"start"}
    assert upstream["b"] == {"start", "a"}
    assert upstream["end"] == {"a", "b"}
    assert upstream["c"] == {"end"}
    assert upstream["e"] == {"end", "c"}
    assert len(index) == 6


def test_ownership_by_dag_argument_in_a_two_dag_file():
    dags = dags_of(HEADER + """
first = DAG("first", schedule="@daily")
second = DAG("second", schedule="@hourly")
PythonOperator(task_id="x", python_callable=print, dag=second)
PythonOperator(task_id="y", python_callable=print, dag=first)
PythonOperator(task_id="z", python_callable=print, dag=second)
""")
    assert [t.task_id for t in dags["first"].tasks] == ["y"]
    assert [t.task_id for t in dags["second"].tasks] == ["x", "z"]


def test_waits_pools_and_default_args():
    dags = dags_of(HEADER + """
from airflow.sensors.filesystem import FileSensor
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensorAsync
ARGS = {"pool": "etl", "mode": "reschedule", "poke_interval": timedelta(minutes=5)}
with DAG("waits", schedule="@daily", default_args=ARGS):
    FileSensor(task_id="poke", filepath="/x", mode="poke", pool="files")
    FileSensor(task_id="resched", filepath="/x")
    FileSensor(task_id="deferred", filepath="/x", deferrable=True)
    S3KeySensorAsync(task_id="async", bucket_key="k")
    GlueJobOperator(task_id="glue_nowait", job_name="j", wait_for_completion=False)
    EmptyOperator(task_id="marker")
""")
    tasks = {t.task_id: t for t in dags["waits"].tasks}
    assert (tasks["poke"].wait, tasks["poke"].pool) == ("slot", "files")
    assert (tasks["resched"].wait, tasks["resched"].pool, tasks["resched"].poke_interval_s) == ("reschedule", "etl", 300)
    assert tasks["deferred"].wait == "deferred"
    assert tasks["async"].wait == "deferred"
    assert (tasks["glue_nowait"].kind, tasks["glue_nowait"].wait) == (TaskKind.GLUE, "fire-and-forget")
    assert tasks["marker"].wait == "none"


def test_subdag_factories_are_marked_and_linked_to_their_operator():
    dags = dags_of(HEADER + """
from airflow.operators.subdag import SubDagOperator
def child(parent, name):
    sub = DAG("{}.{}".format(parent, name), schedule_interval="@daily")
    PythonOperator(task_id="inner", python_callable=print, dag=sub)
    return sub
with DAG("parent", schedule="@daily"):
    SubDagOperator(task_id="run_child", subdag=child("parent", "run_child"))
""")
    sub = dags["parent.run_child"]
    assert sub.is_subdag and sub.factory == "example.child"
    assert dags["parent"].tasks[0].subdag == "example.child"


def test_heavy_modules_mark_python_tasks():
    dags = dags_of(HEADER + """
import pandas as pd
with DAG("frames", schedule="@daily"):
    PythonOperator(task_id="p", python_callable=print)
    EmptyOperator(task_id="e")
""")
    heavy = {t.task_id: t.heavy for t in dags["frames"].tasks}
    assert heavy == {"p": True, "e": False}


@pytest.mark.parametrize(("operator", "kind"), [
    ("airflow.operators.empty.EmptyOperator", TaskKind.EMPTY),
    ("airflow.operators.dummy_operator.DummyOperator", TaskKind.EMPTY),
    ("airflow.operators.python.PythonOperator", TaskKind.PYTHON),
    ("airflow.operators.bash_operator.BashOperator", TaskKind.PYTHON),
    ("@task", TaskKind.PYTHON),
    ("@task.sensor", TaskKind.SENSOR),
    ("@task.kubernetes", TaskKind.EXTERNAL),
    ("airflow.providers.amazon.aws.operators.glue.GlueJobOperator", TaskKind.GLUE),
    ("airflow.contrib.operators.aws_glue_job_operator.AwsGlueJobOperator", TaskKind.GLUE),
    ("airflow.providers.amazon.aws.operators.glue_crawler.GlueCrawlerOperator", TaskKind.GLUE),
    ("airflow.providers.amazon.aws.sensors.glue.GlueJobSensor", TaskKind.GLUE),
    ("airflow.providers.amazon.aws.operators.emr.EmrAddStepsOperator", TaskKind.EXTERNAL),
    ("airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator", TaskKind.EXTERNAL),
    ("airflow.providers.amazon.aws.transfers.s3_to_redshift.S3ToRedshiftOperator", TaskKind.TRANSFER),
    ("airflow.operators.postgres_operator.PostgresOperator", TaskKind.SQL),
    ("airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator", TaskKind.SQL),
    ("airflow.operators.trigger_dagrun.TriggerDagRunOperator", TaskKind.LIGHT),
    ("airflow.providers.http.operators.http.SimpleHttpOperator", TaskKind.LIGHT),
    ("airflow.sensors.external_task.ExternalTaskSensor", TaskKind.SENSOR),
    ("acme.operators.store_dq.StoreDqOperator", TaskKind.OTHER),
])
def test_operator_kinds(operator, kind):
    assert classify(operator) is kind
