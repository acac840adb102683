"""Known answers: synthetic projects land in the class a careful engineer picks by the MWAA
capacity table (DAGs under half the class's capacity, workers for the peak), more DAGs or load
never pick a smaller class, and history moves the answer the way it should."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sizing_projects import CLASS_ORDER, DagSpec, class_index, project_files, size

POOLS_400 = {"pools.json": '{"etl": {"slots": 400, "description": "ETL jobs"}}'}

# (id, DAG specs, extra files, expected class, expected max workers or None)
CASES = [
    # 10 DAGs, one run an hour apart, two short tasks: one task at a time fits mw1.micro
    # (10 DAGs < 12.5 = half of its 25; peak 1 task + 20% < 3 slots of its single worker).
    ("10-light-daily", [DagSpec(schedule=f"0 {h} * * *", tasks=2) for h in range(10)], None,
     "mw1.micro", 1),
    # 10 DAGs, all hourly at :00 with 6 parallel tasks: 60 tasks at once need 72 slots,
    # 15 mw1.small workers of 5 (micro's single worker cannot).
    ("10-hourly-parallel", [DagSpec(schedule="@hourly", tasks=6, layout="parallel") for _ in range(10)],
     None, "mw1.small", 15),
    # 20 DAGs is over micro's 12.5 and under small's 25.
    ("20-daily", [DagSpec(schedule=f"0 {h} * * *", tasks=3) for h in range(20)], None, "mw1.small", 1),
    # 60 DAGs: over small's 25, under medium's 125.
    ("60-daily", [DagSpec(schedule=f"0 {h % 24} * * *", tasks=3) for h in range(60)], None,
     "mw1.medium", 1),
    # 60 DAGs by count fit medium, but 600 tasks want a 400-slot pool at :00 every hour:
    # 400 + 20% = 480 slots are 48 medium workers (> 25) or 24 large workers.
    ("60-hourly-pool-400", [DagSpec(schedule="@hourly", tasks=10, layout="parallel", kind="external",
                                    extra=', pool="etl"') for _ in range(60)],
     POOLS_400, "mw1.large", 24),
    # 300 DAGs: over medium's 125, under large's 500. At 02:00 the hourly, quarter-hourly and
    # 02:00 DAGs start together: 300 tasks (default_pool raised), 360 slots = 18 large workers.
    ("300-mixed", [DagSpec(schedule=s, tasks=3) for s in ("@hourly", "0 2 * * *", "*/15 * * * *")
                   for _ in range(100)], None, "mw1.large", 18),
    # 900 DAGs from loops of 10: over large's 500, under xlarge's 1000.
    ("900-loops", [DagSpec(schedule=s, tasks=3, copies=10) for s in ("@hourly", "0 2 * * *", "@daily")
                   for _ in range(30)], None, "mw1.xlarge", 18),
    # 1,500 DAGs: over xlarge's 1000, under 2xlarge's 2000.
    ("1500-loops", [DagSpec(schedule=s, tasks=3, copies=10)
                    for s in ("@hourly", "0 2 * * *", "@daily", "0 6 * * 1-5", "30 * * * *")
                    for _ in range(30)], None, "mw1.2xlarge", 9),
]


@pytest.mark.parametrize(("specs", "extra", "expected", "workers"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_project_lands_in_the_class_the_capacity_table_gives(make_project, specs, extra, expected, workers):
    document = size(make_project(project_files(specs, extra)))
    recommendation = document["recommendation"]
    assert document["inputs"]["dags"] == sum(s.copies for s in specs)
    assert recommendation["environment_class"] == expected, recommendation["checks"]
    assert recommendation["fits"]
    assert recommendation["max_workers"] == workers
    # Every smaller class fails at least one check, and says which.
    for other in document["classes"][:CLASS_ORDER.index(expected)]:
        assert not other["fits"]
        assert other["risks"]


def test_the_recommended_worker_capacity_covers_the_peak(make_project):
    document = size(make_project(project_files(CASES[1][1])))
    capacity = document["capacity"]
    peak = max(row["running"] for row in document["concurrency"])
    assert peak == document["demand"]["peak_tasks"] == 60
    assert capacity["max_worker_slots"] >= peak * 1.2


def test_catchup_and_an_unset_schedule_follow_the_target_version(make_project):
    files = project_files([DagSpec(schedule=None, tasks=2)])
    files["dags/dag_0000.py"] = files["dags/dag_0000.py"].replace("schedule=None, catchup=False", "")
    root = make_project(files)
    on_two = size(root, "2.11.2")
    on_three = size(root, "3.0.6")
    assert on_two["dags"][0]["runs_per_day"] == 1
    assert on_three["dags"][0]["runs_per_day"] == 0
    assert any("runs only when triggered" in w for w in on_three["warnings"])
    # catchup_by_default is True before Airflow 3 (compat's default changes), False from 3.0.
    assert on_two["dags"][0]["catchup"] is True and on_two["inputs"]["catchup_dags"] == 1
    assert any("catchup by default on Airflow 2.11.2" in w for w in on_two["warnings"])
    assert on_three["dags"][0]["catchup"] is False and on_three["inputs"]["catchup_dags"] == 0
    assert on_two["recommendation"]["config"]["scheduler.parsing_processes"] == "1"
    assert "dag_processor.parsing_processes" in on_three["recommendation"]["config"]


# -- monotonicity --------------------------------------------------------------------------------

spec_strategy = st.builds(
    DagSpec,
    schedule=st.sampled_from(["@hourly", "@daily", "*/30 * * * *", "0 6 * * 1-5", "@weekly", "15 3 * * *", None]),
    tasks=st.integers(1, 6),
    kind=st.sampled_from(["python", "sql", "external", "sensor", "empty", "glue"]),
    layout=st.sampled_from(["chain", "parallel"]),
    copies=st.sampled_from([1, 2, 5, 20, 60, 150]),
)


def _class_of(specs: list[DagSpec]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        return class_index(size(write_files(Path(folder), project_files(specs))))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.lists(spec_strategy, min_size=1, max_size=4), more=st.lists(spec_strategy, min_size=1, max_size=3))
def test_more_dags_never_give_a_smaller_class(base, more):
    assert _class_of(base + more) >= _class_of(base)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.lists(spec_strategy, min_size=1, max_size=4), which=st.integers(0, 3), added=st.integers(1, 8))
def test_more_load_never_gives_a_smaller_class(base, which, added):
    index = which % len(base)
    heavier = list(base)
    spec = base[index]
    heavier[index] = DagSpec(spec.schedule, spec.tasks + added, spec.kind, spec.layout, spec.copies)
    assert _class_of(heavier) >= _class_of(base)


# -- history ---------------------------------------------------------------------------------------

# 20 DAGs an hour apart by 3 minutes, each 3 parallel tasks: with the 5-minute default only two
# DAGs overlap; how long the tasks really take decides how many run at once.
STAGGERED = [DagSpec(schedule=f"{3 * i} * * * *", tasks=3, layout="parallel") for i in range(20)]


def _history(minutes: int) -> str:
    rows = ["dag_id,task_id,run_id,state,start,end"]
    for dag in range(20):
        for run in range(3):
            for task in range(3):
                start = f"2025-03-0{run + 1}T{10:02d}:{3 * dag:02d}:00+00:00"
                hours, rest = divmod(3 * dag + minutes, 60)
                end = f"2025-03-0{run + 1}T{10 + hours:02d}:{rest:02d}:00+00:00"
                rows.append(f"dag_{dag:04d},t{task},run_{run},success,{start},{end}")
    return "\n".join(rows) + "\n"


def test_history_moves_the_answer_in_the_expected_direction(make_project, tmp_path):
    root = make_project(project_files(STAGGERED))
    results = {"default": size(root)}
    for minutes in (1, 60, 180):
        history = tmp_path / f"history_{minutes}.csv"
        history.write_text(_history(minutes), encoding="utf-8")
        results[minutes] = size(root, history_path=history)
    peaks = {k: v["demand"]["peak_tasks"] for k, v in results.items()}
    workers = {k: v["recommendation"]["max_workers"] for k, v in results.items()}
    classes = {k: class_index(v) for k, v in results.items()}
    # Shorter than the default: fewer tasks at once; longer: more; three hours: runs overlap.
    assert peaks[1] < peaks["default"] < peaks[60] < peaks[180]
    assert peaks[1] == 3 and peaks["default"] == 6 and peaks[60] == 60 and peaks[180] == 180
    assert workers[1] <= workers["default"] < workers[60]
    assert classes[1] <= classes["default"] <= classes[60] < classes[180]
    assert results[180]["recommendation"]["environment_class"] == "mw1.medium"
    assert results[60]["inputs"]["history"]["task_durations_from_history"] == 60


def test_history_counts_dags_a_loop_builds_from_an_unknown_list(make_project, tmp_path):
    source = (
        "import json\nfrom airflow import DAG\nfrom airflow.operators.python import PythonOperator\n"
        "for name in json.load(open('tables.json')):\n"
        "    with DAG(f'load_{name}', schedule='@daily'):\n"
        "        PythonOperator(task_id='copy', python_callable=print)\n"
    )
    root = make_project({"dags/loader.py": source})
    estimated = size(root)
    assert estimated["inputs"]["dags"] == 1 and estimated["inputs"]["dags_estimated"] == 1
    assert any("estimate" in w and "loop over" in w for w in estimated["warnings"])
    history = tmp_path / "history.json"
    history.write_text(
        "[" + ",".join(f'{{"dag_id": "load_t{i}", "task_id": "copy", "start": "2025-01-01T01:00:00", '
                       f'"end": "2025-01-01T01:02:00", "state": "success"}}' for i in range(12)) + "]",
        encoding="utf-8")
    counted = size(root, history_path=history)
    # The load model runs the 12 the history names; the project's DAG count stays what the
    # code says, as scan's and package's (migrator.dag_count).
    assert counted["inputs"]["dags_estimated"] == 0 and counted["dags"][0]["copies"] == 12
    assert (counted["inputs"]["dags"], counted["inputs"]["dags_at_least"]) == (1, True)
    assert counted["dags"][0]["copies_note"] == "12 matching DAG ids in history"


# -- AWS Glue Workflows ----------------------------------------------------------------------------


def test_glue_only_dags_are_candidates_with_their_share_and_saving(make_project):
    glue = [DagSpec(schedule="@hourly", tasks=2, kind="glue") for _ in range(20)]
    other = [DagSpec(schedule="@daily", tasks=2) for _ in range(10)]
    document = size(make_project(project_files(glue + other)))
    candidates = document["glue_workflow_candidates"]
    saving = document["glue_workflow_saving"]
    assert len(candidates) == 20
    assert all(c["glue_tasks"] == 2 for c in candidates)
    # 30 DAGs need mw1.medium; the 10 others alone fit mw1.small (all ten start at midnight:
    # 10 tasks + 20% is more than mw1.micro's one worker of 3).
    assert document["recommendation"]["environment_class"] == "mw1.medium"
    assert saving["environment_class_without"] == "mw1.small"
    assert saving["monthly_saving_usd"] == pytest.approx(
        document["recommendation"]["monthly_cost_usd"] - saving["monthly_cost_usd_without"], abs=0.01)
    assert saving["monthly_saving_usd"] > 0
    # Glue jobs run 15 min every hour, the others 2 x 5 min once a day: Glue is most of the load.
    assert saving["share_of_load"] == pytest.approx(sum(c["share_of_load"] for c in candidates), abs=1e-3)
    assert saving["share_of_load"] > 0.9


def test_no_glue_candidates_when_a_dag_mixes_glue_with_other_work(make_project):
    source = project_files([DagSpec(tasks=1, kind="glue")])["dags/dag_0000.py"]
    source = source.replace("    t0 = ", "    PythonOperator(task_id='notify', python_callable=print)\n    t0 = ")
    source = "from airflow.operators.python import PythonOperator\n" + source
    document = size(make_project({"dags/mixed.py": source}))
    assert document["glue_workflow_candidates"] == []
    assert document["glue_workflow_saving"] is None


def test_when_no_class_fits_the_largest_is_named_with_what_it_lacks(make_project):
    # 2,500 DAGs are over half of mw1.2xlarge's 4,000; all start at midnight with 2 parallel
    # tasks: 5,000 tasks want 75 of its workers, more than the 50 even a quota increase allows.
    specs = [DagSpec(schedule="@daily", tasks=2, layout="parallel", copies=100) for _ in range(25)]
    document = size(make_project(project_files(specs)))
    recommendation = document["recommendation"]
    assert recommendation["environment_class"] == "mw1.2xlarge" and not recommendation["fits"]
    assert recommendation["max_workers"] == 25 and recommendation["workers_needed"] == 75
    failed = {c["check"] for c in recommendation["checks"] if not c["ok"]}
    assert failed == {"DAG capacity", "Workers at peak"}
    assert any(w.startswith("no environment class fits every check") for w in document["warnings"])
    assert [a["relation"] for a in document["alternatives"]] == ["smaller"]
