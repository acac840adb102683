"""
Hive partition maintenance (Airflow 2 stack, workers on the Hadoop edge nodes).

Hourly housekeeping for the raw zone in HDFS:
  * refresh the external tables the POS/web loaders write into,
  * MSCK REPAIR the partitioned tables (beeline, Kerberos),
  * compact the small files the streaming loader leaves behind,
  * write an audit row to the ops database,
  * re-run the downstream DAGs when late partitions showed up.
"""
import os
import subprocess
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

HIVE_JDBC = (
    "jdbc:hive2://hive-srv01.corp.acme.local:10000/default;"
    "principal=hive/_HOST@CORP.ACME.LOCAL"
)
# "prod" on the edge nodes, "qa" on etl-qa01: set in their /etc/environment.
ETL_ENV = os.environ["ETL_ENV"]
PARTITIONED_TABLES = [
    "retail_raw.pos_transactions",
    "retail_raw.web_orders",
    "retail_raw.clickstream_events",
    "retail_raw.loyalty_events",
]

default_args = {
    "owner": "data-eng",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "queue": "hadoop",
}

with DAG(
    dag_id="hive_partition_maintenance",
    default_args=default_args,
    start_date=datetime(2022, 11, 1),
    schedule_interval="@hourly",
    catchup=False,
    max_active_runs=1,
    tags=["hadoop", "hive", "ops"],
) as dag:

    # Trailing space: stops Jinja from treating the .sh path as a template file.
    refresh_tables = BashOperator(
        task_id="refresh_external_tables",
        bash_command="/opt/etl/bin/refresh.sh --db retail_raw --since '{{ data_interval_start }}' ",
        env={"ETL_ENV": ETL_ENV},
    )

    def _repair_partitions(**_):
        subprocess.run(
            ["kinit", "-kt", "/home/airflow/keys/etl.keytab", "etl@CORP.ACME.LOCAL"], check=True
        )
        for table in PARTITIONED_TABLES:
            subprocess.run(
                ["beeline", "-u", HIVE_JDBC, "--silent=true", "-e", f"MSCK REPAIR TABLE {table}"],
                check=True,
                timeout=900,
            )

    repair_partitions = PythonOperator(
        task_id="repair_partitions",
        python_callable=_repair_partitions,
    )

    compact_small_files = BashOperator(
        task_id="compact_small_files",
        bash_command=(
            "java -Xmx4g -jar /opt/etl/lib/hdfs-compactor-1.4.2.jar "
            "--table retail_raw.clickstream_events --partition dt={{ ds }} --target-size 256m"
        ),
        queue="spark",
        pool="warehouse_pool",
    )

    # Host pinned to the primary: the ops_audit_db connection points at the
    # read-only VIP (OPS-77).
    write_audit = BashOperator(
        task_id="write_audit_row",
        bash_command=(
            "psql -h 10.20.30.40 -U {{ conn.ops_audit_db.login }} -d opsdb -v ON_ERROR_STOP=1 -c "
            "\"INSERT INTO audit.hive_maintenance (run_ts, dag_run_id) "
            "VALUES ('{{ ts }}', '{{ run_id }}')\""
        ),
        env={"PGPASSFILE": "/home/airflow/.pgpass"},
    )

    # TriggerDagRunOperator cannot clear tasks, and we need both, so shell out.
    # rerun_if_late.sh exits 99 (task skipped) when no late partitions arrived.
    rerun_downstream = BashOperator(
        task_id="rerun_downstream_for_late_partitions",
        bash_command=(
            "bash {{ dag.folder }}/scripts/rerun_if_late.sh {{ ds }} && "
            "airflow tasks clear --yes --only-failed --start-date {{ ds }} --end-date {{ ds }} "
            "daily_sales_rollup && "
            "airflow dags trigger --exec-date '{{ ts }}' clickstream_sessionize"
        ),
        trigger_rule="all_done",
    )

    refresh_tables >> repair_partitions >> compact_small_files >> write_audit >> rerun_downstream
