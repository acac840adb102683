"""
POS sales ingest (legacy, runs on the 1.10 VMs).

Every night the ~640 store POS controllers push their end-of-day batches to
the ETL gateway (etl-gw01), which writes them to the NFS landing share that is
mounted on every Airflow worker at /data/landing. This DAG:

  1. waits for the gateway's "batch complete" flag,
  2. seals the batch on the gateway (checksums, moves it out of the inbox),
  3. copies it into HDFS (Kerberos keytab on the workers),
  4. runs the Spark job that builds stg_pos_transactions,
  5. records row counts for the morning sales dashboard,
  6. archives the landing folder.

Runbook: https://wiki.corp.acme.local/display/DE/POS+ingest
"""
import csv
from datetime import timedelta

from airflow import DAG
from airflow.contrib.operators.ssh_operator import SSHOperator
from airflow.contrib.sensors.file_sensor import FileSensor
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import days_ago

from common.alerts import notify_failure, sla_miss_alert
from common.legacy_utils import env_flag

SPARK_JOBS_DIR = "/opt/etl/spark-jobs"

default_args = {
    "owner": "data-eng",
    "depends_on_past": False,
    "email": ["data-eng-alerts@acme-retail.example"],
    "email_on_failure": True,
    "email_on_retry": False,
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    # Finance reads the flash sales report at 07:00 ET.
    "sla": timedelta(hours=4),
    # Two runs must never write the same HDFS partition at once.
    "task_concurrency": 1,
    "on_failure_callback": notify_failure,
}

dag = DAG(
    dag_id="pos_sales_ingest",
    description="Nightly POS end-of-day batches -> HDFS -> stg_pos_transactions",
    default_args=default_args,
    start_date=days_ago(2),
    schedule_interval="30 1 * * *",
    concurrency=4,
    max_active_runs=1,
    catchup=False,
    sla_miss_callback=sla_miss_alert,
    tags=["pos", "sales", "hadoop", "legacy"],
)

# Stores in Hawaii and Alaska close last; the gateway usually raises the flag
# around 05:00 UTC but on Black Friday it has been as late as 10:40.
wait_for_batch = FileSensor(
    task_id="wait_for_batch_flag",
    fs_conn_id="fs_landing",
    filepath="/data/landing/pos/{{ ds_nodash }}/_BATCH_COMPLETE",
    poke_interval=300,
    timeout=60 * 60 * 11,
    dag=dag,
)

seal_batch = SSHOperator(
    task_id="seal_batch_on_gateway",
    ssh_conn_id="etl_gateway_ssh",
    remote_host="etl-gw01.corp.acme.local",
    command="sudo -u posbatch /opt/pos/bin/seal_batch.sh {{ ds_nodash }}",
    timeout=600,
    dag=dag,
)

load_to_hdfs = BashOperator(
    task_id="load_to_hdfs",
    bash_command=(
        "kinit -kt /home/airflow/keys/etl.keytab etl@CORP.ACME.LOCAL && "
        "hdfs dfs -mkdir -p hdfs:///warehouse/raw/pos/dt={{ ds }} && "
        "hdfs dfs -put -f /data/landing/pos/{{ ds_nodash }}/*.csv.gz "
        "hdfs:///warehouse/raw/pos/dt={{ ds }}/"
    ),
    dag=dag,
)

build_staging = BashOperator(
    task_id="build_stg_pos_transactions",
    bash_command=(
        "spark-submit --master yarn --deploy-mode cluster --queue etl "
        "--num-executors 24 --executor-memory 6g --executor-cores 3 "
        + SPARK_JOBS_DIR
        + "/pos_staging.py --run-date {{ ds }} --next-date {{ next_ds }}"
    ),
    queue="spark",
    pool="warehouse_pool",
    task_concurrency=1,
    sla=timedelta(hours=3),
    execution_timeout=timedelta(hours=2),
    dag=dag,
)


def record_batch_stats(**context):
    """Log per-store row counts from the gateway manifest into XCom."""
    execution_date = context["execution_date"]
    manifest = "/data/landing/pos/{}/manifest.csv".format(execution_date.strftime("%Y%m%d"))
    totals = {}
    with open(manifest) as fh:
        for row in csv.DictReader(fh):
            totals[row["store_id"]] = int(row["row_count"])
    missing = [store for store, rows in totals.items() if rows == 0]
    if missing and env_flag("POS_STRICT_MODE"):
        raise ValueError("Stores with empty batches: {}".format(", ".join(sorted(missing))))
    return {"stores": len(totals), "rows": sum(totals.values()), "empty_stores": missing}


record_stats = PythonOperator(
    task_id="record_batch_stats",
    python_callable=record_batch_stats,
    provide_context=True,
    dag=dag,
)

# The .sh suffix makes Airflow load dags/scripts/archive_landing.sh as a Jinja
# template and run its rendered body, so the script can use {{ ds_nodash }}.
archive_landing = BashOperator(
    task_id="archive_landing",
    bash_command="scripts/archive_landing.sh",
    dag=dag,
)

wait_for_batch >> seal_batch >> load_to_hdfs >> build_staging >> record_stats >> archive_landing
