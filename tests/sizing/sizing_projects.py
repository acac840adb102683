"""Builders of synthetic Airflow projects for the sizing tests (imported by them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from migrator.compat import environment_classes, get_version

from migrator.config import Settings
from migrator.sizing.report import size_project

CLASS_ORDER = [c.name for c in environment_classes()]

OPERATORS = {
    "python": ("from airflow.operators.python import PythonOperator",
               'PythonOperator(task_id="{id}", python_callable=print{extra})'),
    "sql": ("from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator",
            'SQLExecuteQueryOperator(task_id="{id}", sql="select 1"{extra})'),
    "external": ("from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator",
                 'EmrAddStepsOperator(task_id="{id}", job_flow_id="j-1"{extra})'),
    "sensor": ("from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor",
               'S3KeySensor(task_id="{id}", bucket_key="s3://b/k"{extra})'),
    "glue": ("from airflow.providers.amazon.aws.operators.glue import GlueJobOperator",
             'GlueJobOperator(task_id="{id}", job_name="job"{extra})'),
    "empty": ("from airflow.operators.empty import EmptyOperator", 'EmptyOperator(task_id="{id}"{extra})'),
}


@dataclass(frozen=True)
class DagSpec:
    """One DAG definition; ``copies`` > 1 builds that many DAGs in a loop over range(copies)."""

    schedule: str | None = "@daily"
    tasks: int = 3
    kind: str = "python"
    layout: str = "chain"  # chain | parallel
    copies: int = 1
    extra: str = ""  # more operator arguments, e.g. ', pool="etl"'
    dag_args: str = ""  # more DAG arguments, e.g. ", max_active_runs=1"


def dag_source(name: str, spec: DagSpec) -> str:
    imports = {"from airflow import DAG", OPERATORS[spec.kind][0]}
    schedule = "None" if spec.schedule is None else repr(spec.schedule)
    body = []
    for index in range(spec.tasks):
        call = OPERATORS[spec.kind][1].format(id=f"t{index}", extra=spec.extra)
        body.append(f"t{index} = {call}")
    if spec.layout == "chain" and spec.tasks > 1:
        body.append(" >> ".join(f"t{i}" for i in range(spec.tasks)))
    indent = "        " if spec.copies > 1 else "    "
    lines = sorted(imports)
    if spec.copies > 1:
        lines.append(f"for n in range({spec.copies}):")
        lines.append(f'    with DAG(f"{name}_{{n}}", schedule={schedule}, catchup=False{spec.dag_args}):')
    else:
        lines.append(f'with DAG("{name}", schedule={schedule}, catchup=False{spec.dag_args}):')
    lines += [indent + line for line in body]
    return "\n".join(lines) + "\n"


def project_files(specs: list[DagSpec], extra_files: dict[str, str] | None = None) -> dict[str, str]:
    files = {f"dags/dag_{i:04d}.py": dag_source(f"dag_{i:04d}", spec) for i, spec in enumerate(specs)}
    files.update(extra_files or {})
    return files


def size(root: Path, target: str | None = None, **options) -> dict:
    return size_project(root, Settings(), get_version(target), **options)


def class_index(document: dict) -> int:
    return CLASS_ORDER.index(document["recommendation"]["environment_class"])
