"""
Glue catalog refresh for the S3 data lake (Airflow 2 stack).

The lake side of the platform already runs on AWS: the e-commerce order
exports land in S3, a Glue job converts them to parquet and a crawler keeps
the Athena tables in the Glue catalog current. Airflow only orchestrates;
all compute is Glue's.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerOperator

REGION = "us-east-1"
GLUE_ROLE = "acme-glue-lake-etl"
SCRIPTS = "s3://acme-glue-scripts/jobs"

ORDER_EXPORTS = ["web_orders", "marketplace_orders", "click_and_collect"]

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
}

with DAG(
    dag_id="glue_catalog_refresh",
    default_args=default_args,
    start_date=datetime(2023, 9, 1),
    schedule="0 5 * * *",
    catchup=False,
    max_active_runs=1,
    tags=["lake", "glue", "aws"],
) as dag:

    convert_jobs = [
        GlueJobOperator(
            task_id=f"convert_{export}",
            job_name=f"convert-{export.replace('_', '-')}-to-parquet",
            script_location=f"{SCRIPTS}/convert_to_parquet.py",
            iam_role_name=GLUE_ROLE,
            region_name=REGION,
            script_args={
                "--source_prefix": f"s3://acme-ecom-exports/{export}/dt={{{{ ds }}}}/",
                "--target_prefix": f"s3://acme-lake-curated/{export}/dt={{{{ ds }}}}/",
            },
            create_job_kwargs={"GlueVersion": "4.0", "WorkerType": "G.1X", "NumberOfWorkers": 4},
            wait_for_completion=True,
        )
        for export in ORDER_EXPORTS
    ]

    crawl_curated = GlueCrawlerOperator(
        task_id="crawl_curated_orders",
        config={
            "Name": "acme-lake-curated-orders",
            "Role": GLUE_ROLE,
            "DatabaseName": "lake_curated",
            "Targets": {
                "S3Targets": [{"Path": f"s3://acme-lake-curated/{e}/"} for e in ORDER_EXPORTS]
            },
            "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
        },
        region_name=REGION,
        wait_for_completion=True,
    )

    convert_jobs >> crawl_curated
