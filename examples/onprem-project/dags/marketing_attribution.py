"""
Marketing attribution (Airflow 2 stack).

Runs whenever a new hour of sessions has landed (CLICKSTREAM_SESSIONS) and the
marketing-ops cost export has arrived (CAMPAIGN_COSTS). Builds touchpoints,
applies the position-based attribution model and mails the channel summary.
"""
from datetime import datetime

from airflow import DAG
from airflow.operators.dummy import DummyOperator
from airflow.operators.email import EmailOperator
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator

# The VMs' systemd units put $AIRFLOW_HOME on PYTHONPATH: the DAG folder imports as
# `dags`, and the analytics team's package sits beside it.
from acme_etl.attribution import FIRST_TOUCH_WEIGHT, LAST_TOUCH_WEIGHT
from dags.common.datasets import CAMPAIGN_COSTS, CLICKSTREAM_SESSIONS

with DAG(
    dag_id="marketing_attribution",
    schedule=[CLICKSTREAM_SESSIONS, CAMPAIGN_COSTS],
    start_date=datetime(2023, 6, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "marketing-analytics", "retries": 1},
    tags=["marketing", "attribution"],
) as dag:

    start = DummyOperator(task_id="start")

    build_touchpoints = PostgresOperator(
        task_id="build_touchpoints",
        postgres_conn_id="acme_dwh_postgres",
        sql="sql/attribution_touchpoints.sql",
    )

    def _apply_model(**context):
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        middle = round(1 - FIRST_TOUCH_WEIGHT - LAST_TOUCH_WEIGHT, 4)
        hook = PostgresHook(postgres_conn_id="acme_dwh_postgres")
        hook.run(
            "CALL marketing.apply_position_model(%s, %s, %s, %s)",
            parameters=(context["ds"], FIRST_TOUCH_WEIGHT, LAST_TOUCH_WEIGHT, middle),
        )

    apply_model = PythonOperator(task_id="apply_position_model", python_callable=_apply_model)

    send_summary = EmailOperator(
        task_id="send_channel_summary",
        to=["marketing-leads@acme-retail.example"],
        subject="Attribution by channel, {{ ds }}",
        html_content=(
            "<p>Attribution for {{ yesterday_ds }} .. {{ ds }} is in "
            "<code>marketing.attribution_daily</code>. Dashboard: "
            "https://bi.corp.acme.local/dashboards/attribution</p>"
        ),
    )

    end = DummyOperator(task_id="end")

    start >> build_touchpoints >> apply_model >> send_summary >> end
