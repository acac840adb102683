"""Pure matching: log events, metric series and the environment's status to diagnoses.

One event counts for the first signature of the catalogue that matches it (the catalogue
orders the specific before the general: a KMS denial before any denial). Events of one cause
(same signature, same filled fix) make one diagnosis with the first few as evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from string import Template

from migrator.compat import (
    SettingDefault,
    UnknownSettingError,
    UnknownTargetError,
    airflow_default,
    mwaa_default,
)
from migrator.compat.failure_signatures import (
    LogSignature,
    MetricSignature,
    failed_statuses,
    log_group_kinds,
    log_signatures,
    metric_signatures,
)
from migrator.compat.mwaa import get_environment_class
from migrator.doctor.model import Diagnosis, Environment, Evidence, LogEvent, MetricSeries, Report
from migrator.secrets import mask

EVIDENCE_PER_DIAGNOSIS = 3
EVIDENCE_CHARS = 500  # of one log line; a traceback line can be kilobytes
ENVIRONMENT_DIMENSION = "Environment"  # every MWAA metric has it; evidence names the others
# A suggested timeout leaves the slowest parse seen this much headroom (parse time grows with each
# DAG added) and is a round number of seconds.
TIMEOUT_HEADROOM = 1.5
TIMEOUT_STEP_SECONDS = 10


def group_suffix(group: str) -> str | None:
    """The log type of ``airflow-<env>-<Type>`` (Scheduler, Worker, ...), None for other groups."""
    for kind in log_group_kinds():
        if group.endswith("-" + kind.suffix):
            return kind.suffix
    return None


def _fill(template: str, values: dict[str, str]) -> str:
    return Template(template).safe_substitute(values)


def captured(match) -> dict[str, str]:
    """What the match's named groups hold, masked."""
    # A captured ARN or requirement ends a sentence in some messages; the period is not part of it.
    return {name: mask(value.rstrip(".")) for name, value in match.groupdict().items() if value}


def explain(signature: LogSignature, match) -> tuple[str, str]:
    """The signature's cause and fix, filled with what the match captured."""
    values = captured(match)
    return _fill(signature.cause, values), _fill(signature.fix, values)


def _clip(text: str) -> str:
    """The masked message on one line (a traceback's lines joined), cut to EVIDENCE_CHARS."""
    text = " ⏎ ".join(mask(text.strip()).splitlines())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "..."


@dataclass
class _Cause:
    signature: LogSignature | MetricSignature
    cause: str
    fix: str
    values: dict[str, str]
    evidence: list[Evidence] = field(default_factory=list)
    occurrences: int = 0


class _Collector:
    """Diagnoses keyed by cause (signature, filled cause and fix), in order of first sight."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str, str], _Cause] = {}

    def add(self, signature, values: dict[str, str], evidence: Callable[[], Evidence]) -> None:
        """``evidence`` is built (and its line masked) only for the first few occurrences."""
        cause, fix = _fill(signature.cause, values), _fill(signature.fix, values)
        entry = self._found.setdefault((signature.id, cause, fix), _Cause(signature, cause, fix, values))
        if len(entry.evidence) < EVIDENCE_PER_DIAGNOSIS:
            entry.evidence.append(evidence())
        entry.occurrences += 1

    def diagnoses(self) -> list[Diagnosis]:
        return [Diagnosis(id=c.signature.id, title=c.signature.title, cause=c.cause, fix=c.fix,
                          source=c.signature.source, evidence=tuple(c.evidence), occurrences=c.occurrences,
                          values=tuple(c.values.items()))
                for c in self._found.values()]


def match_line(signature: LogSignature, message: str, lowered: str | None = None):
    """The regex match of ``signature`` in one message, or None (needles checked first)."""
    lowered = message.lower() if lowered is None else lowered
    if not any(needle in lowered for needle in signature.needles):
        return None
    return signature.pattern.search(message)


def match_events(events: Iterable[LogEvent]) -> list[Diagnosis]:
    signatures = log_signatures()
    found = _Collector()
    for event in events:
        suffix = group_suffix(event.group)
        if suffix is None:
            continue
        lowered = event.message.lower()
        for signature in signatures:
            if not signature.applies_to(suffix, event.stream):
                continue
            match = match_line(signature, event.message, lowered)
            if match:
                found.add(signature, captured(match),
                          lambda event=event: Evidence(event.group, event.stream, event.timestamp,
                                                       _clip(event.message)))
                break
    return found.diagnoses()


def _tasks_per_worker(environment: Environment | None) -> int | None:
    if environment is None or not environment.environment_class:
        return None
    try:
        return get_environment_class(environment.environment_class).default_tasks_per_worker
    except KeyError:  # a class newer than the data: no capacity to compare with
        return None


def _of(signature: MetricSignature, series: list[MetricSeries], metric: str | None = None) -> list[MetricSeries]:
    """The series of ``metric`` (the signature's own by default) in the signature's namespace."""
    metric = metric or signature.metric
    return [one for one in series if one.namespace == signature.namespace and one.metric == metric and one.points]


def _label(one: MetricSeries) -> str:
    """``MemoryUtilization Cluster=BaseWorker``: the metric and what tells it from its siblings."""
    return " ".join([one.metric, *(f"{name}={value}" for name, value in one.dimensions
                                   if name != ENVIRONMENT_DIMENSION)])


def _peak(signature: MetricSignature, one: MetricSeries, threshold: float, unit: str,
          threshold_label: str | None = None) -> tuple[float, Callable[[], Evidence]] | None:
    """The series' highest value and its evidence when it reaches ``threshold``, else None."""
    when, peak = max(one.points, key=lambda point: point[1])
    if peak < threshold:
        return None
    above = sum(value >= threshold for _, value in one.points)
    text = (f"{signature.statistic} {peak:.1f}{unit} ({threshold_label or 'threshold'} {threshold:g}{unit}, "
            f"{above} of {len(one.points)} periods at or above it)")
    where = _label(one)
    return peak, lambda: Evidence(signature.namespace, where, when, text)


def _class_name(environment: Environment | None) -> str:
    return (environment and environment.environment_class) or "the current one"


def _container_diagnoses(signature: MetricSignature, series: list[MetricSeries],
                         environment: Environment | None, found: _Collector) -> None:
    for one in _of(signature, series):
        reached = _peak(signature, one, signature.threshold, "%")
        if reached:
            peak, evidence = reached
            values = {"cluster": one.dimension("Cluster") or "environment", "peak": f"{peak:.0f}",
                      "environment_class": _class_name(environment)}
            found.add(signature, values, evidence)


def _queue_diagnosis(signature: MetricSignature, series: list[MetricSeries],
                     environment: Environment | None, found: _Collector) -> None:
    tasks_per_worker = _tasks_per_worker(environment)
    if tasks_per_worker is None or not environment.max_workers:
        return  # without the class and MaxWorkers "at the maximum" cannot be judged
    capacity = environment.max_workers * tasks_per_worker
    queued = {t: v for one in _of(signature, series) for t, v in one.points}
    running = {t: v for one in _of(signature, series, signature.running_metric) for t, v in one.points}
    full = [(t, queued[t], running[t]) for t in sorted(queued.keys() & running.keys())
            if queued[t] >= signature.threshold and running[t] >= capacity]
    if not full:
        return
    when, most_queued, at_that_time = max(full, key=lambda row: row[1])
    values = {"queued": f"{most_queued:.0f}", "running": f"{at_that_time:.0f}",
              "max_workers": str(environment.max_workers), "tasks_per_worker": str(tasks_per_worker),
              "environment_class": environment.environment_class}
    evidence = Evidence(signature.namespace, f"{signature.metric} / {signature.running_metric}", when,
                        f"{most_queued:.0f} queued, {at_that_time:.0f} running (capacity {capacity}); "
                        f"{len(full)} periods so")
    found.add(signature, values, lambda: evidence)


def _default_on(option: str, version: str | None) -> SettingDefault:
    """``option``'s default where the environment runs: MWAA's value on a version MWAA runs,
    Airflow's own on one the data does not know (an end-of-support one), the newest's without one.
    UnknownSettingError (a KeyError) for an option the defaults do not record."""
    try:
        return mwaa_default(option, version)
    except UnknownTargetError:
        pass
    try:
        return airflow_default(option, version)
    except ValueError:  # not a version at all
        return mwaa_default(option)


@dataclass(frozen=True)
class _Setting:
    option: str  # spelled as the environment's Airflow version spells it
    value: float
    origin: str  # where the value comes from, said in the cause


def _setting(option: str, environment: Environment | None) -> _Setting:
    """The value ``option`` has on the environment: its AirflowConfigurationOptions (under any
    spelling of the option), else the default on its Airflow version."""
    version = environment.airflow_version if environment else None
    default = _default_on(option, version)
    for name, value in (environment.configuration.items() if environment else ()):
        try:
            same = _default_on(name, version).name == default.name
        except UnknownSettingError:
            continue
        if same:
            try:
                return _Setting(default.name, float(value), "set in the environment's Airflow configuration options")
            except ValueError:
                break  # not a number: Airflow fails on it too; judge by the default
    origin = "MWAA's default" if default.set_by == "mwaa" else "Airflow's default"
    return _Setting(default.name, float(default.value),
                    origin if default.confirmed else f"{origin}; MWAA's own value is unconfirmed")


def _round_up(seconds: float) -> int:
    return math.ceil(seconds / TIMEOUT_STEP_SECONDS) * TIMEOUT_STEP_SECONDS


def _timeout_diagnoses(signature: MetricSignature, series: list[MetricSeries],
                       environment: Environment | None, found: _Collector) -> None:
    """A duration (TotalParseTime) at or above the timeout its threshold_setting sets."""
    timeout = _setting(signature.threshold_setting, environment)
    for one in _of(signature, series):
        reached = _peak(signature, one, timeout.value, " s", timeout.option)
        if not reached:
            continue
        peak, evidence = reached
        outer = _setting(signature.outer_setting, environment)
        suggested = _round_up(max(peak * TIMEOUT_HEADROOM, timeout.value + TIMEOUT_STEP_SECONDS))
        # The outer timeout stays above the inner one by the margin their defaults keep (20 s).
        version = environment.airflow_version if environment else None
        margin = (_default_on(signature.outer_setting, version).value
                  - _default_on(signature.threshold_setting, version).value)
        outer_suggested = max(outer.value, suggested + max(margin, TIMEOUT_STEP_SECONDS))
        values = {"peak": f"{peak:.0f}", "threshold": f"{timeout.value:g}", "option": timeout.option,
                  "origin": timeout.origin, "suggested": str(suggested), "outer_option": outer.option,
                  "outer_suggested": f"{outer_suggested:g}", "scan_rules": ",".join(signature.scan_rules),
                  "environment_class": _class_name(environment)}
        found.add(signature, values, evidence)


def match_metrics(series: list[MetricSeries], environment: Environment | None) -> list[Diagnosis]:
    found = _Collector()
    for signature in metric_signatures():
        if signature.running_metric:
            _queue_diagnosis(signature, series, environment, found)
        elif signature.threshold_setting:
            _timeout_diagnoses(signature, series, environment, found)
        else:
            _container_diagnoses(signature, series, environment, found)
    return found.diagnoses()


def check_environment(environment: Environment) -> tuple[list[Diagnosis], list[str]]:
    """A diagnosis when the environment or its last update failed; warnings for log types that
    are off (their failures cannot be seen)."""
    facts = failed_statuses()
    diagnoses = []
    update_failed = environment.last_update_status in facts.last_update_failed
    if environment.status in facts.statuses or update_failed:
        values = {"status": environment.status or "in an unknown state",
                  "update": " after a failed update" if update_failed else "",
                  "error": mask(environment.last_update_error or "no error message recorded")}
        diagnoses.append(Diagnosis(
            id=facts.id, title=facts.title, cause=_fill(facts.cause, values), fix=facts.fix,
            source=facts.source, occurrences=1,
            evidence=(Evidence("environment", environment.name, None,
                               f"Status {environment.status}, LastUpdate.Status "
                               f"{environment.last_update_status}: {values['error']}"),)))
    warnings = []
    if environment.logging:
        for kind in log_group_kinds():
            state = environment.logging.get(kind.logging_key)
            if state is None or not state.enabled:
                warnings.append(f"{kind.logging_key} are disabled: failures in {kind.holds} cannot be seen; "
                                f"enable them (INFO) in the environment's logging configuration")
    return diagnoses, warnings


def diagnose(environment_name: str, events: Iterable[LogEvent], series: list[MetricSeries],
             environment: Environment | None, warnings: Iterable[str] = ()) -> Report:
    """``warnings`` is read after ``events`` is consumed: a reader adds to it as it reads."""
    counted = _Counted(events)
    status_diagnoses, logging_warnings = check_environment(environment) if environment else ([], [])
    diagnoses = [*status_diagnoses, *match_events(counted), *match_metrics(series, environment)]
    return Report(environment_name, tuple(diagnoses), (*warnings, *logging_warnings), counted.count,
                  tuple(sorted(counted.groups)))


class _Counted:
    """Passes events through once, counting them and their groups."""

    def __init__(self, events: Iterable[LogEvent]) -> None:
        self._events = events
        self.count = 0
        self.groups: set[str] = set()

    def __iter__(self):
        for event in self._events:
            self.count += 1
            self.groups.add(event.group)
            yield event
