"""
Airflow metadata housekeeping (Airflow 2 stack).

Every four hours:
  * fail task instances stuck in "running" for more than 6 hours (zombies the
    LocalExecutor did not notice after a worker VM reboot),
  * delete DAG runs older than 90 days so the UI stays fast,
  * push queue depth to the local statsd agent and the Prometheus pushgateway.
"""
import socket
from datetime import datetime, timedelta

import requests
from airflow import DAG
from airflow.models import DagRun, TaskInstance
from airflow.operators.python import PythonOperator
from airflow.settings import Session
from airflow.timetables.trigger import CronTriggerTimetable
from airflow.utils import timezone
from airflow.utils.session import create_session, provide_session
from airflow.utils.state import State

STUCK_AFTER = timedelta(hours=6)
KEEP_RUNS_FOR = timedelta(days=90)
STATSD_ADDR = ("127.0.0.1", 8125)
PUSHGATEWAY = "http://localhost:9091/metrics/job/airflow_housekeeping"


@provide_session
def fail_stuck_tasks(session=None, **_):
    cutoff = timezone.utcnow() - STUCK_AFTER
    stuck = (
        session.query(TaskInstance)
        .filter(TaskInstance.state == State.RUNNING, TaskInstance.start_date < cutoff)
        .all()
    )
    for ti in stuck:
        print(f"Failing stuck task {ti.dag_id}.{ti.task_id} started {ti.start_date}")
        ti.state = State.FAILED
    return len(stuck)


def purge_old_dag_runs(**_):
    cutoff = timezone.utcnow() - KEEP_RUNS_FOR
    with create_session() as session:
        deleted = (
            session.query(DagRun)
            .filter(DagRun.execution_date < cutoff, DagRun.state != State.RUNNING)
            .delete(synchronize_session=False)
        )
    return deleted


def report_queue_depth(**_):
    session = Session()
    try:
        queued = session.query(TaskInstance).filter(TaskInstance.state == State.QUEUED).count()
        running = session.query(TaskInstance).filter(TaskInstance.state == State.RUNNING).count()
    finally:
        session.close()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(f"airflow.acme.queued:{queued}|g".encode(), STATSD_ADDR)
    sock.sendto(f"airflow.acme.running:{running}|g".encode(), STATSD_ADDR)
    body = f"airflow_queued_tasks {queued}\nairflow_running_tasks {running}\n"
    requests.post(PUSHGATEWAY, data=body, timeout=5)


with DAG(
    dag_id="ops_metadata_housekeeping",
    start_date=datetime(2023, 1, 1),
    timetable=CronTriggerTimetable("15 */4 * * *", timezone="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "platform", "retries": 0},
    tags=["ops", "airflow"],
) as dag:
    fail_stuck = PythonOperator(task_id="fail_stuck_tasks", python_callable=fail_stuck_tasks)
    purge_runs = PythonOperator(task_id="purge_old_dag_runs", python_callable=purge_old_dag_runs)
    queue_depth = PythonOperator(task_id="report_queue_depth", python_callable=report_queue_depth)

    fail_stuck >> purge_runs >> queue_depth
