"""
Store inventory snapshot (legacy, runs on the 1.10 VMs).

Takes the end-of-day on-hand quantities per store and SKU, one SubDAG per
region, then rebuilds the chain-wide view the replenishment team queries.

Why SubDAGs: each region is a separate schema on the DWH and the graph of
4 regions x 3 tasks was unreadable in the 1.10 UI. Slated to become
TaskGroups in the Airflow 2 cut-over (DATA-1190).
"""
from datetime import timedelta

from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.postgres_operator import PostgresOperator
from airflow.operators.subdag_operator import SubDagOperator
from airflow.utils.dates import days_ago

from common.alerts import notify_failure, sla_miss_alert
from common.subdags import region_snapshot_subdag

DAG_ID = "store_inventory_snapshot"
SCHEDULE = "@daily"
REGIONS = ["northeast", "southeast", "midwest", "west"]

default_args = {
    "owner": "data-eng",
    "start_date": days_ago(1),
    "retries": 1,
    "retry_delay": timedelta(minutes=15),
    "on_failure_callback": notify_failure,
    "postgres_conn_id": "acme_dwh_postgres",
}

with DAG(
    dag_id=DAG_ID,
    default_args=default_args,
    schedule_interval=SCHEDULE,
    catchup=False,
    max_active_runs=1,
    sla_miss_callback=sla_miss_alert,
    tags=["inventory", "replenishment", "legacy"],
) as dag:

    start = DummyOperator(task_id="start")

    region_snapshots = [
        SubDagOperator(
            task_id="snapshot_{}".format(region),
            subdag=region_snapshot_subdag(
                DAG_ID, "snapshot_{}".format(region), region, default_args, SCHEDULE
            ),
            # SubDAGs hog a worker slot while they wait; keep them in their own pool.
            pool="subdag_pool",
        )
        for region in REGIONS
    ]

    rebuild_chain_view = PostgresOperator(
        task_id="rebuild_chain_inventory",
        sql="sql/inventory_snapshot.sql",
        params={"region": "all"},
        sla=timedelta(hours=5),
    )

    refresh_replenishment = PostgresOperator(
        task_id="refresh_replenishment_mart",
        sql=[
            "REFRESH MATERIALIZED VIEW CONCURRENTLY replenishment.mv_store_sku_cover",
            "ANALYZE replenishment.mv_store_sku_cover",
        ],
        autocommit=True,
    )

    done = DummyOperator(task_id="done", trigger_rule="none_failed_or_skipped")

    start >> region_snapshots >> rebuild_chain_view >> refresh_replenishment >> done
