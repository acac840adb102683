"""Schedules in every spelling (cron, presets, timedeltas, timetables, datasets / assets, None)
and the timezone they run in."""

from __future__ import annotations

import ast

from migrator.analysis.dags import call_kwargs, const_str
from migrator.analysis.python import ModuleFacts
from migrator.sizing.facts.model import Schedule
from migrator.sizing.facts.names import Names, _last_name, _unparse

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


