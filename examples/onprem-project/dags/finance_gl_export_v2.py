"""
Finance GL export, next version: tried side by side with finance_gl_export.py
before replacing it (copied from the template; the dag_id was not renamed yet).
"""
import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

DAG_PREFIX = "finance"


@dag(
    dag_id=f"{DAG_PREFIX}_gl_export",
    schedule="45 6 * * 1-5",
    start_date=pendulum.datetime(2024, 1, 1, tz="America/New_York"),
    catchup=False,
    tags=["finance", "gl"],
)
def finance_gl_export_v2():
    @task
    def posting_date(data_interval_start=None):
        return data_interval_start.in_timezone("America/New_York").to_date_string()

    posting_date()


finance_gl_export_v2()
