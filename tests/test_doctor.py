"""``migrator doctor``: export folders (--logs DIR), live environments (moto's CloudWatch Logs and
CloudWatch on 127.0.0.1; MWAA through botocore's Stubber), metrics, masking and bad input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from migrator.compat.failure_signatures import log_signatures, metric_signatures

from migrator.cli import main
from migrator.doctor.match import match_metrics
from migrator.doctor.model import Environment, MetricSeries, Report
from migrator.doctor.read import diagnose_live

ENV = "acme-prod"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
# Lines a healthy environment writes to each group: none may be diagnosed.
HEALTHY_LINES = {
    "Scheduler": ["Requirement already satisfied: boto3 in /usr/local/lib/python3.12/site-packages",
                  "Successfully installed acme-dq-checks-0.9.2",
                  "Executing customer startup script.",
                  "{scheduler_job_runner.py:1020} INFO - Exiting gracefully upon receiving signal 15"],
    "Worker": ["celery@ip-10-0-1-23 ready.", "Task airflow.executors.celery_executor.execute_command succeeded"],
    "WebServer": ["Listening at: http://0.0.0.0:8080 (12)"],
    "DAGProcessing": ["Filling up the DagBag from /usr/local/airflow/dags/sales.py",
                      "Processing /usr/local/airflow/dags/sales.py took 0.412 seconds"],
    "Task": ["Task exited with return code 0", "Marking task as SUCCESS. dag_id=sales, task_id=load"],
}
# A connection string, an AWS key id and a password, in lines that match signatures.
SECRET_LINES = [
    ("Broken DAG: [/usr/local/airflow/dags/x.py] No module named 'snowflake' "
     "(conn postgresql://airflow:Hunter2Secret@db.internal:5432/airflow)"),
    ("ERROR: No matching distribution found for acme==1.0 from "
     "https://deploy:S3cr3tT0ken@pypi.acme.internal/simple aws_access_key_id=AKIAIOSFODNN7EXAMPLE "
     "password=Hunter2Secret"),
]
SECRETS = ("Hunter2Secret", "S3cr3tT0ken", "AKIAIOSFODNN7EXAMPLE")


def _stream(signature) -> str:
    prefix = signature.streams[0] if signature.streams else "scheduler_"
    return prefix + "ip-10-0-1-2.ec2.internal"


def failing_events() -> dict[str, list[dict]]:
    """Group name -> events: each signature's first example in the first group it names."""
    groups: dict[str, list[dict]] = {}
    for number, signature in enumerate(log_signatures()):
        groups.setdefault(f"airflow-{ENV}-{signature.groups[0]}", []).append(
            {"logStreamName": _stream(signature), "timestamp": NOW_MS - 60_000 + number,
             "message": signature.matching_examples[0]})
    return groups


def healthy_events() -> dict[str, list[dict]]:
    return {f"airflow-{ENV}-{suffix}": [{"logStreamName": f"{suffix.lower()}_ip-10-0-1-2",
                                         "timestamp": NOW_MS - 60_000 + n, "message": line}
                                        for n, line in enumerate(lines)]
            for suffix, lines in HEALTHY_LINES.items()}


def environment_document(status="AVAILABLE", update_status="SUCCESS", error=None, task_logs=True,
                         options=None) -> dict:
    logging = {key: {"Enabled": True, "LogLevel": "INFO", "CloudWatchLogGroupArn": f"arn:aws:logs:::{key}"}
               for key in ("DagProcessingLogs", "SchedulerLogs", "WebserverLogs", "WorkerLogs")}
    logging["TaskLogs"] = {"Enabled": task_logs, "LogLevel": "INFO"}
    last_update = {"Status": update_status, "CreatedAt": NOW}
    if error:
        last_update["Error"] = {"ErrorCode": "INCORRECT_CONFIGURATION", "ErrorMessage": error}
    return {"Environment": {"Name": ENV, "Status": status, "EnvironmentClass": "mw1.small",
                            "AirflowVersion": "3.3.1", "MaxWorkers": 2, "MinWorkers": 1,
                            "LastUpdate": last_update, "LoggingConfiguration": logging,
                            "AirflowConfigurationOptions": options or {}}}


def write_export(folder, groups: dict[str, list[dict]], environment: dict | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    for group, events in groups.items():
        (folder / f"{group}.json").write_text(json.dumps({"events": events, "searchedLogStreams": []}))
    if environment is not None:
        (folder / "environment.json").write_text(json.dumps(environment, default=str))
    return folder


@dataclass
class Result:
    exit_code: int
    output: str  # stdout, then stderr


@pytest.fixture
def run(capsys):
    """``migrator doctor ARGS`` through the real entry point (exit codes, error lines)."""

    def invoke(*args) -> Result:
        code = main(["doctor", *map(str, args)])
        out, err = capsys.readouterr()
        return Result(code, out + err)

    return invoke


# --------------------------------------------------------------------------------------------
# --logs DIR


def test_export_names_every_log_signature_with_its_fix(run, tmp_path):
    result = run("--logs", write_export(tmp_path / "export", failing_events()), "-f", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert sorted(d["id"] for d in report["diagnoses"]) == [s.id for s in log_signatures()]
    by_id = {d["id"]: d for d in report["diagnoses"]}
    assert "acme-dq-checks==0.9.2" in by_id["DOC004"]["fix"]
    assert '"Action": "glue:StartJobRun"' in by_id["DOC016"]["fix"]
    assert "arn:aws:glue:us-east-1:111122223333:job/nightly" in by_id["DOC016"]["fix"]
    assert '"Action": "kms:Decrypt"' in by_id["DOC014"]["fix"]
    assert "airflow/connections/warehouse" in by_id["DOC015"]["fix"]
    assert "apache-airflow-providers-amazon==9.34.0" in by_id["DOC002"]["fix"]
    assert "`snowflake.connector`" in by_id["DOC008"]["fix"]
    evidence = by_id["DOC004"]["evidence"][0]
    assert evidence["where"] == f"airflow-{ENV}-Scheduler"
    assert evidence["stream"].startswith("requirements_install_")
    assert evidence["time"] == "2026-12-05 11:59:00 UTC"


def test_a_signature_only_matches_in_its_groups_and_streams(run, tmp_path):
    """A pip message in a task's log is not an install failure; a line saying "timed out" in
    the scheduler's own stream is not the startup script's timeout."""
    pip_line = next(s for s in log_signatures() if s.id == "DOC004").matching_examples[0]
    events = {f"airflow-{ENV}-Task": [{"logStreamName": "dag_id=x", "timestamp": NOW_MS, "message": pip_line}],
              f"airflow-{ENV}-Scheduler": [{"logStreamName": "scheduler_ip-1", "timestamp": NOW_MS,
                                            "message": "Process mwaa_startup timed out"}]}
    result = run("--logs", write_export(tmp_path / "export", events))
    assert result.exit_code == 0, result.output
    assert "no failure found" in result.output


def test_healthy_export_has_no_diagnosis(run, tmp_path):
    """An export has no metrics: its environment's configuration options add nothing to say."""
    environment = environment_document(options={"core.dagbag_import_timeout": "60"})
    result = run("--logs", write_export(tmp_path / "export", healthy_events(), environment))
    assert result.exit_code == 0, result.output
    events = sum(map(len, HEALTHY_LINES.values()))
    assert result.output.startswith(f"{ENV}: no failure found ({events} log events read from 5 log groups)")
    assert "warning" not in result.output


def test_repeated_cause_is_one_diagnosis_with_the_first_lines_as_evidence(run, tmp_path):
    line = "ERROR: No matching distribution found for acme-dq-checks==0.9.2"
    events = {f"airflow-{ENV}-{suffix}": [{"logStreamName": f"requirements_install_ip-{n}", "timestamp": NOW_MS + n,
                                           "message": line} for n in range(4)]
              for suffix in ("Scheduler", "Worker", "WebServer")}
    report = json.loads(run("--logs", write_export(tmp_path / "e", events), "-f", "json").output)
    [diagnosis] = report["diagnoses"]
    assert diagnosis["occurrences"] == 12 and len(diagnosis["evidence"]) == 3


def test_failed_update_and_disabled_logging_from_environment_json(run, tmp_path):
    environment = environment_document(status="AVAILABLE", update_status="FAILED", task_logs=False,
                                       error="requirements.txt could not be installed")
    result = run("--logs", write_export(tmp_path / "export", healthy_events(), environment))
    assert result.exit_code == 1
    assert "DOC201 environment failed" in result.output
    assert "after a failed update: INCORRECT_CONFIGURATION requirements.txt could not be installed" in result.output
    assert "warning: TaskLogs are disabled" in result.output


def test_missing_group_export_is_a_warning(run, tmp_path):
    groups = {name: events for name, events in healthy_events().items() if not name.endswith("-Task")}
    result = run("--logs", write_export(tmp_path / "export", groups, environment_document()))
    assert result.exit_code == 0
    assert f"warning: no export of airflow-{ENV}-Task" in result.output


def test_a_file_not_named_after_a_log_group_is_a_warning(run, tmp_path):
    folder = write_export(tmp_path / "export", healthy_events())
    (folder / "scheduler.json").write_text('{"events": [{"message": "ERROR: No matching distribution found for x"}]}')
    result = run("--logs", folder)
    assert result.exit_code == 0
    assert "warning: scheduler.json: not named after an MWAA log group" in result.output
    assert result.output.startswith(f"{ENV}: no failure found")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_no_secret_from_a_log_line_reaches_the_output(run, tmp_path, fmt):
    events = {f"airflow-{ENV}-Scheduler": [
        {"logStreamName": "requirements_install_ip-1", "timestamp": NOW_MS + n, "message": line}
        for n, line in enumerate(SECRET_LINES)]}
    result = run("--logs", write_export(tmp_path / "export", events), "-f", fmt)
    assert result.exit_code == 1, result.output
    assert "DOC004" in result.output and "DOC008" in result.output
    for secret in SECRETS:
        assert secret not in result.output


def test_markdown_report(run, tmp_path):
    groups = failing_events()
    traceback = ("Traceback (most recent call last):\n  File \"/usr/local/airflow/dags/x.py\", line 1\n"
                 "ModuleNotFoundError: No module named 'acme_utils'")
    groups[f"airflow-{ENV}-DAGProcessing"] = [{"logStreamName": "x.py.log", "timestamp": NOW_MS, "message": traceback}]
    result = run("--logs", write_export(tmp_path / "export", groups), "-f", "markdown")
    assert result.output.startswith(f"# migrator doctor: {ENV}\n")
    assert "## DOC004 no matching distribution (x1)" in result.output
    assert "| where | stream | time | line |" in result.output
    # A multi-line message stays one table row.
    assert ("| `Traceback (most recent call last): ⏎   File \"/usr/local/airflow/dags/x.py\", line 1 ⏎ "
            "ModuleNotFoundError: No module named 'acme_utils'` |") in result.output


@pytest.mark.parametrize(("files", "message"), [
    ({"airflow-x-Scheduler.json": "{not json"}, "airflow-x-Scheduler.json: not JSON"),
    ({"airflow-x-Scheduler.json": b"\xff\xfe{"}, "airflow-x-Scheduler.json: not UTF-8 text"),
    ({"airflow-x-Scheduler.json": '{"logGroups": []}'}, 'airflow-x-Scheduler.json: no "events" list'),
    ({"airflow-x-Scheduler.json": '{"events": [{"timestamp": 1}]}'}, 'event 0 has no "message" text'),
    ({"environment.json": '{"Environment": {}}', "airflow-x-Task.json": '{"events": []}'},
     "environment.json: not the output of `aws mwaa get-environment`"),
    ({"environment.json": "{}"}, "environment.json: not the output"),
    ({"notes.txt": "x"}, "no <log-group-name>.json file"),
])
def test_bad_export_is_exit_2_with_the_file_named(run, tmp_path, files, message):
    folder = tmp_path / "export"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run("--logs", folder)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    ((), "give an environment name or --logs DIR"),
    ((ENV, "--logs", "."), "give an environment name or --logs DIR"),
    ((ENV, "--since", "yesterday"), "--since 'yesterday': expected a number and m, h or d"),
])
def test_bad_usage_is_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


# --------------------------------------------------------------------------------------------
# Metrics


NAMESPACE = {metric: s.namespace for s in metric_signatures() for metric in (s.metric, s.running_metric) if metric}
# The identities of Airflow's metrics as the UG's monitoring-dashboard template queries them.
EXECUTOR = {"Function": "Executor", "Environment": ENV}
DAG_PROCESSING = {"Function": "DAG Processing", "Environment": ENV}


def series(metric, values, **dimensions):
    return MetricSeries(NAMESPACE[metric], metric, tuple(dimensions.items()),
                        tuple((NOW_MS + 300_000 * n, float(v)) for n, v in enumerate(values)))


SMALL = Environment(ENV, "AVAILABLE", environment_class="mw1.small", max_workers=2)


def test_memory_near_the_limit_names_the_container_and_peak():
    worker, scheduler = match_metrics([series("MemoryUtilization", [40, 97, 60], Cluster="BaseWorker"),
                                       series("MemoryUtilization", [50, 60], Cluster="WebServer"),
                                       series("MemoryUtilization", [93], Cluster="Scheduler")], SMALL)
    assert worker.id == scheduler.id == "DOC101"
    assert "BaseWorker containers reached 97%" in worker.cause
    assert "Scheduler containers reached 93%" in scheduler.cause
    assert "larger environment class than mw1.small" in worker.fix
    assert worker.evidence[0].stream == "MemoryUtilization Cluster=BaseWorker"
    assert worker.evidence[0].text == "Maximum 97.0% (threshold 90%, 1 of 3 periods at or above it)"


def test_one_cause_in_many_jobs_is_one_diagnosis(run, tmp_path):
    """What differs between events of one cause (the Celery job number) is not part of it."""
    events = {f"airflow-{ENV}-Worker": [
        {"logStreamName": "worker_ip-1", "timestamp": NOW_MS + job,
         "message": f"billiard.exceptions.WorkerLostError: Worker exited prematurely: signal 9 (SIGKILL) Job: {job}."}
        for job in range(5)]}
    report = json.loads(run("--logs", write_export(tmp_path / "e", events), "-f", "json").output)
    [diagnosis] = report["diagnoses"]
    assert diagnosis["occurrences"] == 5 and "(signal 9 (SIGKILL))" in diagnosis["cause"]


def test_queued_tasks_with_workers_at_the_maximum():
    tasks_per_worker = 5  # mw1.small's default (compat/data/environment_classes.json)
    full = 2 * tasks_per_worker
    [diagnosis] = match_metrics([series("QueuedTasks", [0, 14, 30]),
                                 series("RunningTasks", [3, full, full])], SMALL)
    assert diagnosis.id == "DOC103"
    assert "Up to 30 tasks waited in the queue while 10 ran" in diagnosis.cause
    assert "Raise MaxWorkers above 2" in diagnosis.fix


def test_queued_tasks_with_room_to_scale_or_unknown_capacity_is_not_a_diagnosis():
    queue = [series("QueuedTasks", [30, 30]), series("RunningTasks", [4, 6])]
    assert match_metrics(queue, SMALL) == []
    full = [series("QueuedTasks", [30]), series("RunningTasks", [100])]
    assert match_metrics(full, None) == []
    assert match_metrics(full, Environment(ENV, environment_class="mw1.unknown", max_workers=2)) == []


def test_metrics_below_the_thresholds_are_healthy():
    assert match_metrics([series("MemoryUtilization", [40, 89], Cluster="BaseWorker"),
                          series("CPUUtilization", [10, 20], Cluster="Scheduler"),
                          series("TotalParseTime", [12, 29.9], **DAG_PROCESSING)], SMALL) == []


def parse_time(values, **environment) -> list:
    """Diagnoses of a TotalParseTime series on an mw1.small environment."""
    return match_metrics([series("TotalParseTime", values, **DAG_PROCESSING)],
                         Environment(ENV, "AVAILABLE", environment_class="mw1.small", max_workers=2, **environment))


def test_parse_time_past_the_import_timeout_names_the_options_and_the_parse_time_work():
    """30 s is core.dagbag_import_timeout's default on 3.3.1; the suggested values leave half the
    slowest parse again, in round numbers, and keep the processor timeout 20 s above it."""
    [diagnosis] = parse_time([12, 41.3, 18], airflow_version="3.3.1")
    assert diagnosis.id == "DOC104"
    assert diagnosis.cause.startswith("Parsing all DAG files once took up to 41 s, at or past the 30 s that "
                                      "`core.dagbag_import_timeout` (Airflow's default) allows one file's import")
    assert "`migrator scan --select MWA006,MWA007`" in diagnosis.fix
    assert "`.airflowignore`" in diagnosis.fix and "larger environment class than mw1.small" in diagnosis.fix
    assert ("set `core.dagbag_import_timeout` to 70 and `dag_processor.dag_file_processor_timeout` to 90"
            in diagnosis.fix)
    [evidence] = diagnosis.evidence
    assert (evidence.where, evidence.stream) == ("AmazonMWAA", "TotalParseTime Function=DAG Processing")
    assert evidence.text == "Maximum 41.3 s (core.dagbag_import_timeout 30 s, 1 of 3 periods at or above it)"


def test_parse_time_threshold_follows_the_environment_configuration():
    """AirflowConfigurationOptions override the default, under any spelling of the option."""
    raised = {"core.dagbag_import_timeout": "60"}
    assert parse_time([41], airflow_version="3.3.1", configuration=raised) == []
    [diagnosis] = parse_time([75], airflow_version="3.3.1", configuration=raised)
    assert ("at or past the 60 s that `core.dagbag_import_timeout` (set in the environment's Airflow "
            "configuration options)") in diagnosis.cause
    assert "set `core.dagbag_import_timeout` to 120 and `dag_processor.dag_file_processor_timeout` to 140" in diagnosis.fix
    # Airflow 3 still reads the option under its Airflow 2 section; a value already high enough stays.
    [diagnosis] = parse_time([41], airflow_version="3.3.1", configuration={"core.dag_file_processor_timeout": "300"})
    assert "`dag_processor.dag_file_processor_timeout` to 300" in diagnosis.fix


def test_parse_time_on_airflow_2_uses_mwaa_s_default_and_spelling():
    [diagnosis] = parse_time([41], airflow_version="2.10.3")
    assert "(MWAA's default)" in diagnosis.cause
    assert "set `core.dagbag_import_timeout` to 70 and `core.dag_file_processor_timeout` to 90" in diagnosis.fix


def test_parse_time_with_a_value_that_is_not_a_number_is_judged_by_the_default():
    [diagnosis] = parse_time([41], airflow_version="3.3.1", configuration={"core.dagbag_import_timeout": "soon"})
    assert "30 s that `core.dagbag_import_timeout` (Airflow's default)" in diagnosis.cause


# --------------------------------------------------------------------------------------------
# Live: moto's CloudWatch Logs and CloudWatch; MWAA through botocore's Stubber because moto has
# no MWAA backend.


def stubbed_mwaa(document: dict):
    import boto3
    from botocore.stub import Stubber

    mwaa = boto3.client("mwaa", region_name="us-east-1")
    stubber = Stubber(mwaa)
    stubber.add_response("get_environment", document, {"Name": ENV})
    stubber.activate()
    return mwaa


def seed_logs(endpoint: str, groups: dict[str, list[dict]], now_ms: int) -> None:
    import boto3

    logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1")
    for group, events in groups.items():
        logs.create_log_group(logGroupName=group)
        for stream in sorted({event["logStreamName"] for event in events}):
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
                {"timestamp": now_ms - 60_000 + n, "message": event["message"]}
                for n, event in enumerate(events) if event["logStreamName"] == stream])


def seed_metrics(endpoint: str, data: list[tuple[str, dict, float]], now: datetime) -> None:
    import boto3

    cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1")
    for namespace in {NAMESPACE[metric] for metric, _, _ in data}:
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": metric, "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
             "Timestamp": now - timedelta(minutes=10), "Value": value}
            for metric, dimensions, value in data if NAMESPACE[metric] == namespace])


def clients_for(endpoint: str, environment: dict):
    import boto3

    mwaa = stubbed_mwaa(environment)
    made = {"mwaa": mwaa}

    def client(service: str):
        if service not in made:
            made[service] = boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")
        return made[service]

    return client


def test_live_environment_names_every_failure(moto_reset):
    now = datetime.now(UTC)
    now_ms = int(now.timestamp() * 1000)
    groups = healthy_events()
    for group, events in failing_events().items():
        groups[group] += events
    seed_logs(moto_reset, groups, now_ms)
    full = 2 * 5  # MaxWorkers x mw1.small's tasks per worker
    seed_metrics(moto_reset, [("MemoryUtilization", {"Cluster": "BaseWorker", "Environment": ENV}, 96.0),
                              ("CPUUtilization", {"Cluster": "Scheduler", "Environment": ENV}, 35.0),
                              ("QueuedTasks", EXECUTOR, 25.0),
                              ("RunningTasks", EXECUTOR, float(full)),
                              ("TotalParseTime", DAG_PROCESSING, 45.0)], now)
    report = diagnose_live(clients_for(moto_reset, environment_document()), ENV, timedelta(hours=6), end=now)
    assert sorted(d.id for d in report.diagnoses) == [s.id for s in log_signatures()] + ["DOC101", "DOC103", "DOC104"]
    assert report.events_read == sum(map(len, groups.values()))
    assert report.warnings == ()
    memory = next(d for d in report.diagnoses if d.id == "DOC101")
    assert "BaseWorker containers reached 96%" in memory.cause


def test_live_healthy_environment_has_no_diagnosis(moto_reset):
    now = datetime.now(UTC)
    seed_logs(moto_reset, healthy_events(), int(now.timestamp() * 1000))
    seed_metrics(moto_reset, [("MemoryUtilization", {"Cluster": "BaseWorker", "Environment": ENV}, 45.0),
                              ("QueuedTasks", EXECUTOR, 0.0),
                              ("RunningTasks", EXECUTOR, 3.0),
                              ("TotalParseTime", DAG_PROCESSING, 12.0)], now)
    report = diagnose_live(clients_for(moto_reset, environment_document()), ENV, timedelta(hours=6), end=now)
    assert report.healthy and report.warnings == ()
    assert report.events_read == sum(map(len, HEALTHY_LINES.values()))


def test_live_reads_only_since_and_warns_about_missing_groups(moto_reset):
    now = datetime.now(UTC)
    old = int((now - timedelta(hours=8)).timestamp() * 1000)
    groups = {f"airflow-{ENV}-Scheduler": [{"logStreamName": "requirements_install_ip-1",
                                            "message": "ERROR: No matching distribution found for x==1"}]}
    seed_logs(moto_reset, groups, old)
    report = diagnose_live(clients_for(moto_reset, environment_document()), ENV, timedelta(hours=6), end=now)
    assert report.healthy and report.events_read == 0
    assert f"log group airflow-{ENV}-Task does not exist: its log type was never enabled" in report.warnings


def test_live_command_line(run, moto_reset, monkeypatch):
    """The command's live path: its AWS clients are swapped for moto's and the stubbed MWAA."""
    import migrator.aws

    now = datetime.now(UTC)
    groups = healthy_events()
    groups[f"airflow-{ENV}-Scheduler"].append({"logStreamName": "requirements_install_ip-1",
                                               "message": "ERROR: No matching distribution found for x==1"})
    seed_logs(moto_reset, groups, int(now.timestamp() * 1000))
    clients = clients_for(moto_reset, environment_document())
    asked = []

    def fake_client(service, options):
        asked.append((service, options.region, options.profile))
        return clients(service)

    monkeypatch.setattr(migrator.aws, "client", fake_client)
    result = run(ENV, "--region", "eu-west-1", "--profile", "ops", "--since", "2h")
    assert result.exit_code == 1, result.output
    assert "DOC004 no matching distribution (x1)" in result.output
    assert {service for service, _, _ in asked} == {"mwaa", "logs", "cloudwatch"}
    assert {(region, profile) for _, region, profile in asked} == {("eu-west-1", "ops")}


@pytest.mark.parametrize(("parse_seconds", "diagnosed"), [(45.0, False), (75.0, True)])
def test_live_parse_time_against_the_environment_s_import_timeout(moto_reset, parse_seconds, diagnosed):
    """get_environment's AirflowConfigurationOptions raise the import timeout to 60 s: 45 s of
    parsing is then within it, 75 s is not."""
    now = datetime.now(UTC)
    seed_metrics(moto_reset, [("TotalParseTime", DAG_PROCESSING, parse_seconds)], now)
    environment = environment_document(options={"core.dagbag_import_timeout": "60"})
    report = diagnose_live(clients_for(moto_reset, environment), ENV, timedelta(hours=6), end=now)
    assert [d.id for d in report.diagnoses] == (["DOC104"] if diagnosed else [])
    if diagnosed:
        assert "the 60 s that `core.dagbag_import_timeout` (set in the environment's" in report.diagnoses[0].cause


def test_live_without_metric_access_still_reads_the_logs(moto_reset):
    from botocore.stub import Stubber

    now = datetime.now(UTC)
    groups = healthy_events()
    groups[f"airflow-{ENV}-Task"].append({"logStreamName": "dag_id=x", "message": "Task exited with return code -9"})
    seed_logs(moto_reset, groups, int(now.timestamp() * 1000))
    clients = clients_for(moto_reset, environment_document())
    cloudwatch = clients("cloudwatch")
    stubber = Stubber(cloudwatch)
    stubber.add_client_error("get_metric_data", "AccessDenied", "User is not authorized to perform cloudwatch:GetMetricData")
    stubber.activate()
    report = diagnose_live(clients, ENV, timedelta(hours=6), end=now)
    assert [d.id for d in report.diagnoses] == ["DOC012"]
    [warning] = report.warnings
    assert warning == ("metrics not read (cloudwatch get_metric_data: AccessDenied: User is not authorized "
                       "to perform cloudwatch:GetMetricData): resource, queue and parse-time diagnoses are missing")


def test_live_aws_error_is_one_line(moto_reset):
    from botocore.stub import Stubber

    from migrator.aws import AwsError

    mwaa = __import__("boto3").client("mwaa", region_name="us-east-1")
    stubber = Stubber(mwaa)
    stubber.add_client_error("get_environment", "ResourceNotFoundException", "Environment acme-prod not found")
    stubber.activate()
    with pytest.raises(AwsError, match="mwaa get_environment: ResourceNotFoundException: Environment acme-prod"):
        diagnose_live(lambda service: mwaa, ENV, timedelta(hours=1))


def test_every_metric_signature_is_queried(moto_reset):
    from migrator.doctor.read import metric_queries

    names = {q["MetricStat"]["Metric"]["MetricName"] for q in metric_queries(ENV)}
    assert names == {n for s in metric_signatures() for n in (s.metric, s.running_metric) if n}


def test_metrics_are_queried_by_the_identities_the_user_guide_gives():
    """Container metrics in AWS/MWAA per Cluster; Airflow's own in AmazonMWAA by Function."""
    from migrator.doctor.read import metric_queries

    identities = {(m["Namespace"], m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
                  for m in (q["MetricStat"]["Metric"] for q in metric_queries(ENV))}
    assert ("AWS/MWAA", "MemoryUtilization", (("Cluster", "BaseWorker"), ("Environment", ENV))) in identities
    assert ("AmazonMWAA", "QueuedTasks", tuple(EXECUTOR.items())) in identities
    assert ("AmazonMWAA", "RunningTasks", tuple(EXECUTOR.items())) in identities
    assert ("AmazonMWAA", "TotalParseTime", tuple(DAG_PROCESSING.items())) in identities


# --------------------------------------------------------------------------------------------
# --project: diagnoses linked to the project's scan findings


def finding(rule, path, line, message, severity=None):
    from migrator.findings import Finding, Location, Severity

    return Finding(rule, rule.lower(), severity or Severity.ERROR, path, Location(line), message)


def linked(message: str, group: str = "Scheduler", stream: str = "scheduler_ip-1"):
    from migrator.doctor.match import diagnose
    from migrator.doctor.model import LogEvent
    from migrator.doctor.project import link_findings

    report = diagnose(ENV, [LogEvent(f"airflow-{ENV}-{group}", stream, NOW_MS, message)], [], None)
    findings = [
        finding("API001", "dags/team/sales.py", 2, "airflow.operators.dummy_operator was removed"),
        finding("MWA006", "dags/other.py", 5, "Variable.get at parse time"),
        finding("REQ004", "requirements.txt", 3, "apache_airflow_providers_amazon==8.0.0 conflicts with MWAA"),
        finding("REQ008", "requirements.txt", 4, "requests is preinstalled"),
        finding("REQ009", "dags/team/sales.py", 1, "imports 'snowflake.connector', which no requirement installs"),
        finding("API003", "requirements.txt", 9, "apache-airflow-providers-amazon mentioned outside REQ"),
    ]
    [diagnosis] = link_findings(report, findings).diagnoses
    return [(link.path, link.line, link.rule) for link in diagnosis.project]


def test_project_links_a_dag_file_to_its_findings():
    assert linked("Failed to import: /usr/local/airflow/dags/team/sales.py", group="DAGProcessing") == [
        ("dags/team/sales.py", 1, "REQ009"), ("dags/team/sales.py", 2, "API001")]


def test_project_links_a_requirement_to_the_requirement_findings_that_name_it():
    line = "    The user requested (constraint) apache-airflow-providers-amazon==9.34.0"
    assert linked(line, stream="requirements_install_ip-1") == [("requirements.txt", 3, "REQ004")]


def test_project_links_a_missing_module_to_the_findings_that_name_it():
    assert linked("ModuleNotFoundError: No module named 'snowflake.connector'") == [
        ("dags/team/sales.py", 1, "REQ009")]


def test_project_links_nothing_to_a_denial():
    assert linked("User: x is not authorized to perform: glue:StartJobRun on resource: arn:aws:glue:::job/a") == []


def test_project_links_slow_parsing_to_the_parse_time_findings():
    from migrator.doctor.project import link_findings

    [diagnosis] = parse_time([41], airflow_version="3.3.1")
    findings = [finding("API001", "dags/sales.py", 2, "airflow.operators.dummy_operator was removed"),
                finding("MWA007", "dags/feeds.py", 4, "requests.get at parse time: an HTTP request"),
                finding("MWA006", "dags/sales.py", 9, "Variable.get at parse time")]
    report = Report(ENV, (diagnosis,), (), 0, ())
    [linked_diagnosis] = link_findings(report, findings).diagnoses
    assert [(link.path, link.rule) for link in linked_diagnosis.project] == [
        ("dags/feeds.py", "MWA007"), ("dags/sales.py", "MWA006")]


def test_project_option_links_slow_parsing_to_the_dag_file_that_reads_a_variable(run, moto_reset, monkeypatch,
                                                                                  make_project):
    """The live path end to end: a parse time past the import timeout, and the project's DAG file
    with a top-level Variable.get under the diagnosis."""
    import migrator.aws

    now = datetime.now(UTC)
    seed_metrics(moto_reset, [("TotalParseTime", DAG_PROCESSING, 45.0)], now)
    clients = clients_for(moto_reset, environment_document())
    monkeypatch.setattr(migrator.aws, "client", lambda service, options: clients(service))
    root = make_project({"dags/feeds.py": ("from airflow.models import Variable\n"
                                           "FEEDS = Variable.get('feeds')\n")})
    result = run(ENV, "--project", root, "-f", "json")
    assert result.exit_code == 1, result.output
    [diagnosis] = json.loads(result.output)["diagnoses"]
    assert diagnosis["id"] == "DOC104"
    assert [(link["path"], link["rule"]) for link in diagnosis["project"]] == [("dags/feeds.py", "MWA006")]


def test_project_option_scans_the_project(run, tmp_path, make_project):
    root = make_project({"dags/sales.py": "from airflow.operators.dummy_operator import DummyOperator\n",
                         "requirements.txt": "requests\n"})
    events = {f"airflow-{ENV}-DAGProcessing": [{"logStreamName": "sales.py.log", "timestamp": NOW_MS,
                                                "message": "Failed to import: /usr/local/airflow/dags/sales.py"}]}
    result = run("--logs", write_export(tmp_path / "export", events), "--project", root, "-f", "json")
    assert result.exit_code == 1, result.output
    [diagnosis] = json.loads(result.output)["diagnoses"]
    assert [(link["path"], link["rule"]) for link in diagnosis["project"]] == [("dags/sales.py", "API001")]
