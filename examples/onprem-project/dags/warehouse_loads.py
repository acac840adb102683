"""
Warehouse loads: one DAG per POS/loyalty source table (Airflow 2 stack).

Each entry in LOADS becomes a DAG ``dwh_load_<table>``:

    mark increment on the MySQL replica  ->  copy rows to the DWH staging
    schema  ->  merge into the target table  ->  analyze

Add a table by adding an entry; the merge SQL is generic (sql/merge_increment.sql).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.mysql.operators.mysql import MySqlOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator

LOADS = [
    {"table": "dim_store", "source": "pos.stores", "key": "store_id", "schedule": "0 3 * * *"},
    {"table": "dim_product", "source": "pos.products", "key": "sku", "schedule": "15 3 * * *"},
    {
        "table": "fct_pos_orders",
        "source": "pos.orders",
        "key": "order_id",
        "schedule": "@hourly",
        "max_active_tasks": 2,
    },
    {
        "table": "fct_loyalty_events",
        "source": "loyalty.events",
        "key": "event_id",
        "schedule": timedelta(minutes=30),
        "max_active_tasks": 4,
    },
]

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}


def _copy_increment(source, table, data_interval_start, data_interval_end, **_):
    """Stream the marked increment from MySQL into dwh_staging.<table>."""
    from airflow.providers.mysql.hooks.mysql import MySqlHook
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    mysql = MySqlHook(mysql_conn_id="pos_mysql")
    dwh = PostgresHook(postgres_conn_id="acme_dwh_postgres")
    rows = mysql.get_records(
        f"SELECT * FROM {source} WHERE _etl_batch_ts >= %s AND _etl_batch_ts < %s",
        parameters=(data_interval_start, data_interval_end),
    )
    dwh.run(f"TRUNCATE dwh_staging.{table}")
    dwh.insert_rows(f"dwh_staging.{table}", rows, commit_every=5000)
    return len(rows)


def build_load_dag(cfg):
    table = cfg["table"]
    dag = DAG(
        dag_id=f"dwh_load_{table}",
        description=f"{cfg['source']} -> dwh.{table}",
        default_args=default_args,
        start_date=datetime(2023, 1, 1),
        schedule_interval=cfg["schedule"],
        catchup=False,
        max_active_runs=1,
        max_active_tasks=cfg.get("max_active_tasks", 8),
        params={"table": table, "source": cfg["source"], "key": cfg["key"]},
        tags=["dwh", "load", cfg["source"].split(".")[0]],
    )
    with dag:
        mark = MySqlOperator(
            task_id="mark_increment",
            mysql_conn_id="pos_mysql",
            sql="CALL etl.mark_increment('{{ params.source }}', "
            "'{{ data_interval_start }}', '{{ data_interval_end }}')",
            pool="mysql_pos_pool",
        )
        copy = PythonOperator(
            task_id="copy_increment",
            python_callable=_copy_increment,
            op_kwargs={"source": cfg["source"], "table": table},
            pool="mysql_pos_pool",
        )
        merge = PostgresOperator(
            task_id="merge_increment",
            postgres_conn_id="acme_dwh_postgres",
            sql="sql/merge_increment.sql",
            pool="warehouse_pool",
        )
        analyze = PostgresOperator(
            task_id="analyze_target",
            postgres_conn_id="acme_dwh_postgres",
            sql=f"ANALYZE dwh.{table}",
        )
        mark >> copy >> merge >> analyze
    return dag


for _cfg in LOADS:
    _dag = build_load_dag(_cfg)
    globals()[_dag.dag_id] = _dag
