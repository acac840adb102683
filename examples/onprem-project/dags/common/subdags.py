"""SubDAG factory for the per-region inventory snapshot.

Each region's stores report into their own schema on the DWH, so the snapshot
runs once per region. We used a SubDAG (2019) to keep the main graph readable.
"""
import os

from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.postgres_operator import PostgresOperator

from common.dq import RowCountCheckOperator

# SubDAGs are created from this file, so Airflow would look for templates in
# dags/common/. Point it at dags/sql/ explicitly.
SQL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sql")

# Minimum rows we expect per region per day; below that a store feed is missing.
MIN_ROWS_PER_REGION = {
    "northeast": 180000,
    "southeast": 150000,
    "midwest": 120000,
    "west": 200000,
}


def region_snapshot_subdag(parent_dag_id, child_id, region, default_args, schedule_interval):
    """Build ``<parent>.<child>``: snapshot one region, then check row counts."""
    subdag = DAG(
        dag_id="{}.{}".format(parent_dag_id, child_id),
        default_args=default_args,
        schedule_interval=schedule_interval,
        template_searchpath=[SQL_DIR],
        catchup=False,
    )

    start = DummyOperator(task_id="start", dag=subdag)

    snapshot = PostgresOperator(
        task_id="snapshot_on_hand",
        postgres_conn_id="acme_dwh_postgres",
        sql="inventory_snapshot.sql",
        params={"region": region},
        dag=subdag,
    )

    check = RowCountCheckOperator(
        task_id="check_row_count",
        conn_id="acme_dwh_postgres",
        table="inventory.snapshot_{}".format(region),
        partition_filter="snapshot_date = '{{ ds }}'",
        min_rows=MIN_ROWS_PER_REGION.get(region, 1),
        dag=subdag,
    )

    start >> snapshot >> check
    return subdag
