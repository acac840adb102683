"""Optional inputs of ``migrator size``: task history, verify results, pool definitions.

Task history (``--history FILE``) is a CSV, TSV or JSON export of task instances with the columns
``dag_id``, ``task_id``, ``start``, ``end`` and, when available, ``state`` and ``run_id``
(``start_date``/``end_date``/``execution_date``/``logical_date`` are accepted too). The queries
that produce it from an Airflow metadata database are in docs/sizing.md.

Verify results (``--verify-results FILE``) are the JSON ``migrator verify --format json``
writes: ``{"files": [{"path": ..., "parse_seconds": ...}, ...]}``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from migrator.analysis.source import Problem, decode_text
from migrator.errors import InputError
from migrator.project import ProjectFacts
from migrator.sizing.defaults import MAX_TASK_INSTANCE_DAYS

_COLUMNS = {
    "dag_id": ("dag_id", "dag"),
    "task_id": ("task_id", "task"),
    "start": ("start", "start_date", "started_at", "start_time"),
    "end": ("end", "end_date", "ended_at", "end_time"),
    "state": ("state", "status"),
    "run": ("run_id", "dag_run_id", "execution_date", "logical_date"),
}
_FINISHED = frozenset({"success", "failed", "up_for_retry", "up_for_reschedule"})


# Unusable rows named one by one in the report; the rest are counted.
NAMED_BAD_ROWS = 5


@dataclass
class TaskHistory:
    source: str
    durations: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # seconds
    run_starts: dict[str, list[datetime]] = field(default_factory=dict)  # dag_id -> run starts
    first: datetime | None = None
    last: datetime | None = None
    rows: int = 0
    used: int = 0
    bad_rows: int = 0  # rows with a timestamp that is not one, or an impossible duration
    bad_row_notes: list[str] = field(default_factory=list)  # the first NAMED_BAD_ROWS, why

    @property
    def days(self) -> float:
        """Calendar days the export spans (UTC), first and last included."""
        if self.first is None or self.last is None:
            return 1.0
        return float((self.last.date() - self.first.date()).days + 1)

    def median_seconds(self, dag_ids: list[str], task_id: str) -> tuple[float, int] | None:
        """Median duration over every matching (dag, task) pair, and how many runs it is of."""
        values = [v for dag_id in dag_ids for v in self.durations.get((dag_id, task_id), [])]
        return (statistics.median(values), len(values)) if values else None

    @property
    def dag_ids(self) -> set[str]:
        return {dag_id for dag_id, _ in self.durations}


def _read_text(path: Path, what: str) -> str:
    """The file's text, decoded as project files are (an export from PowerShell is UTF-16)."""
    try:
        source = decode_text(path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{path}: {what} file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if isinstance(source, Problem):
        raise InputError(f"{path}: cannot read {what}: {source.message}")
    return source.text


def parse_timestamp(value: object) -> datetime | None:
    """The moment ``value`` names (UTC), or None when it is empty; ValueError when it is not a
    timestamp (not finite, out of range, not a date)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(value)
    text = str(value).strip()
    if not text or text.lower() in ("null", "none", "\\n", "nat"):
        return None
    text = text.replace("Z", "+00:00").replace("T", " ", 1)
    text = re.sub(r"([+-]\d\d)$", r"\1:00", text)  # Postgres writes "+00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            seconds = float(text)
        except ValueError:
            raise ValueError(f"{_shown(value)} is not a timestamp") from None
        return _from_epoch(seconds, value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _from_epoch(seconds: float, shown: object = None) -> datetime:
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (ValueError, OverflowError, OSError):  # NaN, infinities, years past 9999
        raise ValueError(f"{_shown(seconds if shown is None else shown)} is not a moment in "
                         "years 1 to 9999") from None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _rows(path: Path, text: str) -> list[dict]:
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            document = json.loads(text, parse_int=_json_int)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno})") from None
        except RecursionError:  # json's decoder recurses once per nesting level
            raise InputError(f"{path}: JSON nested too deeply to be task history") from None
        if isinstance(document, dict):
            for key in ("task_instances", "rows", "data", "items"):
                if isinstance(document.get(key), list):
                    document = document[key]
                    break
        if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
            raise InputError(f"{path}: expected a JSON list of task instances (objects)")
        return document
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


def _json_int(digits: str) -> int | float:
    # Longer than Python turns into an int (4300 digits): a float, infinite, which the row's
    # check then names, instead of a ValueError for the whole file.
    return int(digits) if len(digits) < 4000 else float(digits)


def _column_map(path: Path, sample: dict) -> dict[str, str]:
    lowered = {str(k).strip().lower(): k for k in sample}
    found: dict[str, str] = {}
    for column, aliases in _COLUMNS.items():
        for alias in aliases:
            if alias in lowered:
                found[column] = lowered[alias]
                break
    missing = [c for c in ("dag_id", "task_id", "start", "end") if c not in found]
    if missing:
        raise InputError(f"{path}: task history lacks the column(s) {', '.join(missing)} "
                         f"(found: {', '.join(sorted(lowered)) or 'none'})")
    return found


def load_history(path: Path) -> TaskHistory:
    text = _read_text(path, "task history")
    rows = _rows(path, text)
    if not rows:
        raise InputError(f"{path}: task history has no rows")
    columns = _column_map(path, rows[0])
    history = TaskHistory(source=path.name, rows=len(rows))
    run_first: dict[tuple[str, str], datetime] = {}
    for number, row in enumerate(rows, start=1):
        dag_id, task_id = row.get(columns["dag_id"]), row.get(columns["task_id"])
        state = str(row.get(columns.get("state", ""), "") or "").strip().lower()
        try:
            start = parse_timestamp(row.get(columns["start"]))
            end = parse_timestamp(row.get(columns["end"]))
            if start is not None and end is not None:
                _check_span(start, end)
        except ValueError as exc:
            history.bad_rows += 1
            if len(history.bad_row_notes) < NAMED_BAD_ROWS:
                history.bad_row_notes.append(f"row {number}: {exc}")
            continue
        if not dag_id or not task_id or start is None or end is None:
            continue  # still running, or never ran
        if state and state not in _FINISHED:
            continue
        dag_id, task_id = str(dag_id), str(task_id)
        history.durations.setdefault((dag_id, task_id), []).append((end - start).total_seconds())
        history.used += 1
        history.first = start if history.first is None else min(history.first, start)
        history.last = start if history.last is None else max(history.last, start)
        run = row.get(columns["run"]) if "run" in columns else None
        if run:
            key = (dag_id, str(run))
            run_first[key] = min(run_first.get(key, start), start)
    if not history.used:
        unusable = (f" ({history.bad_rows} rows not usable, {history.bad_row_notes[0]})"
                    if history.bad_rows else "")
        raise InputError(f"{path}: no finished task instance with dag_id, task_id, start and end"
                         + unusable)
    for (dag_id, _), start in run_first.items():
        history.run_starts.setdefault(dag_id, []).append(start)
    for starts in history.run_starts.values():
        starts.sort()
    return history


def _check_span(start: datetime, end: datetime) -> None:
    def moment(value: datetime) -> str:
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")

    if end < start:
        raise ValueError(f"ends ({moment(end)}) before it starts ({moment(start)})")
    if end - start > timedelta(days=MAX_TASK_INSTANCE_DAYS):
        raise ValueError(f"runs {(end - start).days} days ({moment(start)} to {moment(end)}): "
                         "an export artefact, not a task run")


def load_verify_results(path: Path) -> dict[str, float]:
    """Parse seconds per DAG file (POSIX path relative to the project root)."""
    text = _read_text(path, "verify results")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:  # json's decoder recurses once per nesting level
        raise InputError(f"{path}: JSON nested too deeply to be verify results") from None
    except ValueError as exc:  # a number longer than Python converts (4300 digits)
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list):
        raise InputError(f'{path}: expected {{"files": [{{"path": ..., "parse_seconds": ...}}]}} '
                         "as written by `migrator verify --format json`")
    times: dict[str, float] = {}
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise InputError(f"{path}: every entry of \"files\" needs a \"path\"")
        seconds = entry.get("parse_seconds")
        if seconds is None:
            continue  # the file failed to import; verify reports that itself
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise InputError(f"{path}: parse_seconds of {entry['path']} is not a number of seconds")
        times[entry["path"].replace("\\", "/").removeprefix("./")] = float(seconds)
    return times


# -- pools ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PoolDefinition:
    name: str
    slots: int  # -1: unlimited, as Airflow reads it
    source: str  # where it is defined: "path:line"

    @property
    def unlimited(self) -> bool:
        return self.slots < 0


def read_pools(project: ProjectFacts) -> dict[str, PoolDefinition]:
    """Pools the project defines (exports, ``airflow_settings.yaml``, ``airflow pools set``
    commands), as the connections analysis reads them; the last definition of a name wins."""
    pools: dict[str, PoolDefinition] = {}
    for pool in project.connections.pools:
        if pool.slots is not None:
            pools[pool.name] = PoolDefinition(pool.name, pool.slots, f"{pool.path}:{pool.line}")
    return pools
