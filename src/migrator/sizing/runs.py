"""When each DAG's runs start over the reference week: as its schedule says, continuously, as
history shows, when the datasets it waits for are updated, or when another DAG triggers it; then
``max_active_runs`` holds a run back until an earlier one ends."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from migrator.sizing.defaults import REFERENCE_DAYS, WARM_UP_DAYS
from migrator.sizing.inputs import TaskHistory
from migrator.sizing.plans import DagPlan
from migrator.sizing.schedules import HORIZON_MINUTES, MINUTES_PER_DAY, cron_starts

OUTSIDE_DATASET_CRON = "0 0 * * *"  # a dataset no DAG of the project updates: once a day


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


