"""Benchmark: `migrator doctor` reading 100,000 log events from CloudWatch Logs (moto's HTTP server
on 127.0.0.1) and matching them, against the issue's bound of 10 seconds.

    .venv/bin/python bench/doctor_bench.py                 # 100,000 events, bound 10 s
    .venv/bin/python bench/doctor_bench.py --events 20000  # a quick look

Seeding moto is not timed. One event in a hundred is a failure line from the catalogue's
examples, the rest healthy scheduler and task lines; MWAA's get_environment goes through
botocore's Stubber (moto has no MWAA backend). Exit 1 when the read takes longer than --bound.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime, timedelta

BATCH = 10_000  # put_log_events' limit per call
HEALTHY = ("{scheduler_job_runner.py:417} INFO - 3 tasks up for execution: <TaskInstance: sales.load "
           "scheduled__2026-12-05T10:00:00+00:00 [scheduled]>")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--bound", type=float, default=10.0, help="seconds")
    args = parser.parse_args()

    import boto3
    from botocore.stub import Stubber
    from migrator.compat.failure_signatures import log_signatures
    from moto.server import ThreadedMotoServer

    from migrator.doctor.read import diagnose_live

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        environment = "bench"
        group = f"airflow-{environment}-Scheduler"
        logs = boto3.client("logs", endpoint_url=endpoint)
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="scheduler_ip-10-0-1-2")
        failures = [example for s in log_signatures() if not s.streams for example in s.matching_examples]
        now = datetime.now(UTC)
        first_ms = int((now - timedelta(hours=1)).timestamp() * 1000)
        seeded = time.perf_counter()
        for start in range(0, args.events, BATCH):
            logs.put_log_events(logGroupName=group, logStreamName="scheduler_ip-10-0-1-2", logEvents=[
                {"timestamp": first_ms + n, "message": failures[n // 100 % len(failures)] if n % 100 == 0 else HEALTHY}
                for n in range(start, min(start + BATCH, args.events))])
        print(f"seeded {args.events:,} events in {time.perf_counter() - seeded:.1f}s (not timed)")

        mwaa = boto3.client("mwaa")
        stubber = Stubber(mwaa)
        stubber.add_response("get_environment", {"Environment": {"Name": environment, "Status": "AVAILABLE"}},
                             {"Name": environment})
        stubber.activate()
        made = {"mwaa": mwaa}

        def client(service: str):
            if service not in made:
                made[service] = boto3.client(service, endpoint_url=endpoint)
            return made[service]

        started = time.perf_counter()
        report = diagnose_live(client, environment, timedelta(hours=6), end=now)
        took = time.perf_counter() - started
    finally:
        server.stop()
    print(f"read and matched {report.events_read:,} events in {took:.2f}s "
          f"({report.events_read / took:,.0f} events/s), {len(report.diagnoses)} diagnoses; bound {args.bound:g}s")
    ok = report.events_read == args.events and took <= args.bound
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
