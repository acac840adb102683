"""The load model: queues for the limits, run placement, wait modes, triggered and dataset runs."""

from __future__ import annotations

from sizing_projects import DagSpec, project_files, size

from migrator.sizing.load import fluid_queue
from migrator.sizing.schedules import cron_starts, interval_starts

HEADER = ("from airflow import DAG\nfrom airflow.operators.python import PythonOperator\n"
          "from airflow.operators.empty import EmptyOperator\n")


def dag_rows(document: dict) -> dict[str, dict]:
    return {row["dag_id"]: row for row in document["dags"]}


def test_fluid_queue_keeps_the_work_and_runs_it_later():
    running, waiting = fluid_queue([5, 5, 0, 0, 0], 3)
    assert running == [3, 3, 3, 1, 0]
    assert waiting == [2, 4, 1, 0, 0]
    assert sum(running) == 10


def test_cron_and_interval_starts_on_the_timeline():
    # Warm-up Sunday 2023-12-31, then Monday 2024-01-01 .. Sunday 2024-01-07: 8 days.
    daily, _ = cron_starts(("0 3 * * *",), None)
    assert daily == tuple(day * 1440 + 180 for day in range(8))
    weekdays, _ = cron_starts(("0 6 * * 1-5",), None)
    assert len(weekdays) == 5 and weekdays[0] == 1440 + 360
    monthly, _ = cron_starts(("0 0 1 * *",), None)
    assert monthly == (1440,)  # the 1st of January is in the reference week
    # 02:00 in Paris is 01:00 UTC in January.
    paris, _ = cron_starts(("0 2 * * *",), "Europe/Paris")
    assert paris[0] == 60
    _, note = cron_starts(("0 2 * * *",), "Mars/Olympus")
    assert "unknown time zone" in note
    assert interval_starts(360)[:5] == (0, 360, 720, 1080, 1440)


def test_max_active_runs_delays_runs_that_do_not_fit(make_project):
    # Every 10 minutes, 3 chained 5-minute tasks (15 min), at most one run at a time.
    spec = DagSpec(schedule="*/10 * * * *", tasks=3, dag_args=", max_active_runs=1")
    document = size(make_project(project_files([spec])))
    row = document["dags"][0]
    assert row["run_minutes"] == 15 and row["max_active_runs"] == 1
    assert row["delayed_runs"] > 0
    assert any("wait for an earlier run" in w for w in document["warnings"])
    assert document["demand"]["peak_tasks"] == 1


def test_max_active_tasks_holds_back_a_wide_dag(make_project):
    spec = DagSpec(schedule="@daily", tasks=30, layout="parallel", dag_args=", max_active_tasks=10")
    document = size(make_project(project_files([spec])))
    assert document["demand"]["peak_tasks"] == 10
    assert document["demand"]["peak_waiting_tasks"] == 20
    assert document["dags"][0]["capped_by_max_active_tasks"]
    # The held-back work runs later: three waves of 5 minutes.
    busy = [row["time_utc"] for row in document["concurrency"] if row["running"] > 0]
    assert busy[0] == "00:00" and busy[-1] == "00:14"


def test_a_defined_pool_caps_and_an_undefined_one_is_reported(make_project):
    specs = [DagSpec(schedule="@daily", tasks=12, layout="parallel", extra=', pool="db"'),
             DagSpec(schedule="@daily", tasks=4, layout="parallel", extra=', pool="ghost"')]
    document = size(make_project(project_files(specs, {"pools.json": '{"db": {"slots": 4}}'})))
    assert document["demand"]["peak_tasks"] == 8  # 4 db slots + 4 in the undefined pool
    assert any("'ghost' is used but not defined" in w for w in document["warnings"])
    assert any("pool 'db': up to 8 tasks wait for its 4 slots" in w for w in document["warnings"])
    pools = {p["name"]: p for p in document["inputs"]["pools"]}
    assert pools["db"]["slots"] == 4 and pools["ghost"]["source"] == "not defined"


def test_default_pool_grows_when_the_project_does_not_set_it(make_project):
    specs = [DagSpec(schedule="@hourly", tasks=10, layout="parallel") for _ in range(20)]
    document = size(make_project(project_files(specs)))
    assert document["demand"]["peak_tasks"] == 200
    assert document["recommendation"]["pools"] == [
        {"pool": "default_pool", "slots": 240, "why": "the DAGs want up to 200 of its slots at once"}]
    # Defined by the project: its 128 slots stand and the rest waits.
    defined = size(make_project(project_files(specs, {"pools.json": '{"default_pool": {"slots": 128}}'})))
    assert defined["demand"]["peak_tasks"] == 128
    assert defined["recommendation"]["pools"] == []


def test_sensor_modes_and_deferrable_tasks(make_project):
    poke = DagSpec(schedule="@daily", tasks=6, layout="parallel", kind="sensor")
    resched = DagSpec(schedule="@daily", tasks=6, layout="parallel", kind="sensor",
                      extra=', mode="reschedule", poke_interval=60')
    deferred = DagSpec(schedule="@daily", tasks=6, layout="parallel", kind="sensor", extra=", deferrable=True")
    results = {name: size(make_project(project_files([spec])))
               for name, spec in (("poke", poke), ("reschedule", resched), ("deferred", deferred))}
    assert results["poke"]["demand"]["peak_tasks"] == 6
    assert results["reschedule"]["demand"]["peak_tasks"] == 1  # 6 x 10 s per 60 s poke
    assert results["deferred"]["demand"]["peak_tasks"] == 6  # one minute before deferring
    assert results["deferred"]["demand"]["peak_deferred_tasks"] == 6
    slots = {name: result["dags"][0]["slot_minutes_per_day"] for name, result in results.items()}
    assert slots == {"poke": 180, "reschedule": 30, "deferred": 6}


def test_dataset_and_trigger_runs_follow_their_producers(make_project):
    producer = HEADER + (
        "from airflow.datasets import Dataset\n"
        "from airflow.operators.trigger_dagrun import TriggerDagRunOperator\n"
        "with DAG('producer', schedule='0 */6 * * *'):\n"
        "    w = PythonOperator(task_id='write', python_callable=print, outlets=[Dataset('s3://b/k')])\n"
        "    w >> TriggerDagRunOperator(task_id='kick', trigger_dag_id='triggered')\n"
    )
    consumer = HEADER + (
        "from airflow.datasets import Dataset\n"
        "with DAG('consumer', schedule=[Dataset('s3://b/k')]):\n"
        "    PythonOperator(task_id='read', python_callable=print)\n"
        "with DAG('triggered', schedule=None):\n"
        "    PythonOperator(task_id='work', python_callable=print)\n"
        "with DAG('manual', schedule=None):\n"
        "    PythonOperator(task_id='work', python_callable=print)\n"
    )
    document = size(make_project({"dags/producer.py": producer, "dags/consumer.py": consumer}))
    rows = dag_rows(document)
    assert rows["producer"]["runs_per_day"] == 4
    assert rows["consumer"]["runs_per_day"] == 4 and rows["consumer"]["runs_from"] == "dataset updates"
    assert rows["triggered"]["runs_per_day"] == 4
    assert rows["triggered"]["runs_from"] == "triggered by another DAG"
    assert rows["manual"]["runs_per_day"] == 0
    assert any("manual: runs only when triggered" in w for w in document["warnings"])
    # write runs 00:00-00:05; then 'kick' (1 min), and the consumer and the triggered DAG
    # (5 min each) start as the write ends and as 'kick' starts.
    running = [r["running"] for r in document["concurrency"]]
    assert running[:11] == [1, 1, 1, 1, 1, 3, 2, 2, 2, 2, 0]


def test_history_places_runs_of_dags_without_a_schedule(make_project, tmp_path):
    root = make_project(project_files([DagSpec(schedule=None, tasks=1)]))
    history = tmp_path / "history.csv"
    history.write_text("dag_id,task_id,run_id,start,end\n" + "".join(
        f"dag_0000,t0,r{day}{hour},2025-03-0{day}T{hour:02d}:00:00,2025-03-0{day}T{hour:02d}:20:00\n"
        for day in (1, 2, 3) for hour in (8, 14)), encoding="utf-8")
    document = size(root, history_path=history)
    row = document["dags"][0]
    assert row["runs_per_day"] == 2 and row["runs_from"] == "runs observed in history"
    busy = {r["time_utc"][:2] for r in document["concurrency"] if r["running"] > 0}
    assert busy == {"08", "14"}


def test_subdags_run_inside_their_parent(make_project):
    source = HEADER + (
        "from airflow.operators.subdag import SubDagOperator\n"
        "def child(parent, name):\n"
        "    sub = DAG(f'{parent}.{name}', schedule_interval='@daily')\n"
        "    a = PythonOperator(task_id='a', python_callable=print, dag=sub)\n"
        "    b = PythonOperator(task_id='b', python_callable=print, dag=sub)\n"
        "    a >> b\n"
        "    return sub\n"
        "with DAG('parent', schedule_interval='0 3 * * *'):\n"
        "    for region in ['east', 'west']:\n"
        "        SubDagOperator(task_id=f'snap_{region}', subdag=child('parent', f'snap_{region}'))\n"
    )
    root = make_project({"dags/parent.py": source})
    for target, peak in (("2.11.2", 4), ("3.0.6", 2)):
        document = size(root, target)
        rows = dag_rows(document)
        for region in ("east", "west"):
            sub = rows[f"parent.snap_{region}"]
            assert sub["copies"] == 1 and sub["runs_per_day"] == 1
            assert sub["runs_from"] == "its parent's SubDagOperator"
        assert rows["parent"]["run_minutes"] == 10  # the SubDagOperator lasts its SubDAG's run
        # SubDAG operators hold a slot in Airflow 2; Airflow 3 folds them into task groups. The
        # DAG count is the project's, the same for every target (migrator.dag_count).
        assert document["inputs"]["dags"] == 3
        assert document["demand"]["peak_tasks"] == peak
        busy = {r["time_utc"][:2] for r in document["concurrency"] if r["running"] > 0}
        assert busy == {"03"}
