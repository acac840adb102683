"""The facts ``doctor`` reads and the diagnoses it gives."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LogEvent:
    group: str  # log group name, airflow-<env>-<Type>
    stream: str
    timestamp: int | None  # milliseconds since the epoch, as CloudWatch Logs gives it
    message: str


@dataclass(frozen=True)
class MetricSeries:
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    points: tuple[tuple[int, float], ...]  # (milliseconds since the epoch, value)

    def dimension(self, name: str) -> str | None:
        return dict(self.dimensions).get(name)


@dataclass(frozen=True)
class LogType:
    enabled: bool
    level: str | None = None


@dataclass(frozen=True)
class Environment:
    """What ``mwaa get_environment`` says that matters for a diagnosis."""

    name: str
    status: str | None = None
    last_update_status: str | None = None
    last_update_error: str | None = None
    environment_class: str | None = None
    airflow_version: str | None = None
    max_workers: int | None = None
    logging: dict[str, LogType] = field(default_factory=dict)  # LoggingConfiguration key -> state
    # AirflowConfigurationOptions, names normalized (core.x). Values may be secrets: never shown.
    configuration: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    where: str  # log group, or the metric's namespace, or "environment"
    stream: str  # log stream, or the metric and its dimensions
    timestamp: int | None  # milliseconds since the epoch
    text: str  # the line, masked


@dataclass(frozen=True)
class ProjectLink:
    """A scan finding of the project behind a diagnosis (``--project``)."""

    path: str
    line: int
    rule: str
    message: str


@dataclass(frozen=True)
class Diagnosis:
    id: str
    title: str
    cause: str
    fix: str
    source: str
    evidence: tuple[Evidence, ...]
    occurrences: int  # matching events or data points, of which ``evidence`` shows the first
    values: tuple[tuple[str, str], ...] = ()  # what the signature captured (masked): module, requirement...
    project: tuple[ProjectLink, ...] = ()


@dataclass(frozen=True)
class Report:
    environment: str
    diagnoses: tuple[Diagnosis, ...]
    warnings: tuple[str, ...]  # what doctor could not see (logging off, a group missing)
    events_read: int
    groups_read: tuple[str, ...]

    @property
    def healthy(self) -> bool:
        return not self.diagnoses
