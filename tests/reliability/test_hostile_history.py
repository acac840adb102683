"""``size --history``: work and memory bounded by the rows and the sizing window, not by values.

A task-history export can hold anything a database or a hand edit puts in a timestamp column:
a row that spans centuries (an end date of 9999-12-31), infinities and NaN, numbers too large
for any clock or for Python's int-to-text conversion, end before start. Each such row is named
in the report (or, when no row is usable, in a one-line input error); none may cost memory or
time in proportion to the duration it claims.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from reliability import corpus

from migrator.errors import InputError
from migrator.sizing.defaults import MAX_TASK_INSTANCE_DAYS, TaskKind
from migrator.sizing.facts import TaskFacts
from migrator.sizing.inputs import NAMED_BAD_ROWS, load_history
from migrator.sizing.load import DagPlan, TaskPlan, run_profile
from migrator.sizing.schedules import HORIZON_MINUTES

CHAIN = 12  # tasks in a row: a run lasts as long as all of them
DAG = (corpus.DAG.replace("bash_operator", "bash") + "import pendulum\n"
       "with DAG('chain', schedule='@hourly', start_date=pendulum.datetime(2024, 1, 1)) as dag:\n"
       + "".join(f"    t{i} = BashOperator(task_id='t{i}', bash_command='echo')\n" for i in range(CHAIN))
       + "    " + " >> ".join(f"t{i}" for i in range(CHAIN)) + "\n")
MEMORY_LIMIT = 1536 * 1024 * 1024  # bytes of address space for the size run


def timestamps():
    return st.one_of(
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
            lambda d: d.isoformat()),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-10**40, max_value=10**40),
        st.sampled_from(corpus.HOSTILE_TIMESTAMPS),
        st.text(max_size=12))


rows = st.lists(st.fixed_dictionaries({
    "dag_id": st.sampled_from(["chain", "other"]), "task_id": st.sampled_from(["t0", "t1"]),
    "start": timestamps(), "end": timestamps(), "state": st.sampled_from(["success", "running"]),
}), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(rows=rows)
def test_any_row_is_used_or_named(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("history") / "ti.json"
    path.write_text(json.dumps(rows))
    try:
        history = load_history(path)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"{path}: ")
        return
    assert history.used + history.bad_rows <= len(rows)
    assert len(history.bad_row_notes) == min(history.bad_rows, NAMED_BAD_ROWS)
    assert all("\n" not in note and len(note) < 200 for note in history.bad_row_notes)
    longest = max(d for values in history.durations.values() for d in values)
    assert 0 <= longest <= timedelta(days=MAX_TASK_INSTANCE_DAYS).total_seconds()


def history_rows(span: timedelta, count: int) -> list[dict]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [{"dag_id": "chain", "task_id": f"t{i % CHAIN}", "start": start.isoformat(),
             "end": (start + span).isoformat(), "state": "success"} for i in range(count)]


@settings(max_examples=50, deadline=None)
@given(days=st.lists(st.integers(0, MAX_TASK_INSTANCE_DAYS), min_size=1, max_size=40),
       deferred=st.booleans())
def test_one_run_s_load_never_outgrows_the_window(days, deferred):
    """A chain of tasks each as long as history may say: the run lasts years, its load
    profile stays as long as the timeline."""
    tasks, start = [], 0
    for index, length in enumerate(days):
        facts = TaskFacts(f"t{index}", "PythonOperator", TaskKind.PYTHON, index + 1,
                          wait="deferred" if deferred else "slot")
        tasks.append(TaskPlan(facts, max(1, length * 1440), "history", 1.0, 1.0, start=start))
        start += tasks[-1].minutes
    plan = DagPlan(None, tasks, None, 1, False, "", 1, 16, run_minutes=start)
    profile = run_profile(plan)
    series = [*profile.pools.values(), profile.triggerer, profile.memory]
    assert all(len(values) == min(start, HORIZON_MINUTES) for values in series)
    assert profile.pools["default_pool"][0] == 1.0  # the first task holds its slot from minute 0


def limited_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_size_with_rows_spanning_centuries_stays_small(make_project, tmp_path):
    root = make_project({"dags/chain.py": DAG})
    rows = (history_rows(timedelta(days=MAX_TASK_INSTANCE_DAYS - 1), 3 * CHAIN)
            + [{**row, "start": "0001-01-01T00:00:00", "end": "9999-12-31T00:00:00"}
               for row in history_rows(timedelta(0), 3)]
            + [{**row, "end": value} for row, value in zip(
                history_rows(timedelta(0), 4), [float("inf"), float("nan"), 1e300, "HUGE"],
                strict=True)])
    path = tmp_path / "history.json"
    # A number longer than Python turns into an int (4300 digits), as a database could write it.
    path.write_text(json.dumps(rows).replace('"HUGE"', "9" * 5000))
    proc = subprocess.run([sys.executable, "-m", "migrator", "size", str(root), "--history",
                           str(path), "--format", "json"], capture_output=True, text=True,
                          timeout=300, preexec_fn=limited_memory, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    history = json.loads(proc.stdout)["inputs"]["history"]
    assert history["used"] == 3 * CHAIN and history["unusable_rows"] == 7
    assert history["unusable_row_examples"][0].startswith(f"row {3 * CHAIN + 1}: runs 3652058 days")

