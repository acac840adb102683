"""Which kind of work an operator does, read from its class name.

The class name (the last part of the qualified name) is what stays stable across Airflow 1.10,
2.x and 3.x import paths and provider moves, so classification never depends on a module path.
"""

from __future__ import annotations

import re

from migrator.sizing.defaults import TaskKind

# Words of an operator's class name before its "Operator" suffix (a class name is one word: the
# words are searched for in the part before the suffix, which costs one pass; "Email\w*Operator$"
# would rescan the rest of the name from every "Email" in it).
_LIGHT = re.compile(
    r"TriggerDagRun|ExternalTaskMarker|Email|Slack|Http|SimpleHttp|Sns|Sqs|Chime|Teams|Discord|"
    r"PagerDuty|Opsgenie|Webhook|LatestOnly|ShortCircuit|Branch(Day|DateTime)|Lambda"
)
_GLUE = re.compile(r"Glue(Job|Crawler)")  # before an Operator or Sensor suffix
_EXTERNAL = re.compile(
    r"Emr|Batch|Ecs|Eks|Kubernetes|Pod|Databricks|Dataproc|Dataflow|Spark|SageMaker|Athena|"
    r"RedshiftData|StepFunction|DbtCloud|Dbt|Airbyte|Fivetran|BigQueryInsertJob|AppFlow|DataSync|"
    r"Dms|Ssh|SSH|Sftp|Docker|CloudRun|CloudBuild|Qubole|Sqoop|Hive|Pig"
)
# "S3ToRedshift": a capitalised word, "To", a capital; or a transfer.
_TRANSFER = re.compile(r"[A-Z][a-z0-9]*To[A-Z]|Transfer")
_SQL = re.compile(
    r"Sql|SQL|Postgres|MySql|Mysql|Mssql|Oracle|Snowflake|Sqlite|Jdbc|Odbc|Trino|Presto|Vertica|"
    r"Redshift|Exasol|Teradata|Druid|Pinot|BigQuery"
)
_PYTHON = re.compile(r"Python|Bash|Virtualenv|ExternalPython|Branch")


def classify(operator: str) -> TaskKind:
    """``operator`` is a qualified class name, or ``@task`` / ``@task.<kind>`` for TaskFlow."""
    if operator.startswith("@task"):
        flavour = operator.partition(".")[2]
        if flavour == "sensor":
            return TaskKind.SENSOR
        if flavour in ("docker", "kubernetes"):
            return TaskKind.EXTERNAL
        if flavour == "sql":
            return TaskKind.SQL
        return TaskKind.PYTHON
    name = operator.rsplit(".", 1)[-1]
    if name in ("EmptyOperator", "DummyOperator"):
        return TaskKind.EMPTY
    if name.endswith(("Operator", "Sensor")) and _GLUE.search(name.removesuffix("Operator").removesuffix("Sensor")):
        return TaskKind.GLUE
    if name.endswith(("Sensor", "SensorAsync")):
        return TaskKind.SENSOR
    stem = name.removesuffix("Operator")
    if stem == name:
        return TaskKind.OTHER
    for pattern, kind in ((_LIGHT, TaskKind.LIGHT), (_TRANSFER, TaskKind.TRANSFER),
                          (_EXTERNAL, TaskKind.EXTERNAL), (_SQL, TaskKind.SQL),
                          (_PYTHON, TaskKind.PYTHON)):
        if pattern.search(stem):
            return kind
    return TaskKind.OTHER


def is_async_class(operator: str) -> bool:
    """Classes of the astronomer-providers family (``S3KeySensorAsync``) always defer."""
    return operator.rsplit(".", 1)[-1].endswith("Async")
