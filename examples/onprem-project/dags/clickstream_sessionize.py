"""
Clickstream sessionization (Airflow 2 stack, TaskFlow).

The web team's collector writes hourly batches of raw events to S3 and drops
a _SUCCESS marker when an hour is complete. We group events into sessions
(30 minutes of inactivity closes a session) and write one parquet partition
per hour. Downstream DAGs are scheduled on the CLICKSTREAM_SESSIONS dataset.
"""
from datetime import timedelta

import pendulum
from airflow.decorators import dag, task
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

from common.alerts import notify_failure
from common.datasets import CLICKSTREAM_SESSIONS

RAW_BUCKET = "acme-clickstream-raw"
CURATED_BUCKET = "acme-analytics-curated"
SESSION_GAP = timedelta(minutes=30)


@dag(
    dag_id="clickstream_sessionize",
    schedule_interval="@hourly",
    start_date=pendulum.datetime(2023, 6, 1, tz="UTC"),
    catchup=False,
    max_active_runs=3,
    default_args={"owner": "web-analytics", "retries": 2, "on_failure_callback": notify_failure},
    tags=["web", "clickstream"],
)
def clickstream_sessionize():
    # Deferrable: an hour can be late by 40+ minutes and we don't want to hold
    # a worker slot for it. Needs the triggerer.
    wait_for_hour = S3KeySensor(
        task_id="wait_for_hour",
        bucket_name=RAW_BUCKET,
        bucket_key="events/{{ data_interval_start.strftime('%Y/%m/%d/%H') }}/_SUCCESS",
        aws_conn_id="aws_default",
        deferrable=True,
        timeout=60 * 60 * 3,
    )

    @task
    def list_event_files(**context):
        prefix = "events/{}/".format(context["data_interval_start"].strftime("%Y/%m/%d/%H"))
        keys = S3Hook(aws_conn_id="aws_default").list_keys(bucket_name=RAW_BUCKET, prefix=prefix)
        return [k for k in keys or [] if k.endswith(".json.gz")]

    @task(outlets=[CLICKSTREAM_SESSIONS])
    def sessionize(keys, **context):
        import io

        import pandas as pd

        hook = S3Hook(aws_conn_id="aws_default")
        frames = [
            pd.read_json(
                io.BytesIO(hook.get_key(key, RAW_BUCKET).get()["Body"].read()),
                lines=True,
                compression="gzip",
            )
            for key in keys
        ]
        if not frames:
            return 0
        events = pd.concat(frames).sort_values(["visitor_id", "event_ts"])
        new_session = events.groupby("visitor_id")["event_ts"].diff() > SESSION_GAP
        events["session_seq"] = new_session.groupby(events["visitor_id"]).cumsum()
        # next_execution_date is the end of the hour we just processed.
        hour = context["next_execution_date"].strftime("%Y%m%d%H")
        out = f"/tmp/sessions_{hour}.parquet"
        events.to_parquet(out, index=False)
        hook.load_file(out, f"clickstream/sessions/hour={hour}/part-0.parquet", CURATED_BUCKET, replace=True)
        return int(events["session_seq"].nunique())

    keys = list_event_files()
    wait_for_hour >> keys
    sessionize(keys)


clickstream_sessionize()
