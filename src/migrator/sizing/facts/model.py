"""What the sizing reader learns about a DAG module: its DAGs, their tasks and schedules, and the
scopes and task sites the reader works with on the way."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from migrator.analysis.dags import DagDef, TaskDef
from migrator.sizing.defaults import DEFAULT_POOL, TaskKind
from migrator.sizing.facts.loops import Count


@dataclass
class Schedule:
    """When a DAG runs, as the code says it."""

    kind: str  # cron | interval | dataset | none | once | continuous | unknown
    text: str  # as written, for the report
    crons: tuple[str, ...] = ()
    every_minutes: float | None = None
    timezone: str | None = None
    datasets: tuple[str, ...] = ()  # dataset keys the DAG waits for (see DatasetTable.key)
    defaulted: bool = False  # no schedule argument: the target version's default applies


@dataclass
class TaskFacts:
    task_id: str
    operator: str
    kind: TaskKind
    line: int
    copies: int = 1
    copies_estimated: bool = False
    copies_note: str = ""
    pool: str = DEFAULT_POOL
    wait: str = "slot"  # slot | reschedule | deferred | fire-and-forget | none
    poke_interval_s: float | None = None  # None: the sensor's default (compat, per target)
    heavy: bool = False  # the module imports data-frame or ML libraries
    upstream: set[int] = field(default_factory=set)  # indices into DagFacts.tasks
    outlets: tuple[str, ...] = ()  # dataset keys this task updates
    triggers: tuple[str, ...] = ()  # dag ids a TriggerDagRunOperator starts
    subdag: str | None = None  # "module.function" building the SubDAG a SubDagOperator runs


@dataclass
class DagFacts:
    dag_id: str  # literal id, or the f-string's text with its placeholders
    dag_id_is_pattern: bool
    path: str
    line: int
    copies: int
    copies_estimated: bool
    copies_note: str
    schedule: Schedule
    max_active_runs: int | None
    max_active_tasks: int | None
    catchup: bool | None
    tasks: list[TaskFacts]
    # The top-level function that builds this DAG ("module.function"); when it is not called in
    # its own file (factory_uncalled), other files may call it (a shared DAG factory).
    factory: str | None = None
    factory_uncalled: bool = False
    factory_loops: Count | None = None  # copies the factory makes per call (loops around the DAG)
    is_subdag: bool = False  # built for a SubDagOperator: runs inside its parent's runs

    @property
    def key(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def task_count(self) -> int:
        return sum(t.copies for t in self.tasks)


@dataclass
class ModuleSizingFacts:
    path: str
    dags: list[DagFacts]
    unowned_tasks: int = 0  # tasks in a file without any DAG (helpers, plugin code)


@dataclass
class _Scope:
    dag: DagDef
    nodes: list[ast.AST]  # With statements / @dag function whose bodies hold the DAG's tasks
    names: set[str]  # variables bound to the DAG object
    factory: ast.AST | None  # the function that builds the DAG (not a @dag function)
    variants: list[tuple[DagFacts, dict[str, ast.expr]]] = field(default_factory=list)


@dataclass
class _TaskSite:
    """One place a task is created: an operator call, a @task call site, or a mapped call."""

    node: ast.AST  # the call (or the @task function when it is never called)
    taskdef: TaskDef
    mapped: ast.Call | None = None  # the .expand(...) call
