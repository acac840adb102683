"""Sizing facts read from DAG modules: how many DAGs, their tasks, schedules, limits and waits.

Built on ``find_dags``/``find_tasks`` (analysis/dags.py). On top of them this module works out
what those leave open for sizing:

- which DAG each task belongs to (``with DAG(...)`` blocks, ``dag=`` arguments, ``@dag``
  functions, factory functions, and the DAG of a one-DAG file);
- how many copies loops and factory functions make (``for t in TABLES`` over a literal, a
  ``range``, or a module constant is counted; anything else is an estimate and says so);
- ``@task`` functions by their call sites, and mapped tasks (``.expand``) by their fan-out;
- task dependencies (``>>``, ``<<``, ``chain``, ``cross_downstream``, ``set_upstream`` /
  ``set_downstream``, TaskFlow arguments, task groups), for each run's critical path;
- schedules in every spelling (cron, presets, timedeltas, timetables, datasets / assets, None);
- ``max_active_runs``, ``max_active_tasks`` (``concurrency`` in 1.10), ``catchup``, pools,
  sensor modes, ``deferrable`` and fire-and-forget operators.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from migrator.analysis.dags import (
    DagDef,
    TaskDef,
    call_kwargs,
    const_str,
    find_dags,
    find_tasks,
    is_task_class,
)
from migrator.analysis.python import ModuleFacts
from migrator.sizing.defaults import (
    DEFAULT_POOL,
    HEAVY_KINDS,
    HEAVY_MODULES,
    MAPPED_TASK_DEFAULT_FANOUT,
    UNKNOWN_LOOP_ITERATIONS,
    TaskKind,
)
from migrator.sizing.operators import classify, is_async_class

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_TIMEDELTA_POSITIONAL = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
_MINUTES_PER = {"weeks": 10080, "days": 1440, "hours": 60, "minutes": 1, "seconds": 1 / 60,
                "milliseconds": 1 / 60000, "microseconds": 1 / 60_000_000}
_DATASET_CLASSES = frozenset({"Dataset", "Asset"})
_CRON_TIMETABLES = frozenset({"CronTriggerTimetable", "CronDataIntervalTimetable",
                              "MultipleCronTriggerTimetable", "CronPartitionTimetable"})
_DELTA_TIMETABLES = frozenset({"DeltaDataIntervalTimetable", "DeltaTriggerTimetable"})
_CONDITIONAL_SCHEDULES = frozenset({"DatasetOrTimeSchedule", "AssetOrTimeSchedule"})


# -- data ------------------------------------------------------------------------------------------


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


# -- constant resolution ---------------------------------------------------------------------------


class Names:
    """Simple name resolution: ``X = <expr>`` in the module body or the enclosing function."""

    def __init__(self, module: ModuleFacts) -> None:
        self.module = module
        self._module_level = self._assignments(module.tree.body if module.tree else [])
        self._function_level: dict[ast.AST, dict[str, ast.expr]] = {}
        self.env: dict[str, ast.expr] = {}

    @staticmethod
    def _assignments(body: Iterable[ast.stmt]) -> dict[str, ast.expr]:
        table: dict[str, ast.expr] = {}
        for stmt in body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                table[stmt.targets[0].id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
                table[stmt.target.id] = stmt.value
        return table

    def _function_table(self, function: ast.AST) -> dict[str, ast.expr]:
        if function not in self._function_level:
            statements = [n for n in ast.walk(function) if isinstance(n, (ast.Assign, ast.AnnAssign))
                          and self.module.enclosing_function(n) is function]
            self._function_level[function] = self._assignments(statements)
        return self._function_level[function]

    @contextmanager
    def bound(self, env: dict[str, ast.expr]):
        """Resolve names through ``env`` first (one copy of a DAG built in a loop or factory)."""
        saved, self.env = self.env, env
        try:
            yield
        finally:
            self.env = saved

    def resolve(self, node: ast.expr | None, depth: int = 0) -> ast.expr | None:
        """Follow names, ``cfg["key"]``, ``cfg.get("key", default)`` and f-strings of constants
        to the expression they stand for (depth-limited); what cannot be followed comes back."""
        for _ in range(8):
            if depth > 10 or node is None:
                return node
            if isinstance(node, ast.Name):
                found = self.env.get(node.id)
                if found is None:
                    function = self.module.enclosing_function(node)
                    found = self._function_table(function).get(node.id) if function else None
                if found is None:
                    found = self._module_level.get(node.id)
                if found is None or found is node:
                    return node
                node = found
            elif isinstance(node, ast.Subscript):
                found = _item(self.resolve(node.value, depth + 1), self.constant(node.slice))
                if found is None:
                    return node
                node = found
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "get" and node.args and not node.keywords):
                container = self.resolve(node.func.value, depth + 1)
                if not isinstance(container, ast.Dict):
                    return node
                found = _item(container, self.constant(node.args[0]))
                node = found if found is not None else (node.args[1] if len(node.args) > 1 else ast.Constant(None))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
                  and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
                  and not node.keywords):
                values = [self.resolve(a, depth + 1) for a in node.args]
                if not all(isinstance(v, ast.Constant) and not isinstance(v.value, bool) for v in values):
                    return node
                try:
                    return ast.Constant(node.func.value.value.format(*(v.value for v in values)))
                except (IndexError, KeyError, ValueError):
                    return node
            elif isinstance(node, ast.JoinedStr):
                parts = []
                for value in node.values:
                    if isinstance(value, ast.FormattedValue):
                        if value.format_spec is not None or value.conversion not in (-1, None):
                            return node
                        value = self.resolve(value.value, depth + 1)
                    if not isinstance(value, ast.Constant) or isinstance(value.value, bool):
                        return node
                    parts.append(str(value.value))
                return ast.Constant("".join(parts))
            else:
                return node
            depth += 1
        return node

    def constant(self, node: ast.expr | None):
        resolved = self.resolve(node)
        return resolved.value if isinstance(resolved, ast.Constant) else None

    def mapping(self, node: ast.expr | None) -> dict[str, ast.expr]:
        """A ``{...}`` literal or ``dict(...)`` call (after resolving names) as str -> expr."""
        resolved = self.resolve(node)
        if isinstance(resolved, ast.Dict):
            return {k.value: v for k, v in zip(resolved.keys, resolved.values)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        if isinstance(resolved, ast.Call) and isinstance(resolved.func, ast.Name) and resolved.func.id == "dict":
            return call_kwargs(resolved)
        return {}


def _item(container: ast.expr | None, key: object) -> ast.expr | None:
    """``container[key]`` for a dict literal with constant keys, or a list/tuple literal."""
    if isinstance(container, ast.Dict):
        for k, v in zip(container.keys, container.values):
            if isinstance(k, ast.Constant) and k.value == key:
                return v
    elif (isinstance(container, (ast.List, ast.Tuple)) and isinstance(key, int) and not isinstance(key, bool)
          and -len(container.elts) <= key < len(container.elts)
          and not any(isinstance(e, ast.Starred) for e in container.elts)):
        return container.elts[key]
    return None


def _last_name(qualname: str | None) -> str:
    return (qualname or "").rsplit(".", 1)[-1]


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - ast.unparse handles parsed trees
        return "<expression>"


# -- counting loops --------------------------------------------------------------------------------


@dataclass
class Count:
    value: int
    estimated: bool = False
    note: str = ""

    def times(self, other: Count) -> Count:
        notes = "; ".join(n for n in (self.note, other.note) if n)
        return Count(self.value * other.value, self.estimated or other.estimated, notes)

    def plus(self, other: Count) -> Count:
        notes = "; ".join(n for n in (self.note, other.note) if n)
        return Count(self.value + other.value, self.estimated or other.estimated, notes)


MAX_VARIANTS_PER_LOOP = 100  # larger literal loops are counted, not expanded one by one
MAX_VARIANTS = 200


@dataclass
class Variant:
    """One way a DAG definition runs: the names its loops and factory calls bind, and how many
    DAGs it makes that way."""

    env: dict[str, ast.expr]
    count: Count
    uncalled: bool = False  # built by a function this file never calls

    def times(self, other: Count) -> Variant:
        return Variant(self.env, self.count.times(other), self.uncalled)


def _merged(variants: list[Variant]) -> Variant:
    notes = "; ".join(dict.fromkeys(v.count.note for v in variants if v.count.note))
    return Variant({}, Count(sum(v.count.value for v in variants), any(v.count.estimated for v in variants),
                             notes), any(v.uncalled for v in variants))


def _elements(node: ast.expr | None, names: Names) -> list[ast.expr] | None:
    """The elements a literal iterates over (dict keys; ``.items()`` as key/value tuples)."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None if any(isinstance(e, ast.Starred) for e in node.elts) else list(node.elts)
    if isinstance(node, ast.Dict):
        return None if any(k is None for k in node.keys) else list(node.keys)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
        container = names.resolve(node.func.value)
        if isinstance(container, ast.Dict) and all(k is not None for k in container.keys):
            if node.func.attr == "items":
                return [ast.Tuple([k, v], ast.Load()) for k, v in zip(container.keys, container.values)]
            if node.func.attr == "keys":
                return list(container.keys)
            if node.func.attr == "values":
                return list(container.values)
    return None


def _bind(target: ast.expr, value: ast.expr, env: dict[str, ast.expr]) -> None:
    if isinstance(target, ast.Name):
        env[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
        for sub_target, sub_value in zip(target.elts, value.elts):
            _bind(sub_target, sub_value, env)


def _parameters(function: ast.AST, call: ast.Call, names: Names) -> dict[str, ast.expr]:
    """A function's parameters bound to what one call passes, resolved in the caller's bindings."""
    arguments = getattr(function, "args", None)
    if arguments is None:
        return {}
    positional = [*arguments.posonlyargs, *arguments.args]
    env: dict[str, ast.expr] = {}
    defaults = arguments.defaults
    for parameter, default in zip(positional[len(positional) - len(defaults):], defaults):
        env[parameter.arg] = default
    for parameter, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if default is not None:
            env[parameter.arg] = default
    passed = dict(zip((p.arg for p in positional), call.args))
    passed.update({k.arg: k.value for k in call.keywords if k.arg})
    for name, value in passed.items():
        resolved = names.resolve(value)
        # Keep only what no longer depends on the caller's local names.
        if resolved is not None and not isinstance(resolved, ast.Name):
            env[name] = resolved
        else:
            env.pop(name, None)
    return env


def _iterable_size(names: Names, node: ast.expr) -> int | None:
    node = names.resolve(node)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None if any(isinstance(e, ast.Starred) for e in node.elts) else len(node.elts)
    if isinstance(node, ast.Dict):
        return None if any(k is None for k in node.keys) else len(node.keys)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return len(node.value)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "range" and node.args and not node.keywords:
            bounds = [names.constant(a) for a in node.args]
            if all(isinstance(b, int) for b in bounds):
                return len(range(*bounds)) if len(bounds) <= 3 else None
            return None
        if isinstance(func, ast.Name) and func.id in ("enumerate", "sorted", "list", "tuple", "reversed", "set") and node.args:
            return _iterable_size(names, node.args[0])
        if isinstance(func, ast.Name) and func.id == "zip" and node.args:
            sizes = [_iterable_size(names, a) for a in node.args]
            return min(sizes) if all(s is not None for s in sizes) else None
        if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values") and not node.args:
            return _iterable_size(names, func.value)
    return None


def loops_between(module: ModuleFacts, names: Names, node: ast.AST, boundary: ast.AST | None,
                  stop: frozenset[int] = frozenset()) -> Count:
    """How many times ``node`` runs per execution of ``boundary`` (None: the module), by loops.

    Walking up from ``node`` also stops at any node whose id is in ``stop``.
    """
    count = Count(1)
    child = node
    for ancestor in module.ancestors(node):
        if ancestor is boundary or id(ancestor) in stop:
            break
        iterables: list[ast.expr] = []
        if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child is not ancestor.iter and child not in ancestor.orelse:
            iterables = [ancestor.iter]
        elif isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            iterables = [g.iter for g in ancestor.generators if child is not g.iter]
        elif isinstance(ancestor, ast.While):
            count = count.times(Count(UNKNOWN_LOOP_ITERATIONS, True, "a while loop"))
        for iterable in iterables:
            size = _iterable_size(names, iterable)
            if size is None:
                count = count.times(Count(UNKNOWN_LOOP_ITERATIONS, True,
                                          f"a loop over `{_unparse(iterable)[:60]}`"))
            else:
                count = count.times(Count(size))
        child = ancestor
    return count


# -- datasets --------------------------------------------------------------------------------------


class DatasetTable:
    """Module-level ``NAME = Dataset("uri")`` / ``Asset(...)`` across the project, by qualname."""

    def __init__(self) -> None:
        self.by_qualname: dict[str, str] = {}

    def add_module(self, module: ModuleFacts, names: Names) -> None:
        if module.tree is None:
            return
        for stmt in module.tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                uri = self._uri(module, stmt.value)
                if uri and module.module_name:
                    self.by_qualname[f"{module.module_name}.{stmt.targets[0].id}"] = uri

    @staticmethod
    def _uri(module: ModuleFacts, node: ast.expr) -> str | None:
        if isinstance(node, ast.Call) and _last_name(module.qualname(node.func)) in _DATASET_CLASSES:
            value = node.args[0] if node.args else call_kwargs(node).get("uri") or call_kwargs(node).get("name")
            return const_str(value)
        return None

    def keys(self, module: ModuleFacts, names: Names, node: ast.expr | None) -> list[str]:
        """Dataset keys (``uri:<uri>`` or ``ref:<qualname>``) named by an expression."""
        if node is None:
            return []
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [k for e in node.elts for k in self.keys(module, names, e)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            return self.keys(module, names, node.left) + self.keys(module, names, node.right)
        uri = self._uri(module, node)
        if uri:
            return [f"uri:{uri}"]
        if isinstance(node, ast.Call) and _last_name(module.qualname(node.func)) in ("AssetAll", "AssetAny", "DatasetAll", "DatasetAny"):
            return [k for a in node.args for k in self.keys(module, names, a)]
        if isinstance(node, ast.Name):
            resolved = names.resolve(node)
            if resolved is not node and resolved is not None:
                return self.keys(module, names, resolved)
            qualname = module.qualname(node)
            if qualname:
                return [self.resolve_ref(qualname)]
        return []

    def resolve_ref(self, qualname: str) -> str:
        uri = self.by_qualname.get(qualname)
        return f"uri:{uri}" if uri else f"ref:{qualname}"


# -- schedules -------------------------------------------------------------------------------------


def _minutes_of(module: ModuleFacts, names: Names, node: ast.expr) -> float | None:
    """Minutes in ``timedelta(...)``/``duration(...)``/``relativedelta(...)``, None if not one."""
    node = names.resolve(node)
    if not isinstance(node, ast.Call):
        return None
    name = _last_name(module.qualname(node.func) or (node.func.id if isinstance(node.func, ast.Name) else ""))
    if name not in ("timedelta", "duration", "relativedelta", "Duration"):
        return None
    total = 0.0
    parts = dict(zip(_TIMEDELTA_POSITIONAL, node.args)) if name == "timedelta" else {}
    parts.update(call_kwargs(node))
    for unit, value in parts.items():
        number = names.constant(value)
        if not isinstance(number, (int, float)) or isinstance(number, bool):
            return None
        if unit in ("months", "years"):
            total += number * (43830 if unit == "months" else 525960)  # mean month / year
        elif unit in _MINUTES_PER:
            total += number * _MINUTES_PER[unit]
        else:
            return None
    return total


def read_schedule(module: ModuleFacts, names: Names, datasets: DatasetTable,
                  kwargs: dict[str, ast.expr], timezone: str | None) -> Schedule:
    for key in ("schedule", "schedule_interval", "timetable"):
        if key in kwargs:
            node = kwargs[key]
            schedule = _schedule_of(module, names, datasets, node, timezone)
            resolved = names.resolve(node)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                schedule.text = node.value
            elif resolved is not node and isinstance(resolved, ast.Constant):
                schedule.text = f"{_unparse(node)} ({resolved.value})"
            elif resolved is not node and resolved is not None and not isinstance(resolved, ast.Name):
                schedule.text = f"{_unparse(node)} ({_unparse(resolved)[:80]})"
            else:
                schedule.text = _unparse(node)
            return schedule
    return Schedule("none", "(not set)", defaulted=True, timezone=timezone)


def _schedule_of(module: ModuleFacts, names: Names, datasets: DatasetTable, node: ast.expr,
                 timezone: str | None) -> Schedule:
    resolved = names.resolve(node)
    if isinstance(resolved, ast.Constant):
        value = resolved.value
        if value is None:
            return Schedule("none", "None")
        if isinstance(value, str):
            text = value.strip()
            if text == "@once":
                return Schedule("once", text)
            if text == "@continuous":
                return Schedule("continuous", text)
            cron = PRESETS.get(text, text)
            if _valid_cron(cron):
                return Schedule("cron", text, crons=(cron,), timezone=timezone)
        return Schedule("unknown", _unparse(node))
    minutes = _minutes_of(module, names, resolved) if resolved is not None else None
    if minutes:
        if minutes >= 43000:  # relativedelta(months=...) and longer: monthly on the 1st
            return Schedule("cron", _unparse(node), crons=("0 0 1 * *",), timezone=timezone)
        return Schedule("interval", _unparse(node), every_minutes=minutes, timezone=timezone)
    if isinstance(resolved, ast.Call):
        name = _last_name(module.qualname(resolved.func))
        kwargs = call_kwargs(resolved)
        own_tz = _timezone_of(module, names, kwargs.get("timezone")) or timezone
        if name in _CRON_TIMETABLES:
            crons = tuple(c for c in (names.constant(a) for a in resolved.args) if isinstance(c, str))
            crons += tuple(c for c in [names.constant(kwargs.get("cron"))] if isinstance(c, str))
            crons = tuple(PRESETS.get(c, c) for c in crons)
            if crons and all(_valid_cron(c) for c in crons):
                return Schedule("cron", "", crons=crons, timezone=own_tz)
        if name in _DELTA_TIMETABLES and resolved.args:
            minutes = _minutes_of(module, names, resolved.args[0])
            if minutes:
                return Schedule("interval", "", every_minutes=minutes, timezone=own_tz)
        if name == "ContinuousTimetable":
            return Schedule("continuous", "")
        if name in _CONDITIONAL_SCHEDULES:
            timetable = kwargs.get("timetable")
            if timetable is not None:
                inner = _schedule_of(module, names, datasets, timetable, timezone)
                inner.datasets = tuple(datasets.keys(module, names, kwargs.get("datasets") or kwargs.get("assets")))
                return inner
    keys = datasets.keys(module, names, resolved if resolved is not None else node)
    if keys:
        return Schedule("dataset", "", datasets=tuple(dict.fromkeys(keys)))
    return Schedule("unknown", _unparse(node))


def _valid_cron(text: str) -> bool:
    from croniter import croniter

    # Airflow accepts 5-field cron only; croniter would also take a seconds field.
    return len(text.split()) == 5 and croniter.is_valid(text)


def _timezone_of(module: ModuleFacts, names: Names, node: ast.expr | None) -> str | None:
    """An IANA zone name in ``tz="Europe/Paris"``, ``pendulum.timezone("...")``, ``ZoneInfo(...)``."""
    resolved = names.resolve(node)
    if resolved is None:
        return None
    text = const_str(resolved)
    if text:
        return text
    if isinstance(resolved, ast.Call) and resolved.args:
        name = _last_name(module.qualname(resolved.func))
        if name in ("timezone", "Timezone", "ZoneInfo", "tz", "gettz"):
            return const_str(names.resolve(resolved.args[0]))
    return None


def _start_date_timezone(module: ModuleFacts, names: Names, kwargs: dict[str, ast.expr],
                         default_args: dict[str, ast.expr]) -> str | None:
    start = names.resolve(kwargs.get("start_date") or default_args.get("start_date"))
    if isinstance(start, ast.Call):
        start_kwargs = call_kwargs(start)
        for key in ("tz", "tzinfo"):
            zone = _timezone_of(module, names, start_kwargs.get(key))
            if zone:
                return zone
    return _timezone_of(module, names, kwargs.get("timezone"))


# -- the module walk -------------------------------------------------------------------------------


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


class ModuleReader:
    def __init__(self, module: ModuleFacts, datasets: DatasetTable, names: Names | None = None) -> None:
        self.module = module
        self.datasets = datasets
        self.names = names or Names(module)
        top_modules = {i.qualname.split(".", 1)[0] for i in module.imports}
        self.heavy = bool(top_modules & HEAVY_MODULES)

    # ---- DAG scopes ----

    def _scopes(self, dags: list[DagDef]) -> list[_Scope]:
        scopes: list[_Scope] = []
        for dag in dags:
            if dag.via_decorator:
                scopes.append(_Scope(dag, [dag.node], set(), None))
                continue
            nodes: list[ast.AST] = []
            names: set[str] = set()
            parent = self.module.parents.get(dag.node)
            if isinstance(parent, ast.withitem):
                nodes.append(self.module.parents[parent])
                if isinstance(parent.optional_vars, ast.Name):
                    names.add(parent.optional_vars.id)
            elif isinstance(parent, ast.Assign):
                names.update(t.id for t in parent.targets if isinstance(t, ast.Name))
            factory = self.module.enclosing_function(dag.node)
            if names and self.module.tree is not None:
                for node in ast.walk(self.module.tree):
                    if isinstance(node, ast.With) and any(
                        isinstance(item.context_expr, ast.Name) and item.context_expr.id in names
                        and self.module.enclosing_function(node) is factory
                        for item in node.items
                    ):
                        nodes.append(node)
            scopes.append(_Scope(dag, nodes, names, factory))
        return scopes

    def _owner(self, node: ast.AST, kwargs: dict[str, ast.expr], scopes: list[_Scope]) -> _Scope | None:
        if not scopes:
            return None
        dag_arg = kwargs.get("dag")
        if isinstance(dag_arg, ast.Name):
            function = self.module.enclosing_function(node)
            for scope in scopes:
                if dag_arg.id in scope.names and scope.factory is function:
                    return scope
            for scope in scopes:
                if dag_arg.id in scope.names:
                    return scope
        by_node = {id(n): s for s in scopes for n in s.nodes}
        for ancestor in self.module.ancestors(node):
            if id(ancestor) in by_node:
                return by_node[id(ancestor)]
        function = self.module.enclosing_function(node)
        in_factory = [s for s in scopes if s.factory is not None and s.factory is function]
        if len(in_factory) == 1:
            return in_factory[0]
        if len(scopes) == 1:
            return scopes[0]
        line = getattr(node, "lineno", 0)
        before = [s for s in scopes if getattr(s.dag.node, "lineno", 0) <= line]
        return before[-1] if before else scopes[0]

    def _per_dag_copy(self, scope: _Scope) -> frozenset[int]:
        """The DAG node and its ancestors: loops above them repeat the DAG, not its tasks."""
        return frozenset({id(scope.dag.node), *(id(a) for a in self.module.ancestors(scope.dag.node))})

    # ---- copies of a DAG ----

    def _call_sites(self, function: ast.AST) -> list[ast.Call]:
        name = getattr(function, "name", None)
        return [call for call, _ in self.module.calls
                if isinstance(call.func, ast.Name) and call.func.id == name]

    def _frames(self, node: ast.AST) -> tuple[list[tuple[ast.AST, ast.expr, ast.expr | None]], ast.AST | None]:
        """Loops around ``node`` up to its function (innermost first) as (loop, iterable, target),
        and that function (None: module level)."""
        frames: list[tuple[ast.AST, ast.expr, ast.expr | None]] = []
        child = node
        for ancestor in self.module.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return frames, ancestor
            if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child is not ancestor.iter and child not in ancestor.orelse:
                frames.append((ancestor, ancestor.iter, ancestor.target))
            elif isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                frames += [(ancestor, g.iter, g.target) for g in reversed(ancestor.generators) if child is not g.iter]
            elif isinstance(ancestor, ast.While):
                frames.append((ancestor, ancestor, None))
            child = ancestor
        return frames, None

    def _loop_variants(self, iterable: ast.expr, target: ast.expr | None, outer: Variant) -> list[Variant]:
        """One variant per element of a literal sequence (binding the loop target), else one
        variant counting the iterations."""
        if target is None:  # a while loop
            return [outer.times(Count(UNKNOWN_LOOP_ITERATIONS, True, "a while loop"))]
        with self.names.bound(outer.env):
            resolved = self.names.resolve(iterable)
            elements = _elements(resolved, self.names)
            size = _iterable_size(self.names, iterable) if elements is None else len(elements)
        if elements is not None and len(elements) <= MAX_VARIANTS_PER_LOOP:
            variants = []
            for element in elements:
                env = dict(outer.env)
                _bind(target, element, env)
                variants.append(Variant(env, outer.count, outer.uncalled))
            return variants
        if size is None:
            return [outer.times(Count(UNKNOWN_LOOP_ITERATIONS, True, f"a loop over `{_unparse(iterable)[:60]}`"))]
        return [outer.times(Count(size))]

    def _variants(self, node: ast.AST, depth: int = 0) -> list[Variant]:
        """The copies of ``node`` made when the module is imported: one per element of literal
        loops around it (and per call of the function holding it), each with its bindings."""
        frames, function = self._frames(node)
        variants = [Variant({}, Count(1))] if function is None else self._function_variants(function, depth)
        for _, iterable, target in reversed(frames):
            variants = [v for outer in variants for v in self._loop_variants(iterable, target, outer)]
            if len(variants) > MAX_VARIANTS:
                variants = [_merged(variants)]
        return variants

    def _function_variants(self, function: ast.AST, depth: int) -> list[Variant]:
        name = getattr(function, "name", "?")
        sites = [c for c in self._call_sites(function) if self.module.enclosing_function(c) is not function]
        if not sites or depth > 4:
            return [Variant({}, Count(1), uncalled=True)]
        variants: list[Variant] = []
        for call in sites:
            for outer in self._variants(call, depth + 1):
                with self.names.bound(outer.env):
                    env = _parameters(function, call, self.names)
                variants.append(Variant(env, outer.count, outer.uncalled))
        if len(variants) > MAX_VARIANTS:
            variants = [_merged(variants)]
        return variants or [Variant({}, Count(1, True, f"`{name}` is only called by itself"))]

    def _dag_variants(self, scope: _Scope) -> list[Variant]:
        if scope.dag.via_decorator:
            return self._function_variants(scope.dag.node, 0)
        return self._variants(scope.dag.node)

    def _factory(self, scope: _Scope) -> tuple[str | None, bool]:
        """``module.function`` of the top-level function building the DAG, and whether this
        file never calls it."""
        function = scope.dag.node if scope.dag.via_decorator else self.module.enclosing_function(scope.dag.node)
        if function is None or self.module.enclosing_function(function) is not None:
            return None, False
        if not self.module.module_name or isinstance(function, ast.Lambda):
            return None, False
        return f"{self.module.module_name}.{function.name}", not self._call_sites(function)

    # ---- tasks ----

    def _task_sites(self, tasks: list[TaskDef]) -> list[_TaskSite]:
        sites: list[_TaskSite] = []
        for task in tasks:
            if isinstance(task.node, ast.Call):
                sites.append(_TaskSite(task.node, task))
                continue
            calls = self._taskflow_calls(task.node)
            if not calls:
                sites.append(_TaskSite(task.node, task))
            for call, mapped in calls:
                kwargs = dict(task.kwargs)
                task_id = task.task_id
                override = call.func if isinstance(call.func, ast.Call) else None
                if override is not None and isinstance(override.func, ast.Attribute) and override.func.attr == "override":
                    kwargs.update(call_kwargs(override))
                    task_id = const_str(kwargs.get("task_id")) or task_id
                sites.append(_TaskSite(call, TaskDef(task.node, task.operator, task_id, kwargs), mapped))
        # astronomer-providers' deferrable classes (S3KeySensorAsync) end in "Async", so
        # find_tasks does not list them.
        for call, qualname in self.module.calls:
            name = _last_name(qualname)
            if name.endswith(("OperatorAsync", "SensorAsync")) and name[:1].isupper():
                kwargs = call_kwargs(call)
                sites.append(_TaskSite(call, TaskDef(call, qualname or name, const_str(kwargs.get("task_id")), kwargs)))
        # Mapped classic operators: Operator.partial(...).expand(...)
        for call, qualname in self.module.calls:
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "partial" and is_task_class(self.module.qualname(func.value)):
                operator = self.module.qualname(func.value) or ""
                kwargs = call_kwargs(call)
                sites.append(_TaskSite(call, TaskDef(call, operator, const_str(kwargs.get("task_id")), kwargs),
                                       self._expand_of(call)))
        return sites

    def _expand_of(self, node: ast.AST) -> ast.Call | None:
        parent = self.module.parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in ("expand", "expand_kwargs"):
            call = self.module.parents.get(parent)
            return call if isinstance(call, ast.Call) else None
        return None

    def _taskflow_calls(self, function: ast.AST) -> list[tuple[ast.Call, ast.Call | None]]:
        name = getattr(function, "name", None)
        found: list[tuple[ast.Call, ast.Call | None]] = []
        for call, _ in self.module.calls:
            func = call.func
            if isinstance(func, ast.Name) and func.id == name:
                found.append((call, None))
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == name:
                if func.attr in ("expand", "expand_kwargs"):
                    found.append((call, call))
                elif func.attr == "partial":
                    found.append((call, self._expand_of(call)))
            elif (isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute)
                  and func.func.attr == "override" and isinstance(func.func.value, ast.Name)
                  and func.func.value.id == name):
                found.append((call, None))
        return found

    def _fanout(self, mapped: ast.Call) -> Count:
        sizes: list[int] = []
        for value in [*mapped.args, *(k.value for k in mapped.keywords)]:
            size = _iterable_size(self.names, value)
            if size is None:
                return Count(MAPPED_TASK_DEFAULT_FANOUT, True, "mapped over a value known only at run time")
            sizes.append(size)
        product = 1
        for size in sizes:
            product *= size
        return Count(product)

    def _task_facts(self, site: _TaskSite, scope: _Scope, default_args: dict[str, ast.expr]) -> TaskFacts:
        task = site.taskdef
        kwargs = task.kwargs
        names = self.names

        def arg(key: str) -> ast.expr | None:
            return kwargs.get(key) if key in kwargs else default_args.get(key)

        kind = classify(task.operator)
        line = getattr(site.node, "lineno", 1)
        copies = loops_between(self.module, names, site.node, None, self._per_dag_copy(scope))
        if site.mapped is not None:
            copies = copies.times(self._fanout(site.mapped))
        pool = names.constant(arg("pool"))
        task_id = task.task_id
        if task_id is None:
            task_id = _id_text(kwargs["task_id"]) if "task_id" in kwargs else f"line {line}"
        facts = TaskFacts(
            task_id=task_id,
            operator=task.operator, kind=kind, line=line,
            copies=copies.value, copies_estimated=copies.estimated, copies_note=copies.note,
            pool=pool if isinstance(pool, str) and pool else DEFAULT_POOL,
            heavy=self.heavy and kind in HEAVY_KINDS,
        )
        deferrable = names.constant(arg("deferrable"))
        if kind is TaskKind.EMPTY:
            facts.wait = "none"
        elif deferrable is True or is_async_class(task.operator):
            facts.wait = "deferred"
        elif kind is TaskKind.SENSOR and names.constant(arg("mode")) == "reschedule":
            facts.wait = "reschedule"
        elif kind in (TaskKind.GLUE, TaskKind.EXTERNAL) and names.constant(arg("wait_for_completion")) is False:
            facts.wait = "fire-and-forget"
        interval = arg("poke_interval")
        seconds = names.constant(interval)
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0:
            facts.poke_interval_s = float(seconds)
        elif interval is not None:
            minutes = _minutes_of(self.module, names, interval)
            if minutes:
                facts.poke_interval_s = minutes * 60
        facts.outlets = tuple(dict.fromkeys(self.datasets.keys(self.module, names, kwargs.get("outlets"))))
        trigger = names.constant(kwargs.get("trigger_dag_id"))
        if isinstance(trigger, str):
            facts.triggers = (trigger,)
        subdag = names.resolve(kwargs.get("subdag"))
        if isinstance(subdag, ast.Call) and _last_name(task.operator) == "SubDagOperator":
            target = self.module.qualname(subdag.func)
            if target is None and isinstance(subdag.func, ast.Name) and self.module.module_name:
                target = f"{self.module.module_name}.{subdag.func.id}"  # a factory in this file
            facts.subdag = target
        return facts

    # ---- dependencies ----

    def _dependencies(self, scope_sites: dict[int, tuple[_Scope, int]], sites: list[_TaskSite]) -> None:
        """Fill ``upstream`` of every task from the module's dependency statements."""
        tree = self.module.tree
        if tree is None:
            return
        site_of_node = {id(s.node): i for i, s in enumerate(sites)}
        # A mapped call's task is also reachable through its .expand(...) call.
        for i, site in enumerate(sites):
            if site.mapped is not None:
                site_of_node.setdefault(id(site.mapped), i)
        bindings: dict[str, list[tuple[int, ast.AST | None, list[int]]]] = {}
        groups: dict[int, list[int]] = {}  # id(TaskGroup with-statement) -> sites inside

        def bind(name: str, stmt: ast.AST, values: list[int]) -> None:
            if values:
                bindings.setdefault(name, []).append(
                    (getattr(stmt, "lineno", 0), self.module.enclosing_function(stmt), values))

        def lookup(name: ast.Name) -> list[int]:
            function = self.module.enclosing_function(name)
            line = getattr(name, "lineno", 0)
            candidates = [b for b in bindings.get(name.id, []) if b[1] is function and b[0] <= line]
            if not candidates:
                candidates = [b for b in bindings.get(name.id, []) if b[1] is None]
            return candidates[-1][2] if candidates else []

        def value(node: ast.AST | None) -> list[int]:
            if node is None:
                return []
            if id(node) in site_of_node:
                return [site_of_node[id(node)]]
            if isinstance(node, ast.Name):
                return lookup(node)
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                return [v for e in node.elts for v in value(e)]
            if isinstance(node, ast.Starred):
                return value(node.value)
            if isinstance(node, ast.Attribute) and node.attr == "output":
                return value(node.value)
            if isinstance(node, ast.Subscript):
                return value(node.value)
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
                return value(node.right)
            return []

        def argument_tasks(node: ast.expr, depth: int = 0) -> list[int]:
            """Tasks whose output an argument passes on, also through plain helper calls."""
            found = value(node)
            if found or depth > 3:
                return found
            if isinstance(node, ast.Call):
                return [v for a in [*node.args, *(k.value for k in node.keywords)]
                        for v in argument_tasks(a, depth + 1)]
            if isinstance(node, ast.Dict):
                return [v for a in node.values if a is not None for v in argument_tasks(a, depth + 1)]
            return []

        edges: list[tuple[int, int]] = []

        def link(ups: list[int], downs: list[int]) -> None:
            edges.extend((u, d) for u in ups for d in downs if u != d)

        # Pass 1: task groups and bindings, in source order.
        ordered = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.With))),
                         key=lambda n: (n.lineno, n.col_offset))
        for node in ordered:
            if isinstance(node, ast.With):
                for item in node.items:
                    expr = item.context_expr
                    if isinstance(expr, ast.Call) and _last_name(self.module.qualname(expr.func)) == "TaskGroup":
                        inside = [i for i, s in enumerate(sites)
                                  if any(a is node for a in self.module.ancestors(s.node))]
                        groups[id(node)] = inside
                        if isinstance(item.optional_vars, ast.Name):
                            bind(item.optional_vars.id, node, inside)
                continue
            values = value(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bind(target.id, node, values)
                elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)):
                    for t, v in zip(target.elts, node.value.elts):
                        if isinstance(t, ast.Name):
                            bind(t.id, node, value(v))

        # Pass 2: dependency statements and TaskFlow arguments.
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
                left, right = value(node.left), value(node.right)
                if isinstance(node.op, ast.RShift):
                    link(left, right)
                else:
                    link(right, left)
            elif isinstance(node, ast.Call):
                func = node.func
                name = _last_name(self.module.qualname(func)) or (func.id if isinstance(func, ast.Name) else "")
                if isinstance(func, ast.Attribute) and func.attr in ("set_downstream", "set_upstream") and node.args:
                    this, other = value(func.value), value(node.args[0])
                    link(this, other) if func.attr == "set_downstream" else link(other, this)
                elif name in ("chain", "chain_linear"):
                    groups_in_order = [value(a) for a in node.args]
                    for ups, downs in itertools.pairwise(groups_in_order):
                        link(ups, downs)
                elif name == "cross_downstream" and len(node.args) >= 2:
                    link(value(node.args[0]), value(node.args[1]))
                elif id(node) in site_of_node:
                    # TaskFlow arguments, XComArgs (`.output`) passed to operators, and what a
                    # mapped task expands over all make the consumer wait for the producer.
                    me = [site_of_node[id(node)]]
                    expand = sites[site_of_node[id(node)]].mapped
                    arguments = [*node.args, *(k.value for k in node.keywords)]
                    if expand is not None and expand is not node:
                        arguments += [*expand.args, *(k.value for k in expand.keywords)]
                    for argument in arguments:
                        link(argument_tasks(argument), me)

        for up, down in edges:
            if up in scope_sites and down in scope_sites:
                up_scope, up_index = scope_sites[up]
                down_scope, down_index = scope_sites[down]
                if up_scope is down_scope and up_index != down_index:
                    for facts, _ in down_scope.variants:
                        facts.tasks[down_index].upstream.add(up_index)

    # ---- everything ----

    def _dag_facts(self, scope: _Scope, variant: Variant) -> DagFacts:
        module, dag = self.module, scope.dag
        kwargs = dag.kwargs
        default_args = self.names.mapping(kwargs.get("default_args"))
        id_arg = dag.node.args[0] if isinstance(dag.node, ast.Call) and dag.node.args else kwargs.get("dag_id")
        dag_id, is_pattern = _dag_id_text(dag, self.names.resolve(id_arg))
        timezone = _start_date_timezone(module, self.names, kwargs, default_args)
        max_runs = self.names.constant(kwargs.get("max_active_runs"))
        max_tasks = self.names.constant(kwargs.get("max_active_tasks", kwargs.get("concurrency")))
        catchup = self.names.constant(kwargs.get("catchup"))
        count = variant.count
        note = count.note
        if variant.uncalled:
            note = "; ".join(n for n in (note, f"`{_function_name(module, dag)}` is not called in this file") if n)
        facts = DagFacts(
            dag_id=dag_id, dag_id_is_pattern=is_pattern, path=module.path,
            line=getattr(dag.node, "lineno", 1),
            copies=count.value, copies_estimated=count.estimated or variant.uncalled, copies_note=note,
            schedule=read_schedule(module, self.names, self.datasets, kwargs, timezone),
            max_active_runs=max_runs if isinstance(max_runs, int) and not isinstance(max_runs, bool) and max_runs > 0 else None,
            max_active_tasks=max_tasks if isinstance(max_tasks, int) and not isinstance(max_tasks, bool) and max_tasks > 0 else None,
            catchup=catchup if isinstance(catchup, bool) else None,
            tasks=[],
        )
        facts.factory, facts.factory_uncalled = self._factory(scope)
        if variant.uncalled:
            facts.factory_loops = count
        return facts

    def read(self) -> ModuleSizingFacts:
        module = self.module
        scopes = self._scopes(find_dags(module))
        result = ModuleSizingFacts(module.path, [])
        for scope in scopes:
            for variant in self._dag_variants(scope):
                with self.names.bound(variant.env):
                    facts = self._dag_facts(scope, variant)
                scope.variants.append((facts, variant.env))
                result.dags.append(facts)
        sites = self._task_sites(find_tasks(module))
        scope_sites: dict[int, tuple[_Scope, int]] = {}
        for index, site in enumerate(sites):
            owner = self._owner(site.node, site.taskdef.kwargs, scopes)
            if owner is None or not owner.variants:
                result.unowned_tasks += 1
                continue
            for facts, env in owner.variants:
                with self.names.bound(env):
                    default_args = self.names.mapping(owner.dag.kwargs.get("default_args"))
                    facts.tasks.append(self._task_facts(site, owner, default_args))
            scope_sites[index] = (owner, len(owner.variants[0][0].tasks) - 1)
        self._dependencies(scope_sites, sites)
        return result


def _function_name(module: ModuleFacts, dag: DagDef) -> str:
    function = dag.node if dag.via_decorator else module.enclosing_function(dag.node)
    return getattr(function, "name", "?")


def _id_text(node: ast.expr) -> str:
    """An id built at run time, written with ``{placeholders}``: f"load_{t}" -> ``load_{t}``,
    ``"{}.{}".format(a, b)`` -> ``{a}.{b}``."""
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + _unparse(v.value) + "}"
                       for v in node.values if isinstance(v, (ast.Constant, ast.FormattedValue)))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
            and not node.keywords):
        arguments = iter(node.args)
        return re.sub(r"\{\}", lambda _: "{" + (_unparse(next(arguments, ast.Name("?")))) + "}",
                      node.func.value.value)
    return "{" + _unparse(node) + "}"


def _dag_id_text(dag: DagDef, node: ast.expr | None) -> tuple[str, bool]:
    if dag.dag_id:
        return dag.dag_id, False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if node is not None:
        return _id_text(node), True
    return f"(unnamed DAG at line {getattr(dag.node, 'lineno', 1)})", False


def _factory_calls(modules: list[ModuleFacts], names: dict[str, Names], factory: str) -> Count | None:
    """Calls of a shared DAG factory from other modules, counted with their loops."""
    total: Count | None = None
    for module in modules:
        for call, qualname in module.calls:
            if qualname != factory:
                continue
            count = loops_between(module, names[module.path], call, None)
            if module.enclosing_function(call) is not None:
                count = count.times(Count(1, True, f"called inside a function in {module.path}"))
            total = count if total is None else total.plus(count)
    return total


def read_modules(modules: Iterable[ModuleFacts], dag_modules: set[str] | None = None,
                 ignored: frozenset[str] = frozenset()) -> list[ModuleSizingFacts]:
    """Sizing facts of the modules in ``dag_modules`` (by path; all when None).

    Modules Airflow does not parse (``ignored``: .airflowignore) keep only the DAGs their
    factories build for files it does parse; every module lends its dataset constants.
    """
    parsed = [m for m in modules if m.tree is not None]
    datasets = DatasetTable()
    names = {m.path: Names(m) for m in parsed}
    for module in parsed:
        datasets.add_module(module, names[module.path])
    chosen = [m for m in parsed if dag_modules is None or m.path in dag_modules]
    results = [ModuleReader(module, datasets, names[module.path]).read() for module in chosen]
    callers = [m for m in chosen if m.path not in ignored]
    for result in results:
        kept = []
        for dag in result.dags:
            count = _factory_calls(callers, names, dag.factory) if dag.factory_uncalled else None
            if count is not None:
                total = (dag.factory_loops or Count(1)).times(count)
                dag.copies = total.value
                dag.copies_estimated = total.estimated
                dag.copies_note = "; ".join(n for n in (f"built by {dag.factory}", total.note) if n)
            if result.path not in ignored or count is not None:
                kept.append(dag)
        result.dags = kept
    subdag_factories = {t.subdag for r in results for d in r.dags for t in d.tasks if t.subdag}
    for result in results:
        for dag in result.dags:
            dag.is_subdag = dag.factory is not None and dag.factory in subdag_factories
    return results
