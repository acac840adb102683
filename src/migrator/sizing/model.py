"""Which MWAA environment class fits, with how many workers and schedulers, at what monthly cost.

A class fits when all of these hold (each check grows with DAGs or load, so more of either never
picks a smaller class):

1. DAG count at most half the class's DAG capacity (AWS: keep under ~50%);
2. DAG parsing: all DAG files parsed by the class's parsing processes within half of
   ``min_file_process_interval`` (parse times from ``verify``, else a stated default per file);
3. the largest task's memory fits in a worker's usable memory;
4. workers for the peak plus headroom, by task slots and by memory, within the class maximum;
5. deferred tasks at their peak within the triggerer capacity of the schedulers allowed.

Class facts (capacity, vCPU/memory, tasks per worker, counts, prices) come from
``migrator.compat.environment_classes()``; the model's own defaults are in ``defaults.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from migrator.compat import EnvironmentClass, HourlyPrice, RegionPrices, billing, config_changes
from migrator.dag_count import dags_text
from migrator.sizing.defaults import (
    DAG_CAPACITY_SHARE,
    HOURS_PER_MONTH,
    METADATA_KB_PER_TASK_INSTANCE,
    METADATA_RETENTION_DAYS,
    MICRO_SCHEDULER_MEMORY_GB,
    PARSE_HEADROOM,
    SCALE_IN_HOLD_MINUTES,
    TRIGGERER_HEADROOM,
    WORKER_HEADROOM,
    WORKER_MEMORY_USABLE,
    airflow_setting,
)


@dataclass(frozen=True)
class Demand:
    """What the project asks of an environment (numbers every class is checked against)."""

    dags: int
    dags_at_least: bool  # migrator.dag_count: a loop or factory may build more
    dag_files: int
    parse_seconds_total: float
    parse_measured: bool
    peak_tasks: float  # worker slots in use at the busiest minute
    median_tasks: float  # at the median minute of the busiest day
    peak_memory_gb: float
    largest_task_memory_gb: float
    peak_deferred: float
    week_running: tuple[float, ...]  # worker slots in use per minute of the reference week
    task_instances_per_day: float
    target: str  # the target Airflow version


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    value: str
    limit: str
    detail: str


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: str
    unit_usd: float | None
    monthly_usd: float
    confirmed: bool
    note: str = ""


@dataclass
class Assessment:
    environment_class: EnvironmentClass
    checks: list[Check]
    tasks_per_worker: int
    min_workers: int
    max_workers: int  # what to configure: what the load needs, at most the class maximum
    workers_needed: int  # what the load needs (more than the class allows when it does not fit)
    schedulers: int
    config: dict[str, str]
    cost: list[CostLine] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.environment_class.name

    @property
    def fits(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def monthly_usd(self) -> float | None:
        """None without prices for the Region."""
        return round(sum(line.monthly_usd for line in self.cost), 2) if self.cost else None


def usable_worker_memory(environment_class: EnvironmentClass) -> float:
    usable = environment_class.worker.memory_gb * WORKER_MEMORY_USABLE
    if environment_class.scheduler_and_worker_shared:
        usable -= MICRO_SCHEDULER_MEMORY_GB
    return round(usable, 3)


def option_name(option: str, target: str) -> str:
    """``option`` as the target Airflow spells it (compat's config renames: Airflow 3 moved
    ``scheduler.parsing_processes`` to ``dag_processor.parsing_processes``)."""
    for change in config_changes(target):
        if change.option == option and change.kind == "renamed" and change.breaks and change.new_option:
            return change.new_option
    return option


def _hold(series: tuple[float, ...], minutes: int) -> list[float]:
    """Each minute's value raised to the maximum of the previous ``minutes`` (scale-in delay)."""
    held: list[float] = []
    window: list[tuple[int, float]] = []  # monotonic queue of (minute, value)
    for minute, value in enumerate(series):
        while window and window[-1][1] <= value:
            window.pop()
        window.append((minute, value))
        while window[0][0] <= minute - minutes:
            window.pop(0)
        held.append(window[0][1])
    return held


def assess(environment_class: EnvironmentClass, demand: Demand, prices: RegionPrices | None) -> Assessment:
    c = environment_class
    checks: list[Check] = []
    risks: list[str] = []

    # 1. DAG capacity
    allowed = c.dag_capacity * DAG_CAPACITY_SHARE
    share = demand.dags / c.dag_capacity
    checks.append(Check("DAG capacity", demand.dags <= allowed, dags_text(demand.dags, demand.dags_at_least),
                        f"{allowed:g} ({DAG_CAPACITY_SHARE:.0%} of {c.dag_capacity})",
                        f"{share:.0%} of the class's DAG capacity"))
    if demand.dags > allowed:
        risks.append(f"{dags_text(demand.dags, demand.dags_at_least)} are {share:.0%} of {c.name}'s capacity of {c.dag_capacity} "
                     f"(AWS advises under {DAG_CAPACITY_SHARE:.0%}): long parse loops, tasks "
                     "scheduled late")

    # 2. Parsing
    processes = c.parsing_processes_limit
    loop = demand.parse_seconds_total / processes
    budget = airflow_setting("scheduler.min_file_process_interval", demand.target) * PARSE_HEADROOM
    source = "measured by verify" if demand.parse_measured else "default per file"
    checks.append(Check("DAG parsing", loop <= budget, f"{loop:.1f} s per parse loop",
                        f"{budget:g} s",
                        f"{demand.dag_files} files, {demand.parse_seconds_total:.1f} s in total "
                        f"({source}) over {processes} parsing process(es) "
                        f"({c.scheduler.vcpu:g} scheduler vCPU)"))
    if loop > budget:
        risks.append(f"parsing every DAG file takes {loop:.0f} s with {processes} process(es), "
                     f"more than {budget:g} s: DAG changes appear late and the scheduler competes "
                     "for CPU")

    # 3 + 4. Memory and workers
    usable = usable_worker_memory(c)
    checks.append(Check("Task memory", demand.largest_task_memory_gb <= usable,
                        f"{demand.largest_task_memory_gb:g} GB largest task",
                        f"{usable:g} GB usable per worker",
                        f"{WORKER_MEMORY_USABLE:.0%} of {c.worker.memory_gb:g} GB"
                        + (f" minus {MICRO_SCHEDULER_MEMORY_GB:g} GB for the scheduler sharing "
                           "the container" if c.scheduler_and_worker_shared else "")))
    if demand.largest_task_memory_gb > usable:
        risks.append(f"a task needs about {demand.largest_task_memory_gb:g} GB; {c.name} workers "
                     f"leave {usable:g} GB: workers killed for memory")
    default_tpw = c.default_tasks_per_worker
    wanted_slots = demand.peak_tasks * (1 + WORKER_HEADROOM)
    by_tasks = math.ceil(round(wanted_slots / default_tpw, 6))
    by_memory = math.ceil(round(demand.peak_memory_gb * (1 + WORKER_HEADROOM) / usable, 6)) if usable > 0 else 0
    workers = max(1, by_tasks, by_memory)
    if by_memory > by_tasks:
        tasks_per_worker = min(default_tpw, max(1, math.ceil(round(wanted_slots / workers, 6))))
    else:
        tasks_per_worker = default_tpw
    allowed_workers = c.workers.maximum
    checks.append(Check("Workers at peak", workers <= allowed_workers,
                        f"{workers} worker(s)", f"{allowed_workers}",
                        f"peak {demand.peak_tasks:.1f} tasks + {WORKER_HEADROOM:.0%} at "
                        f"{tasks_per_worker} per worker; {demand.peak_memory_gb:.1f} GB at most"))
    if workers > allowed_workers:
        if allowed_workers < c.workers.maximum_with_quota and workers <= c.workers.maximum_with_quota:
            extra = f" ({c.workers.maximum_with_quota} with a service-quota increase)"
        else:
            extra = ""
        risks.append(f"the peak needs {workers} workers; {c.name} allows {allowed_workers}{extra}: "
                     "tasks queue at the peak")
    min_workers = max(c.workers.minimum,
                      min(workers, math.ceil(round(demand.median_tasks / tasks_per_worker, 6))))
    max_workers = min(workers, allowed_workers) if c.worker_autoscaling else allowed_workers
    min_workers = min(min_workers, max_workers)

    # 5. Triggerer
    if c.triggerer_capacity:
        needed = math.ceil(round(demand.peak_deferred * (1 + TRIGGERER_HEADROOM) / c.triggerer_capacity, 6))
        schedulers = min(max(c.schedulers.default, needed), c.schedulers.maximum)
        checks.append(Check("Triggerer", needed <= c.schedulers.maximum,
                            f"{demand.peak_deferred:.0f} deferred tasks at peak",
                            f"{c.triggerer_capacity} per scheduler x {c.schedulers.maximum}",
                            f"{needed} scheduler(s) needed for deferred tasks"))
        if needed > c.schedulers.maximum:
            risks.append(f"{demand.peak_deferred:.0f} deferred tasks exceed the triggerer capacity "
                         f"of {c.schedulers.maximum} schedulers: deferred tasks wait")
    else:
        schedulers = c.schedulers.default
        if demand.peak_deferred:
            risks.append(f"{c.name} has no recorded triggerer capacity; {demand.peak_deferred:.0f} "
                         "deferred tasks at the peak are not checked")
    if c.schedulers.maximum == 1:
        risks.append(f"{c.name} runs one scheduler: no failover")
    if not c.worker_autoscaling:
        risks.append(f"{c.name} has no worker autoscaling: the peak queues on one worker")

    config = {
        "celery.worker_autoscale": f"{tasks_per_worker},{tasks_per_worker}",
        "core.parallelism": str(max_workers * tasks_per_worker),
        option_name("scheduler.parsing_processes", demand.target): str(max(1, min(processes, demand.dag_files or 1))),
    }
    assessment = Assessment(c, checks, tasks_per_worker, min_workers, max_workers, workers,
                            schedulers, config, risks=risks)
    assessment.cost = monthly_cost(assessment, demand, prices)
    return assessment


def monthly_cost(assessment: Assessment, demand: Demand, prices: RegionPrices | None) -> list[CostLine]:
    """The month's bill by item; empty when there are no prices for the Region."""
    if prices is None:
        return []
    c = assessment.environment_class
    included = billing().included_in_base_fee
    unconfirmed_inclusion = "" if included.confirmed else "what the base fee includes is unconfirmed"
    lines: list[CostLine] = []
    base = prices.price("environment", c.name)
    lines.append(CostLine(f"{c.name} environment ({prices.region})", f"{HOURS_PER_MONTH} h",
                          base.usd_per_hour, round((base.usd_per_hour or 0) * HOURS_PER_MONTH, 2),
                          base.confirmed and base.usd_per_hour is not None,
                          base.note or f"price list of {prices.offer_date}"))

    tpw = assessment.tasks_per_worker
    held = _hold(demand.week_running, SCALE_IN_HOLD_MINUTES)
    low, high = assessment.min_workers, assessment.max_workers
    workers = [min(high, max(low, math.ceil(round(v / tpw, 6)))) for v in held] or [low]
    extra = [max(0, w - included.workers) for w in workers]
    average_extra = sum(extra) / len(extra)
    busy_hours = sum(1 for e in extra if e) / 60 / (len(extra) / 1440)
    lines.append(_extra_line("extra workers", prices.price("additional_worker", c.name), average_extra,
                             f"{average_extra:.2f} on average ({busy_hours:.1f} h/day above "
                             f"{included.workers} included)", included.confirmed, unconfirmed_inclusion))

    extra_schedulers = max(0, assessment.schedulers - included.schedulers)
    lines.append(_extra_line("extra schedulers", prices.price("additional_scheduler", c.name),
                             extra_schedulers, str(extra_schedulers), included.confirmed,
                             unconfirmed_inclusion))

    gigabytes = (demand.task_instances_per_day * METADATA_RETENTION_DAYS
                 * METADATA_KB_PER_TASK_INSTANCE / 1_000_000)
    storage_price = prices.metadata_storage_usd_per_gb_month
    retention = (f"{demand.task_instances_per_day:.0f} task runs/day kept "
                 f"{METADATA_RETENTION_DAYS} days at {METADATA_KB_PER_TASK_INSTANCE} KB each")
    lines.append(CostLine("metadata database storage", f"{gigabytes:.2f} GB", storage_price,
                          round(gigabytes * (storage_price or 0), 2),
                          prices.confirmed and storage_price is not None,
                          retention if storage_price is not None
                          else f"no storage price in {prices.source_name}; {retention}"))
    return lines


def _extra_line(item: str, price: HourlyPrice, count: float, quantity: str, included_confirmed: bool,
                unconfirmed_inclusion: str) -> CostLine:
    """An hourly line for ``count`` components beyond the base fee. A component without a price
    costs nothing when none is needed (mw1.micro has no extra workers) and is unconfirmed otherwise."""
    if price.usd_per_hour is None:
        return CostLine(item, quantity, None, 0.0, count == 0, price.note)
    return CostLine(item, quantity, price.usd_per_hour, round(price.usd_per_hour * count * HOURS_PER_MONTH, 2),
                    price.confirmed and included_confirmed, price.note or unconfirmed_inclusion)
