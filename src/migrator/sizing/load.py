"""Expected concurrent tasks, minute by minute, over the reference week.

For each DAG: the tasks' start offsets within a run follow the dependencies (critical path),
durations come from history or the defaults per operator kind, and each task holds a worker slot
as its wait mode says (poke: all the time; reschedule: one poke's worth per poke interval;
deferrable: one minute, then the triggerer). Runs start as the schedule says, or when the
datasets they wait for are updated, or when another DAG triggers them. Then the limits apply,
each as a queue that keeps the work and runs it later:

1. ``max_active_runs``: a run waits until an earlier run of the same DAG ends;
2. ``max_active_tasks``: a DAG's running tasks never exceed it;
3. pools: the tasks in a pool never exceed its slots (``default_pool`` has 128 unless defined).
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field

from migrator.sizing.defaults import (
    DEFAULT_POOL,
    DEFERRED_WORKER_MINUTES,
    POOL_HEADROOM,
    REFERENCE_DAYS,
    WARM_UP_DAYS,
    airflow_setting,
)
from migrator.sizing.inputs import PoolDefinition
from migrator.sizing.plans import DagPlan, TaskPlan, link_subdags, plan_dag
from migrator.sizing.runs import resolve_runs
from migrator.sizing.schedules import HORIZON_MINUTES, MINUTES_PER_DAY, TIMELINE_START

__all__ = ["DagLoad", "LoadResult", "RunProfile", "TaskPlan", "fluid_queue", "link_subdags", "plan_dag",
    "resolve_runs", "run_profile", "simulate"]


def fluid_queue(demand: list[float], capacity: float) -> tuple[list[float], list[float]]:
    """Running slots and waiting work (task-minutes) per minute when at most ``capacity`` may
    run; waiting work runs later."""
    running = [0.0] * len(demand)
    waiting = [0.0] * len(demand)
    backlog = 0.0
    for minute, wanted in enumerate(demand):
        total = wanted + backlog
        run = min(capacity, total)
        running[minute] = run
        backlog = total - run
        waiting[minute] = backlog
    return running, waiting


@dataclass
class RunProfile:
    pools: dict[str, list[float]]  # pool -> worker slots held per minute of one run
    triggerer: list[float]
    memory: list[float]

    @property
    def peak(self) -> float:
        length = max((len(p) for p in self.pools.values()), default=0)
        return max((sum(p[m] for p in self.pools.values()) for m in range(length)), default=0.0)


def run_profile(plan: DagPlan) -> RunProfile:
    """One run's load, minute by minute from its start. Runs start on the timeline, so no
    minute of a run past the timeline's length can land on it: a run that lasts longer (a
    task history says a task takes months) is cut there, which bounds the work and memory."""
    length = min(max(plan.run_minutes, 1), HORIZON_MINUTES)
    pools: dict[str, list[float]] = {}
    triggerer = [0.0] * length
    memory = [0.0] * length
    for task in plan.tasks:
        if task.minutes <= 0 or task.slot_weight <= 0:
            continue
        copies = task.facts.copies
        row = pools.setdefault(task.facts.pool, [0.0] * length)
        end = min(task.start + task.minutes, length)
        worker_end = end
        if task.facts.wait == "deferred":
            worker_end = min(task.start + min(task.minutes, DEFERRED_WORKER_MINUTES), length)
            for minute in range(worker_end, end):
                triggerer[minute] += copies
        for minute in range(task.start, worker_end):
            row[minute] += task.slot_weight * copies
            memory[minute] += task.slot_weight * copies * task.memory_gb
    return RunProfile(pools, triggerer, memory)


def _changes(profile: list[float]) -> list[tuple[int, float]]:
    """(offset, step) where a run's profile changes, ending back at zero."""
    steps: list[tuple[int, float]] = []
    previous = 0.0
    for offset, value in enumerate(profile):
        if value != previous:
            steps.append((offset, value - previous))
            previous = value
    if previous:
        steps.append((len(profile), -previous))
    return steps


def _add(diff: list[float], profile: list[float], starts: list[int], scale: float) -> None:
    """Add one profile per run start into a difference array (``_integrate`` makes the series)."""
    steps = [(offset, step * scale) for offset, step in _changes(profile)]
    last = len(diff) - 1
    for start in starts:
        for offset, step in steps:
            diff[min(start + offset, last)] += step


def _integrate(diff: list[float]) -> list[float]:
    series = list(itertools.accumulate(diff[:-1]))
    # Sums of float steps leave dust like 1e-15 where the true value is 0.
    return [0.0 if abs(v) < 1e-9 else v for v in series]


def _max_overlap(starts: list[int], length: int) -> int:
    ends: list[int] = []
    most = 0
    for start in starts:
        while ends and ends[0] <= start:
            heapq.heappop(ends)
        heapq.heappush(ends, start + length)
        most = max(most, len(ends))
    return most


def _pool_work(plan: DagPlan) -> dict[str, tuple[float, float]]:
    """Per pool, the task instances (in worker slots) and slot-minutes one run of a plan adds."""
    work: dict[str, tuple[float, float]] = {}
    for task in plan.tasks:
        if task.minutes <= 0 or task.slot_weight <= 0:
            continue
        minutes = min(task.minutes, DEFERRED_WORKER_MINUTES) if task.facts.wait == "deferred" else task.minutes
        slots = task.slot_weight * task.facts.copies
        instances, total = work.get(task.facts.pool, (0.0, 0.0))
        work[task.facts.pool] = (instances + slots, total + slots * minutes)
    return work


def _mean_task_minutes(plan: DagPlan) -> float:
    """Slot-minutes per task instance of a plan: turns queued work into queued tasks."""
    work = _pool_work(plan).values()
    instances = sum(i for i, _ in work)
    return sum(m for _, m in work) / instances if instances else 1.0


@dataclass
class DagLoad:
    plan: DagPlan
    profile_peak: float
    slot_minutes_per_day: float  # worker slot-minutes per reference day, all copies
    runs_per_day: float  # per copy
    capped_by_max_active_tasks: bool = False


@dataclass
class LoadResult:
    running: list[float]  # worker slots in use per minute (timeline)
    # tasks held back by max_active_tasks or pools (queued task-minutes over the mean duration)
    waiting: list[float]
    deferred: list[float]  # tasks waiting in the triggerer
    memory_gb: list[float]  # memory all wanted tasks would use (before limits)
    dags: list[DagLoad]
    pool_peaks: dict[str, tuple[float, float | None]]  # pool -> (peak demand, slots or None)
    notes: list[str]
    raise_pools: dict[str, int] = field(default_factory=dict)  # pool -> slots it should get

    def day(self, series: list[float], day: int) -> list[float]:
        start = (WARM_UP_DAYS + day) * MINUTES_PER_DAY
        return series[start:start + MINUTES_PER_DAY]

    def day_peaks(self) -> list[float]:
        return [max(self.day(self.running, d)) for d in range(REFERENCE_DAYS)]

    @property
    def busiest_day(self) -> int:
        peaks = self.day_peaks()
        return peaks.index(max(peaks))

    def week(self, series: list[float]) -> list[float]:
        return series[WARM_UP_DAYS * MINUTES_PER_DAY:]

    @staticmethod
    def day_name(day: int) -> str:
        from datetime import timedelta

        date = TIMELINE_START + timedelta(days=WARM_UP_DAYS + day)
        return date.strftime("%A %Y-%m-%d")


def simulate(plans: list[DagPlan], pools: dict[str, PoolDefinition], target: str) -> LoadResult:
    """The week's load, minute by minute; ``target`` (an Airflow version) decides Airflow's
    defaults for what the project leaves unset (default_pool's size)."""
    horizon = HORIZON_MINUTES
    pool_diff: dict[str, list[float]] = {}
    pool_capped: dict[str, list[float]] = {}  # from DAGs queued by max_active_tasks (dense)
    triggerer_diff = [0.0] * (horizon + 1)
    memory_diff = [0.0] * (horizon + 1)
    waiting_dag = [0.0] * horizon
    pool_work: dict[str, list[float]] = {}  # pool -> [task instances, slot-minutes]
    loads: list[DagLoad] = []
    week_start = WARM_UP_DAYS * MINUTES_PER_DAY
    for plan in plans:
        profile = run_profile(plan)
        week_runs = sum(1 for s in plan.starts if s >= week_start)
        slot_minutes = sum(sum(row) for row in profile.pools.values())
        load = DagLoad(plan, profile.peak, slot_minutes * week_runs * plan.copies / REFERENCE_DAYS,
                       week_runs / REFERENCE_DAYS)
        loads.append(load)
        if not plan.include_load or not plan.starts or not profile.pools:
            continue
        _add(triggerer_diff, profile.triggerer, plan.starts, plan.copies)
        _add(memory_diff, profile.memory, plan.starts, plan.copies)
        overlap = _max_overlap(plan.starts, max(plan.run_minutes, 1))
        for pool, (instances, minutes) in _pool_work(plan).items():
            totals = pool_work.setdefault(pool, [0.0, 0.0])
            totals[0] += instances * len(plan.starts) * plan.copies
            totals[1] += minutes * len(plan.starts) * plan.copies
        if profile.peak * overlap <= plan.max_active_tasks:
            for pool, row in profile.pools.items():
                _add(pool_diff.setdefault(pool, [0.0] * (horizon + 1)), row, plan.starts, plan.copies)
            continue
        # This DAG can exceed max_active_tasks: queue its own tasks first, pool by pool in
        # proportion to what each pool wants at that minute.
        load.capped_by_max_active_tasks = True
        task_minutes = _mean_task_minutes(plan)
        own = {}
        for pool, row in profile.pools.items():
            diff = [0.0] * (horizon + 1)
            _add(diff, row, plan.starts, 1.0)
            own[pool] = _integrate(diff)
        backlog = dict.fromkeys(own, 0.0)
        cap = float(plan.max_active_tasks)
        for minute in range(horizon):
            wants = {pool: own[pool][minute] + backlog[pool] for pool in own}
            total = sum(wants.values())
            if total <= 0:
                continue
            share = min(1.0, cap / total)
            for pool, wanted in wants.items():
                ran = wanted * share
                backlog[pool] = wanted - ran
                pool_capped.setdefault(pool, [0.0] * horizon)[minute] += ran * plan.copies
            waiting_dag[minute] += (total - min(cap, total)) * plan.copies / task_minutes
    pool_demand: dict[str, list[float]] = {}
    for pool in sorted(set(pool_diff) | set(pool_capped)):
        demand = _integrate(pool_diff[pool]) if pool in pool_diff else [0.0] * horizon
        for minute, value in enumerate(pool_capped.get(pool, ())):
            demand[minute] += value
        pool_demand[pool] = demand
    triggerer = _integrate(triggerer_diff)
    memory = _integrate(memory_diff)
    running = [0.0] * horizon
    waiting = list(waiting_dag)
    pool_peaks: dict[str, tuple[float, float | None]] = {}
    raise_pools: dict[str, int] = {}
    notes: list[str] = []
    for pool in sorted(pool_demand):
        demand = pool_demand[pool]
        peak = max(demand)
        definition = pools.get(pool)
        if definition is not None:
            slots: float | None = None if definition.unlimited else float(definition.slots)
        elif pool == DEFAULT_POOL:
            default_slots = int(airflow_setting("core.default_pool_task_slot_count", target))
            slots = float(default_slots)
            if peak > slots:
                # The project does not set default_pool, so its size is part of the migration:
                # size for what the DAGs want and say how large the pool must be.
                raise_pools[pool] = math.ceil(round(peak * (1 + POOL_HEADROOM), 6))
                notes.append(f"default_pool: the DAGs want up to {peak:.0f} of its "
                             f"{default_slots} default slots at once; the model assumes "
                             f"it is raised to {raise_pools[pool]} (see the recommendation)")
                slots = None
        else:
            slots = None
            notes.append(f"pool {pool!r} is used but not defined in the project: create it on MWAA "
                         "(tasks in a missing pool never run); the model does not limit it")
        pool_peaks[pool] = (peak, slots)
        if slots is None:
            ran, held = demand, [0.0] * horizon
        else:
            ran, backlog = fluid_queue(demand, slots)
            instances, minutes = pool_work.get(pool, (1.0, 1.0))
            mean_minutes = minutes / instances if instances else 1.0
            held = [b / mean_minutes for b in backlog]
            if max(held) > 0:
                notes.append(f"pool {pool!r}: up to {max(held):.0f} tasks wait for its {slots:.0f} "
                             "slots; the chart shows them as held back")
        for minute in range(horizon):
            running[minute] += ran[minute]
            waiting[minute] += held[minute]
    return LoadResult(running, waiting, triggerer, memory, loads, pool_peaks, notes, raise_pools)
