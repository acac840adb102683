"""What a failing MWAA environment writes to CloudWatch, as typed data: the log groups, the log
and metric failure signatures ``migrator doctor`` matches, and the statuses that mean failure.

The facts live in ``compat/data/mwaa_failure_signatures.json`` (each signature names its
source); this module gives them types and compiles the patterns once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ._data import load_json

CATALOGUE = "mwaa_failure_signatures.json"


@dataclass(frozen=True)
class LogGroupKind:
    suffix: str  # the log group is airflow-<env>-<suffix>
    logging_key: str  # its entry in get_environment's LoggingConfiguration
    holds: str


@dataclass(frozen=True)
class LogSignature:
    id: str
    title: str
    groups: tuple[str, ...]  # log group suffixes it appears in
    streams: tuple[str, ...]  # stream name prefixes it appears in; empty: any stream
    needles: tuple[str, ...]  # lower-case literals, one of which a matching message holds
    pattern: re.Pattern
    cause: str  # string.Template texts filled from the pattern's named groups
    fix: str
    source: str
    confirmed: bool
    matching_examples: tuple[str, ...]
    other_examples: tuple[str, ...]

    def applies_to(self, group_suffix: str, stream: str) -> bool:
        return group_suffix in self.groups and (
            not self.streams or stream.startswith(self.streams))


# Metric name -> its values in consecutive periods: one example of a metric signature.
MetricExample = tuple[tuple[str, tuple[float, ...]], ...]


@dataclass(frozen=True)
class MetricSignature:
    id: str
    title: str
    namespace: str  # AWS/MWAA (MWAA's container metrics) or AmazonMWAA (Airflow's own)
    metric: str
    dimensions: tuple[tuple[str, str], ...]  # name -> string.Template value (${environment}, ${cluster})
    clusters: tuple[str, ...]  # values of the Cluster dimension, when it has one
    statistic: str
    threshold: float | None  # a fixed threshold, or None when threshold_setting gives it
    cause: str
    fix: str
    source: str
    confirmed: bool
    # Diagnosed (matching) and not (other) on the catalogue's example environment.
    matching_examples: tuple[MetricExample, ...]
    other_examples: tuple[MetricExample, ...]
    running_metric: str | None = None
    threshold_setting: str | None = None  # the Airflow option whose value is the threshold
    outer_setting: str | None = None  # the option that must stay above threshold_setting
    scan_rules: tuple[str, ...] = ()  # scan rules whose findings cause it (--project links them)


@dataclass(frozen=True)
class FailedStatuses:
    id: str
    title: str
    statuses: frozenset[str]  # Environment.Status values that mean the environment failed
    last_update_failed: frozenset[str]  # LastUpdate.Status values that mean the update failed
    cause: str
    fix: str
    source: str


@cache
def log_group_kinds() -> tuple[LogGroupKind, ...]:
    return tuple(LogGroupKind(**row) for row in load_json(CATALOGUE)["log_groups"])


@cache
def log_signatures() -> tuple[LogSignature, ...]:
    """In catalogue order, which is also precedence: a message takes the first that matches."""
    return tuple(
        LogSignature(
            id=row["id"], title=row["title"], groups=tuple(row["groups"]),
            streams=tuple(row["streams"]), needles=tuple(n.lower() for n in row["needles"]),
            pattern=re.compile(row["pattern"]), cause=row["cause"], fix=row["fix"],
            source=row["source"], confirmed=row["confirmed"],
            matching_examples=tuple(row["examples"]["match"]),
            other_examples=tuple(row["examples"]["no_match"]))
        for row in load_json(CATALOGUE)["log_signatures"])


def _metric_examples(rows: list[dict]) -> tuple[MetricExample, ...]:
    return tuple(tuple((metric, tuple(map(float, values))) for metric, values in row.items()) for row in rows)


@cache
def metric_signatures() -> tuple[MetricSignature, ...]:
    return tuple(
        MetricSignature(
            id=row["id"], title=row["title"], namespace=row["namespace"], metric=row["metric"],
            dimensions=tuple(row["dimensions"].items()), clusters=tuple(row.get("clusters", ())),
            statistic=row["statistic"], threshold=row.get("threshold"), cause=row["cause"],
            fix=row["fix"], source=row["source"], confirmed=row["confirmed"],
            matching_examples=_metric_examples(row["examples"]["match"]),
            other_examples=_metric_examples(row["examples"]["no_match"]),
            running_metric=row.get("running_metric"), threshold_setting=row.get("threshold_setting"),
            outer_setting=row.get("outer_setting"), scan_rules=tuple(row.get("scan_rules", ())))
        for row in load_json(CATALOGUE)["metric_signatures"])


@cache
def failed_statuses() -> FailedStatuses:
    row = load_json(CATALOGUE)["failed_statuses"]
    return FailedStatuses(id=row["id"], title=row["title"], statuses=frozenset(row["statuses"]),
                          last_update_failed=frozenset(row["last_update_failed"]),
                          cause=row["cause"], fix=row["fix"], source=row["source"])
