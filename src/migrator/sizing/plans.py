"""One DAG's run as the load model sees it: each task's duration (history, else the default of its
operator kind), worker-slot weight and memory, its start within a run along the dependencies,
and the run's critical path."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from packaging.version import Version

from migrator.sizing.defaults import (
    HEAVY_TASK_MEMORY_GB,
    KIND_DEFAULTS,
    RESCHEDULE_POKE_SECONDS,
    TaskKind,
    airflow_setting,
)
from migrator.sizing.facts import DagFacts, TaskFacts
from migrator.sizing.inputs import TaskHistory
from migrator.sizing.schedules import PlannedRuns, plan_runs


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


