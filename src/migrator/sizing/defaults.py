"""The stated defaults of the sizing model: what it assumes when the project does not say.

Every value here is printed in the report's assumptions when it is used, so a reader can see
which numbers came from the project, which from history or ``verify``, and which from here.
MWAA class facts (capacity, resources, prices) and Airflow's configuration defaults are not
here: they come from ``migrator.compat``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from migrator.compat import airflow_default, dag_capacity_share, worker_environment


class TaskKind(StrEnum):
    """What a task mostly does, which decides its default duration, memory and slot use."""

    EMPTY = "empty"  # EmptyOperator/DummyOperator: the scheduler marks them done, no worker slot
    LIGHT = "light"  # one API call or message: HTTP, e-mail, Slack, triggering another DAG
    PYTHON = "python"  # Python callables, bash commands, @task functions
    SQL = "sql"  # a query run in a database; the worker waits for the result
    TRANSFER = "transfer"  # moves data between systems through the worker
    GLUE = "glue"  # starts an AWS Glue job or crawler and waits for it
    EXTERNAL = "external"  # starts work on remote compute (EMR, Batch, ECS, Kubernetes, ...) and waits
    SENSOR = "sensor"  # waits for a condition
    OTHER = "other"  # custom operators the model cannot classify


@dataclass(frozen=True)
class KindDefaults:
    minutes: int  # wall-clock duration of one task instance
    memory_gb: float  # resident memory on the worker while it runs
    why: str


# Durations and memory are planning defaults, not measurements: `--history` replaces durations
# with the project's own medians. Memory is what one task process holds on a Celery worker;
# the values sit below the ~0.4 GB per task slot that MWAA's own default tasks-per-worker implies
# (2 GB / 5 on mw1.small, 4 GB / 10 on mw1.medium, 8 GB / 20 on mw1.large).
KIND_DEFAULTS: dict[TaskKind, KindDefaults] = {
    TaskKind.EMPTY: KindDefaults(0, 0.0, "completed by the scheduler without a worker slot"),
    TaskKind.LIGHT: KindDefaults(1, 0.15, "one API call or message"),
    TaskKind.PYTHON: KindDefaults(5, 0.3, "a Python callable or shell command"),
    TaskKind.SQL: KindDefaults(10, 0.3, "the worker waits while the database runs the query"),
    TaskKind.TRANSFER: KindDefaults(10, 0.5, "data passes through the worker"),
    TaskKind.GLUE: KindDefaults(15, 0.2, "the worker polls the Glue job or crawler until it ends"),
    TaskKind.EXTERNAL: KindDefaults(30, 0.2, "the worker polls remote compute until it ends"),
    TaskKind.SENSOR: KindDefaults(30, 0.15, "time until the awaited condition is met"),
    TaskKind.OTHER: KindDefaults(5, 0.3, "custom operator, treated like a Python task"),
}

# Python tasks in a module that imports one of these hold data frames or models in memory.
HEAVY_MODULES = frozenset({
    "pandas", "numpy", "polars", "pyarrow", "sklearn", "scipy", "torch", "tensorflow", "xgboost",
    "lightgbm", "pyspark", "dask", "duckdb",
})
HEAVY_TASK_MEMORY_GB = 1.0
HEAVY_KINDS = frozenset({TaskKind.PYTHON, TaskKind.OTHER, TaskKind.TRANSFER})

# Airflow's own defaults where a DAG or the project sets nothing (max_active_runs,
# max_active_tasks, default_pool slots, min_file_process_interval, dagbag_import_timeout, a
# sensor's poke_interval) are Airflow facts: migrator.compat records them per Airflow version.
(DEFAULT_POOL,) = worker_environment().default_pools  # the one pool every environment has


def airflow_setting(name: str, target: str) -> int | float:
    """Airflow's default of ``name`` (a config option or ``Class.argument``) on the ``target``
    Airflow version, from ``migrator.compat.airflow_default``; any spelling of the option works
    (``scheduler.min_file_process_interval`` answers for ``dag_processor.*`` on Airflow 3)."""
    value = airflow_default(name, target).value
    if isinstance(value, str):
        raise TypeError(f"{name} is not a numeric setting (default {value!r})")
    return value


# Sensor and deferral behaviour.
RESCHEDULE_POKE_SECONDS = 10  # slot time one reschedule-mode poke holds (start, check, release)
DEFERRED_WORKER_MINUTES = 1  # a deferrable task runs on a worker until it defers, then resumes

# Counts the analysis cannot read from the code.
MAPPED_TASK_DEFAULT_FANOUT = 5  # .expand() over a value known only at run time
UNKNOWN_LOOP_ITERATIONS = 1  # a loop over a value the analysis cannot count

# Parsing.
PARSE_SECONDS_PER_FILE = 0.2  # a DAG file with light top-level code, when verify gave no time
PARSE_SECONDS_PER_EXTRA_DAG = 0.05  # each further DAG a file builds
PARSE_HEADROOM = 0.5  # parsing processes busy at most half of min_file_process_interval

# Capacity headroom, as AWS words it for DAG counts (keep DAGs under ~50% of class capacity):
# compat/data/environment_classes.json, with its source.
DAG_CAPACITY_SHARE = dag_capacity_share()
WORKER_HEADROOM = 0.2  # plan workers for the peak plus 20%
TRIGGERER_HEADROOM = 0.2
POOL_HEADROOM = 0.2  # default_pool raised to the DAGs' peak plus 20%, when it must grow
WORKER_MEMORY_USABLE = 0.8  # share of worker memory tasks may use; the rest is Celery and the OS
MICRO_SCHEDULER_MEMORY_GB = 1.0  # mw1.micro runs scheduler and worker in one container

# Worker autoscaling: MWAA removes workers some minutes after the queue drains.
SCALE_IN_HOLD_MINUTES = 10

# Billing.
HOURS_PER_MONTH = 730  # AWS pricing pages bill a month as 730 hours
METADATA_KB_PER_TASK_INSTANCE = 5  # task_instance, dag_run, xcom and log rows per task run
METADATA_RETENTION_DAYS = 90  # history kept before `airflow db clean`

# The reference week: 2024-01-01 is both a Monday and the first of a month, so daily, weekday,
# weekly and monthly schedules all fire in it; the busiest of its days is the one sized for.
REFERENCE_WEEK_START = (2024, 1, 1)
REFERENCE_DAYS = 7
WARM_UP_DAYS = 1  # runs of the day before carry their load past midnight into the week

# A task-history row longer than this is an export artefact (an end date never set, a
# 9999-12-31 placeholder, a clock reset), not a run: such rows are reported, not used.
MAX_TASK_INSTANCE_DAYS = 366
