"""
Finance GL export (written for Airflow 2.7+ and Airflow 3).

Every weekday morning, copy the previous day's general-ledger extract that
the ERP drops in S3 into the finance data-lake layout (one prefix per
posting date), and write a small manifest the finance BI tool polls.

This is the team's template for new DAGs: TaskFlow, explicit schedule and
catchup, a fixed start_date, no work at parse time, and imports that work on
both Airflow 2 and Airflow 3.
"""
import json

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

try:  # Airflow 3: standard provider
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:  # Airflow 2.x
    from airflow.operators.empty import EmptyOperator

from airflow.providers.amazon.aws.hooks.s3 import S3Hook

ERP_BUCKET = "acme-erp-exports"
FINANCE_BUCKET = "acme-finance-lake"


@dag(
    dag_id="finance_gl_export",
    schedule="30 6 * * 1-5",
    start_date=pendulum.datetime(2024, 1, 1, tz="America/New_York"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "finance-data", "retries": 2},
    tags=["finance", "gl"],
)
def finance_gl_export():
    start = EmptyOperator(task_id="start")

    @task
    def posting_date(data_interval_start=None):
        """The ERP posts in New York time; the interval start is in UTC."""
        return data_interval_start.in_timezone("America/New_York").to_date_string()

    @task
    def copy_gl_extract(day):
        hook = S3Hook(aws_conn_id="aws_default")
        target_key = f"general_ledger/posting_date={day}/gl.csv"
        hook.copy_object(
            source_bucket_key=f"gl/daily/gl_{day.replace('-', '')}.csv",
            dest_bucket_key=target_key,
            source_bucket_name=ERP_BUCKET,
            dest_bucket_name=FINANCE_BUCKET,
        )
        return target_key

    @task
    def write_manifest(day, copied_key):
        hook = S3Hook(aws_conn_id="aws_default")
        hook.load_string(
            json.dumps({"files": [copied_key], "posting_date": day}),
            key=f"general_ledger/posting_date={day}/_manifest.json",
            bucket_name=FINANCE_BUCKET,
            replace=True,
        )

    day = posting_date()
    start >> day
    write_manifest(day, copy_gl_extract(day))


finance_gl_export()
