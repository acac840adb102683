"""When scheduled runs start, in minutes of the model's timeline (UTC).

The timeline starts at 00:00 UTC on the warm-up day before the reference week, so that runs
begun the evening before carry their load past midnight. Time-zoned schedules (a ``tz`` on the
start date, a timetable's ``timezone``) are converted to UTC on the real calendar dates of the
reference week, so daylight-saving time is as it would be in that week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from migrator.compat import default_changes
from migrator.sizing.defaults import REFERENCE_DAYS, REFERENCE_WEEK_START, WARM_UP_DAYS
from migrator.sizing.facts import Schedule

MINUTES_PER_DAY = 1440
HORIZON_MINUTES = (WARM_UP_DAYS + REFERENCE_DAYS) * MINUTES_PER_DAY
TIMELINE_START = datetime(*REFERENCE_WEEK_START, tzinfo=UTC) - timedelta(days=WARM_UP_DAYS)
UNKNOWN_SCHEDULE_CRON = "0 0 * * *"
DAILY_AT_MIDNIGHT = "0 0 * * *"  # timedelta(days=1) from the timeline's midnight start


def target_default(name: str, target: str) -> str | None:
    """The value a default (``dag.schedule``, ``scheduler.catchup_by_default``) has on the
    target, from compat's record of defaults that changed between Airflow versions."""

    applied = {change.name: change for change in default_changes(target)}
    if name in applied:
        return applied[name].new
    later = {change.name: change for change in default_changes(None)}
    return later[name].old if name in later else None


@dataclass(frozen=True)
class PlannedRuns:
    starts: tuple[int, ...]  # minute offsets on the timeline, sorted
    continuous: bool = False  # a new run as soon as the previous one ends
    triggered: bool = False  # runs come from datasets / other DAGs, resolved later
    note: str = ""  # what the model assumed to place the runs, when it assumed anything


def _zone(name: str | None) -> tuple[ZoneInfo | None, str]:
    if not name or name.upper() == "UTC":
        return None, ""
    try:
        return ZoneInfo(name), ""
    except (ZoneInfoNotFoundError, ValueError):
        return None, f"unknown time zone {name!r}, read as UTC"


@lru_cache(maxsize=4096)
def cron_starts(expressions: tuple[str, ...], timezone: str | None) -> tuple[tuple[int, ...], str]:
    """Cached: projects reuse a handful of expressions, and croniter is slow to iterate."""
    zone, note = _zone(timezone)
    start = TIMELINE_START.astimezone(zone) if zone else TIMELINE_START
    end = TIMELINE_START + timedelta(minutes=HORIZON_MINUTES)
    minutes: set[int] = set()
    for expression in expressions:
        iterator = croniter(expression, start - timedelta(seconds=1))
        while True:
            moment = iterator.get_next(datetime)
            if moment >= end:
                break
            offset = int((moment - TIMELINE_START).total_seconds() // 60)
            if 0 <= offset < HORIZON_MINUTES:
                minutes.add(offset)
    return tuple(sorted(minutes)), note


def interval_starts(every_minutes: float) -> tuple[int, ...]:
    step = max(every_minutes, 1.0)
    count = int(HORIZON_MINUTES // step) + 1
    return tuple(sorted({int(i * step) for i in range(count) if i * step < HORIZON_MINUTES}))


def plan_runs(schedule: Schedule, target: str) -> PlannedRuns:
    """Run starts of one DAG from its schedule alone (dataset and triggered runs come later)."""
    if schedule.defaulted:
        default = target_default("dag.schedule", target)
        if default in (None, "None"):
            return PlannedRuns((), triggered=True,
                               note=f"no schedule given: on Airflow {target} it runs only when triggered")
        starts, note = cron_starts((DAILY_AT_MIDNIGHT,), schedule.timezone)
        return PlannedRuns(starts, note=note or f"no schedule given: Airflow {target} runs it daily ({default})")
    if schedule.kind == "cron":
        starts, note = cron_starts(schedule.crons, schedule.timezone)
        return PlannedRuns(starts, note=note)
    if schedule.kind == "interval" and schedule.every_minutes:
        return PlannedRuns(interval_starts(schedule.every_minutes))
    if schedule.kind == "continuous":
        return PlannedRuns((), continuous=True)
    if schedule.kind == "dataset":
        return PlannedRuns((), triggered=True)
    if schedule.kind == "unknown":
        starts, _ = cron_starts((UNKNOWN_SCHEDULE_CRON,), None)
        return PlannedRuns(starts, note="schedule not readable from the code: assumed daily at 00:00 UTC")
    # none / once: only triggered runs (another DAG, the API, history)
    return PlannedRuns((), triggered=True)
