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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.version import Version

from migrator.sizing.defaults import (
    DEFAULT_POOL,
    DEFERRED_WORKER_MINUTES,
    HEAVY_TASK_MEMORY_GB,
    KIND_DEFAULTS,
    POOL_HEADROOM,
    REFERENCE_DAYS,
    RESCHEDULE_POKE_SECONDS,
    WARM_UP_DAYS,
    TaskKind,
    airflow_setting,
)
from migrator.sizing.facts import DagFacts, TaskFacts
from migrator.sizing.inputs import PoolDefinition, TaskHistory
from migrator.sizing.schedules import (
    HORIZON_MINUTES,
    MINUTES_PER_DAY,
    TIMELINE_START,
    PlannedRuns,
    cron_starts,
    plan_runs,
)

OUTSIDE_DATASET_CRON = "0 0 * * *"  # a dataset no DAG of the project updates: once a day


@dataclass
class TaskPlan:
    facts: TaskFacts
    minutes: int
    duration_source: str  # "history (n runs)" or "default (<kind>)"
    slot_weight: float  # worker slots held per copy while it runs
    memory_gb: float
    start: int = 0  # minutes after the run starts


@dataclass
class DagPlan:
    facts: DagFacts
    tasks: list[TaskPlan]
    planned: PlannedRuns
    copies: int
    copies_estimated: bool
    copies_note: str
    max_active_runs: int
    max_active_tasks: int
    history_ids: list[str] = field(default_factory=list)
    run_minutes: int = 0
    starts: list[int] = field(default_factory=list)  # actual starts on the timeline
    run_source: str = "schedule"
    delayed_runs: int = 0
    longest_delay: int = 0
    include_load: bool = True

    @property
    def name(self) -> str:
        return self.facts.dag_id


def _history_pattern(text: str, is_pattern: bool) -> re.Pattern[str]:
    if not is_pattern:
        return re.compile(re.escape(text) + r"\Z")
    parts = re.split(r"\{[^{}]*\}", text)
    return re.compile(".+".join(re.escape(p) for p in parts) + r"\Z")


def _task_minutes(task: TaskFacts, dag_ids: list[str], history: TaskHistory | None) -> tuple[int, str]:
    kind = task.kind
    if kind is TaskKind.EMPTY:
        return 0, "none (no worker slot)"
    if history is not None and dag_ids:
        if "{" in task.task_id:
            pattern = _history_pattern(task.task_id, True)
            ids = sorted({t for d, t in history.durations if d in dag_ids and pattern.match(t)})
        else:
            ids = [task.task_id]
        values = [history.median_seconds(dag_ids, t) for t in ids]
        values = [v for v in values if v is not None]
        if values:
            seconds = sum(v[0] for v in values) / len(values)
            runs = sum(v[1] for v in values)
            return max(1, math.ceil(seconds / 60)), f"history ({runs} runs)"
    if task.wait == "fire-and-forget":
        return KIND_DEFAULTS[TaskKind.LIGHT].minutes, "default (starts the job, does not wait)"
    return KIND_DEFAULTS[kind].minutes, f"default ({kind.value})"


def _slot_weight(task: TaskFacts, target: str) -> float:
    if task.wait == "none":
        return 0.0
    if task.wait == "reschedule":
        poke_interval = task.poke_interval_s or airflow_setting("BaseSensorOperator.poke_interval", target)
        return min(1.0, RESCHEDULE_POKE_SECONDS / max(poke_interval, 1.0))
    return 1.0


def _memory(task: TaskFacts) -> float:
    return HEAVY_TASK_MEMORY_GB if task.heavy else KIND_DEFAULTS[task.kind].memory_gb


def _critical_path(tasks: list[TaskPlan]) -> int:
    """Set each task's start offset to when its upstream tasks end; return the run length."""
    indegree = [len(t.facts.upstream) for t in tasks]
    downstream: dict[int, list[int]] = {}
    for index, task in enumerate(tasks):
        for up in task.facts.upstream:
            downstream.setdefault(up, []).append(index)
    ready = [i for i, d in enumerate(indegree) if d == 0]
    done: set[int] = set()
    while ready:
        index = ready.pop()
        done.add(index)
        end = tasks[index].start + tasks[index].minutes
        for down in downstream.get(index, []):
            tasks[down].start = max(tasks[down].start, end)
            indegree[down] -= 1
            if indegree[down] == 0:
                ready.append(down)
    # Tasks on a dependency cycle (a misread, or a real bug Airflow refuses) start with the run.
    return max((t.start + t.minutes for t in tasks), default=0)


def plan_dag(facts: DagFacts, target: str, history: TaskHistory | None) -> DagPlan:
    dag_ids: list[str] = []
    copies, estimated, note = facts.copies, facts.copies_estimated, facts.copies_note
    if history is not None:
        pattern = _history_pattern(facts.dag_id, facts.dag_id_is_pattern)
        dag_ids = sorted(d for d in history.dag_ids if pattern.match(d))
        if facts.dag_id_is_pattern and estimated and dag_ids:
            copies, estimated, note = len(dag_ids), False, f"{len(dag_ids)} matching DAG ids in history"
    tasks = []
    for task in facts.tasks:
        minutes, source = _task_minutes(task, dag_ids, history)
        weight = _slot_weight(task, target)
        if task.subdag and Version(target).major >= 3:
            weight = 0.0  # Airflow 3 has no SubDAGs: the migration turns them into task groups
        tasks.append(TaskPlan(task, minutes, source, weight, _memory(task)))
    planned = plan_runs(facts.schedule, target)
    if facts.is_subdag:
        planned = PlannedRuns((), triggered=True, note="runs inside its parent's SubDagOperator")
    plan = DagPlan(
        facts=facts, tasks=tasks, planned=planned,
        copies=copies, copies_estimated=estimated, copies_note=note,
        max_active_runs=facts.max_active_runs or airflow_setting("core.max_active_runs_per_dag", target),
        max_active_tasks=facts.max_active_tasks or airflow_setting("core.max_active_tasks_per_dag", target),
        history_ids=dag_ids,
    )
    plan.run_minutes = _critical_path(tasks)
    if plan.planned.continuous:
        plan.max_active_runs = 1
    return plan


def link_subdags(plans: list[DagPlan]) -> None:
    """A SubDagOperator lasts as long as the SubDAG it runs (unless history says otherwise)."""
    by_factory: dict[str, list[DagPlan]] = {}
    for plan in plans:
        if plan.facts.is_subdag and plan.facts.factory:
            by_factory.setdefault(plan.facts.factory, []).append(plan)
    for plan in plans:
        changed = False
        for task in plan.tasks:
            subdags = by_factory.get(task.facts.subdag or "", [])
            if subdags and not task.duration_source.startswith("history"):
                task.minutes = max(s.run_minutes for s in subdags)
                task.duration_source = "its SubDAG's run"
                changed = True
        if changed:
            for task in plan.tasks:
                task.start = 0
            plan.run_minutes = _critical_path(plan.tasks)


# -- run starts ------------------------------------------------------------------------------------


def _apply_max_active_runs(plan: DagPlan, wanted: Iterable[int]) -> None:
    length = max(plan.run_minutes, 1)
    ends: list[int] = []
    starts: list[int] = []
    previous = 0
    delayed, longest = 0, 0
    ordered = sorted(wanted)
    for index, scheduled in enumerate(ordered):
        start = max(scheduled, previous)  # runs start in order
        while ends and ends[0] <= start:
            heapq.heappop(ends)
        while len(ends) >= plan.max_active_runs:
            start = max(start, heapq.heappop(ends))
        if start >= HORIZON_MINUTES:
            # Runs start in order, so none of the rest starts within the timeline either.
            delayed += len(ordered) - index
            longest = max(longest, HORIZON_MINUTES - scheduled)
            break
        if start > scheduled:
            delayed += 1
            longest = max(longest, start - scheduled)
        heapq.heappush(ends, start + length)
        starts.append(start)
        previous = start
    plan.starts, plan.delayed_runs, plan.longest_delay = starts, delayed, longest


def _continuous_starts(plan: DagPlan) -> list[int]:
    step = max(plan.run_minutes, 1)
    return list(range(0, HORIZON_MINUTES, step))


def _history_starts(plan: DagPlan, history: TaskHistory) -> list[int]:
    """Observed runs per day placed at the observed times of day (evenly chosen quantiles)."""
    observed = sorted(s for d in plan.history_ids for s in history.run_starts.get(d, []))
    if not observed:
        return []
    per_day = max(1, round(len(observed) / history.days))
    minutes_of_day = sorted(s.hour * 60 + s.minute for s in observed)
    chosen = [minutes_of_day[min(len(minutes_of_day) - 1, int((i + 0.5) * len(minutes_of_day) / per_day))]
              for i in range(per_day)]
    return [day * MINUTES_PER_DAY + m for day in range(WARM_UP_DAYS + REFERENCE_DAYS) for m in chosen]


def _dataset_run_starts(key_updates: list[list[int]]) -> list[int]:
    """A dataset-scheduled DAG runs once every dataset it waits for was updated since its last run."""
    events = sorted((t, k) for k, times in enumerate(key_updates) for t in times)
    needed = set(range(len(key_updates)))
    seen: set[int] = set()
    starts = []
    for moment, key in events:
        seen.add(key)
        if seen >= needed:
            starts.append(moment)
            seen = set()
    return starts


def resolve_runs(plans: list[DagPlan], history: TaskHistory | None) -> list[str]:
    """Set every plan's actual run starts; returns notes about runs the model could not place."""
    notes: list[str] = []
    by_id: dict[str, list[DagPlan]] = {}
    for plan in plans:
        by_id.setdefault(plan.facts.dag_id, []).append(plan)
    pending: list[DagPlan] = []
    for plan in plans:
        if plan.planned.continuous:
            plan.run_source = "continuous"
            _apply_max_active_runs(plan, _continuous_starts(plan))
        elif plan.planned.triggered:
            pending.append(plan)
        else:
            plan.run_source = f"schedule ({plan.planned.note})" if plan.planned.note else "schedule"
            _apply_max_active_runs(plan, plan.planned.starts)
    resolved = {id(p) for p in plans if p not in pending}

    def updates_of(key: str) -> list[int] | None:
        """Times ``key`` is updated, or None while a producer is unresolved; [] = no producer."""
        times: set[int] = set()
        producers = False
        for plan in plans:
            for task in plan.tasks:
                if key in task.facts.outlets:
                    producers = True
                    if id(plan) not in resolved:
                        return None
                    times.update(s + task.start + task.minutes for s in plan.starts)
        if not producers:
            return []
        return sorted(t for t in times if t < HORIZON_MINUTES)

    def trigger_times(plan: DagPlan) -> list[int] | None:
        times: list[int] = []
        for other in plans:
            for task in other.tasks:
                triggered = plan.facts.dag_id in task.facts.triggers
                # One SubDagOperator per SubDAG copy: each copy runs once per parent run.
                runs_subdag = plan.facts.is_subdag and task.facts.subdag == plan.facts.factory
                if triggered or runs_subdag:
                    if id(other) not in resolved:
                        return None
                    copies = task.facts.copies if triggered else 1
                    times.extend(s + task.start for s in other.starts for _ in range(copies))
        return times

    for _ in range(len(pending) + 1):
        progressed = False
        for plan in pending:
            if id(plan) in resolved:
                continue
            triggered = trigger_times(plan)
            keys = plan.facts.schedule.datasets
            updates = [updates_of(k) for k in keys]
            if triggered is None or any(u is None for u in updates):
                continue
            starts: list[int] = list(triggered)
            sources = []
            if triggered:
                sources.append("its parent's SubDagOperator" if plan.facts.is_subdag else "triggered by another DAG")
            if keys:
                outside = [k for k, u in zip(keys, updates, strict=True) if not u]
                sources.append("dataset updates")
                if outside:
                    daily, _ = cron_starts((OUTSIDE_DATASET_CRON,), None)
                    updates = [u if u else list(daily) for u in updates]
                    names = ", ".join(k.split(":", 1)[1] for k in outside)
                    sources.append(f"{names} updated outside the project: assumed daily at 00:00 UTC")
                starts += _dataset_run_starts(updates)
            if not starts and history is not None and plan.history_ids:
                starts = _history_starts(plan, history)
                sources.append("runs observed in history")
            plan.run_source = "; ".join(sources) or "not scheduled"
            _apply_max_active_runs(plan, starts)
            resolved.add(id(plan))
            progressed = True
        if not progressed:
            break
    for plan in pending:
        if id(plan) not in resolved:  # datasets or triggers in a cycle
            plan.run_source = "waits on a cycle of datasets/triggers: not placed"
            plan.starts = []
            notes.append(f"{plan.name}: its runs wait on a cycle of dataset updates or triggers")
    return notes


# -- load on the timeline --------------------------------------------------------------------------


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
