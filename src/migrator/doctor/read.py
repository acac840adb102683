"""Reading what ``doctor`` diagnoses: an export folder or a live environment.

Export folder (``--logs DIR``): one ``<log-group-name>.json`` per group, each what
``aws logs filter-log-events --log-group-name <name>`` prints (``{"events": [...]}``), and an
optional ``environment.json`` from ``aws mwaa get-environment``. Live: boto3's ``mwaa``
``get_environment``, ``logs`` ``filter_log_events`` (paginated, from ``since`` on) and
``cloudwatch`` ``get_metric_data`` for the metrics the catalogue's signatures read: MWAA's
container metrics (``AWS/MWAA``) and Airflow's own (``AmazonMWAA``). Only read calls are made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from string import Template

from migrator.compat import normalize_option
from migrator.compat.failure_signatures import log_group_kinds, metric_signatures
from migrator.doctor.match import diagnose, group_suffix
from migrator.doctor.model import Environment, LogEvent, LogType, MetricSeries, Report
from migrator.errors import InputError

ENVIRONMENT_FILE = "environment.json"
METRIC_PERIOD_SECONDS = 300  # five-minute periods: MWAA publishes its metrics each minute
METRIC_QUERIES_PER_CALL = 500  # get_metric_data's limit
_SINCE = re.compile(r"(?P<amount>[1-9][0-9]{0,4})(?P<unit>[mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_since(text: str) -> timedelta:
    """``30m``, ``6h``, ``2d`` as a timedelta; InputError otherwise."""
    match = _SINCE.fullmatch(text.strip())
    if not match:
        raise InputError(f"--since {text!r}: expected a number and m, h or d (e.g. 30m, 6h, 2d)")
    return timedelta(**{_UNITS[match["unit"]]: int(match["amount"])})


def log_group_names(environment_name: str) -> list[str]:
    return [f"airflow-{environment_name}-{kind.suffix}" for kind in log_group_kinds()]


def parse_environment(document: dict, where: str) -> Environment:
    """An Environment from get_environment's response (``{"Environment": {...}}``) or its inner
    object. ``where`` names the source in errors."""
    data = document.get("Environment", document) if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("Name"), str):
        raise InputError(f"{where}: not the output of `aws mwaa get-environment` (no Environment.Name)")
    last_update = data.get("LastUpdate") if isinstance(data.get("LastUpdate"), dict) else {}
    error = last_update.get("Error") if isinstance(last_update.get("Error"), dict) else {}
    logging = {}
    configuration = data.get("LoggingConfiguration")
    if isinstance(configuration, dict):
        for key, value in configuration.items():
            if isinstance(value, dict):
                logging[key] = LogType(bool(value.get("Enabled")), value.get("LogLevel"))
    max_workers = data.get("MaxWorkers")
    options = data.get("AirflowConfigurationOptions")
    configuration = ({normalize_option(name): str(value) for name, value in options.items()}
                     if isinstance(options, dict) else {})
    error_text = " ".join(str(error[k]) for k in ("ErrorCode", "ErrorMessage") if error.get(k)) or None
    return Environment(
        name=data["Name"], status=data.get("Status"), last_update_status=last_update.get("Status"),
        last_update_error=error_text, environment_class=data.get("EnvironmentClass"),
        airflow_version=data.get("AirflowVersion"),
        max_workers=max_workers if isinstance(max_workers, int) else None, logging=logging,
        configuration=configuration)


# --------------------------------------------------------------------------------------------
# Export folder


@dataclass
class Export:
    environment: Environment | None
    group_files: list[Path]
    warnings: list[str] = field(default_factory=list)

    @property
    def environment_name(self) -> str:
        if self.environment is not None:
            return self.environment.name
        for path in self.group_files:
            suffix = group_suffix(path.stem)
            if suffix and path.stem.startswith("airflow-"):
                return path.stem[len("airflow-"):-len(suffix) - 1]
        return "(unknown)"


def _load_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None


def open_export(directory: Path) -> Export:
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder (--logs expects a folder of "
                         f"<log-group-name>.json files from `aws logs filter-log-events`)")
    environment = None
    environment_file = directory / ENVIRONMENT_FILE
    if environment_file.is_file():
        environment = parse_environment(_load_json(environment_file), str(environment_file))
    group_files = sorted(path for path in directory.glob("*.json") if path.name != ENVIRONMENT_FILE)
    if not group_files:
        raise InputError(f"{directory}: no <log-group-name>.json file (the output of "
                         f"`aws logs filter-log-events --log-group-name airflow-<env>-Scheduler`)")
    export = Export(environment, group_files)
    unknown = [path.name for path in group_files if group_suffix(path.stem) is None]
    if unknown:
        export.warnings.append(f"{', '.join(unknown)}: not named after an MWAA log group "
                               f"(airflow-<env>-Scheduler|Worker|WebServer|DAGProcessing|Task.json); not read")
    exported = {path.stem for path in group_files}
    if environment is not None:
        missing = [name for name in log_group_names(environment.name) if name not in exported]
        if missing:
            export.warnings.append(f"no export of {', '.join(missing)}: failures logged there cannot be seen")
    return export


def export_events(export: Export) -> Iterator[LogEvent]:
    """Every event of every MWAA group file; InputError naming the file for a malformed one."""
    for path in export.group_files:
        if group_suffix(path.stem) is None:
            continue
        document = _load_json(path)
        events = document.get("events") if isinstance(document, dict) else None
        if not isinstance(events, list):
            raise InputError(f"{path}: no \"events\" list "
                             f"(expected the output of `aws logs filter-log-events`)")
        for number, event in enumerate(events):
            if not isinstance(event, dict) or not isinstance(event.get("message"), str):
                raise InputError(f"{path}: event {number} has no \"message\" text")
            timestamp = event.get("timestamp")
            yield LogEvent(path.stem, str(event.get("logStreamName") or ""),
                           timestamp if isinstance(timestamp, int) else None, event["message"])


# --------------------------------------------------------------------------------------------
# Live environment

ClientFactory = Callable[[str], object]  # service name -> boto3 client


def live_environment(clients: ClientFactory, name: str) -> Environment:
    response = clients("mwaa").get_environment(Name=name)
    return parse_environment(response, f"mwaa get_environment {name}")


def live_events(clients: ClientFactory, environment_name: str, start: datetime,
                warnings: list[str]) -> Iterator[LogEvent]:
    """Events of the environment's five log groups from ``start`` on; a group that does not
    exist (its log type was never enabled) becomes a warning."""
    logs = clients("logs")
    paginator = logs.get_paginator("filter_log_events")
    start_ms = int(start.timestamp() * 1000)
    for group in log_group_names(environment_name):
        try:
            for page in paginator.paginate(logGroupName=group, startTime=start_ms):
                for event in page.get("events", ()):
                    yield LogEvent(group, event.get("logStreamName", ""), event.get("timestamp"),
                                   event.get("message", ""))
        except logs.exceptions.ResourceNotFoundException:
            warnings.append(f"log group {group} does not exist: its log type was never enabled")


def metric_queries(environment_name: str) -> list[dict]:
    """get_metric_data queries for every metric a signature reads, ids ``m0``, ``m1``, ..."""
    wanted: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
    for signature in metric_signatures():
        for metric in filter(None, (signature.metric, signature.running_metric)):
            for cluster in signature.clusters or (None,):
                values = {"cluster": cluster, "environment": environment_name}
                dimensions = tuple((name, Template(value).substitute(values))
                                   for name, value in signature.dimensions)
                if (signature.namespace, metric, dimensions) not in wanted:
                    wanted.append((signature.namespace, metric, dimensions))
    return [{"Id": f"m{index}", "ReturnData": True,
             "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric,
                                       "Dimensions": [{"Name": n, "Value": v} for n, v in dimensions]},
                            "Period": METRIC_PERIOD_SECONDS, "Stat": "Maximum"}}
            for index, (namespace, metric, dimensions) in enumerate(wanted)]


def live_metrics(clients: ClientFactory, environment_name: str, start: datetime,
                 end: datetime) -> list[MetricSeries]:
    cloudwatch = clients("cloudwatch")
    queries = metric_queries(environment_name)
    by_id = {query["Id"]: query["MetricStat"]["Metric"] for query in queries}
    points: dict[str, list[tuple[int, float]]] = {query_id: [] for query_id in by_id}
    for first in range(0, len(queries), METRIC_QUERIES_PER_CALL):
        paginator = cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(MetricDataQueries=queries[first:first + METRIC_QUERIES_PER_CALL],
                                       StartTime=start, EndTime=end):
            for result in page.get("MetricDataResults", ()):
                points[result["Id"]].extend(
                    (int(when.timestamp() * 1000), float(value))
                    for when, value in zip(result.get("Timestamps", ()), result.get("Values", ())))
    return [MetricSeries(metric["Namespace"], metric["MetricName"],
                         tuple((d["Name"], d["Value"]) for d in metric["Dimensions"]),
                         tuple(sorted(points[query_id])))
            for query_id, metric in by_id.items() if points[query_id]]


# --------------------------------------------------------------------------------------------
# Whole runs


def diagnose_export(directory: Path) -> Report:
    export = open_export(directory)
    return diagnose(export.environment_name, export_events(export), [], export.environment,
                    export.warnings)


def diagnose_live(clients: ClientFactory, environment_name: str, since: timedelta,
                  end: datetime | None = None) -> Report:
    """Read the environment, its logs and metrics over ``since`` up to ``end`` (now)."""
    # boto3/botocore only for a live read: reading an export (--logs) does not load them.
    from botocore.exceptions import BotoCoreError, ClientError

    from migrator.aws import describe_error

    end = end or datetime.now(UTC)
    start = end - since
    warnings: list[str] = []
    step = "mwaa get_environment"
    try:
        environment = live_environment(clients, environment_name)
        step = "cloudwatch get_metric_data"
        try:
            series = live_metrics(clients, environment_name, start, end)
        except ClientError as exc:  # no access to metrics: the logs still say most
            warnings.append(f"metrics not read ({describe_error(exc, step)}): resource, queue "
                            f"and parse-time diagnoses are missing")
            series = []
        step = "logs filter_log_events"
        return diagnose(environment_name, live_events(clients, environment_name, start, warnings),
                        series, environment, warnings)
    except (BotoCoreError, ClientError) as exc:
        raise describe_error(exc, step) from None
