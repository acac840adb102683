"""Synthetic Airflow projects for the benchmark: N DAG-folder files, deterministic from a seed.

The mix follows what on-prem repos hold: Airflow 1.10-style DAGs (contrib imports, days_ago,
provide_context), 2.x DAGs (TaskFlow, providers), 3.x-ready DAGs (airflow.sdk) and helper
modules, 60-250 lines per file, plus plugins, requirements.txt and airflow.cfg.

    python bench/generate.py OUT_DIR --files 2000 --seed 7
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

MIX = (("legacy", 0.25), ("v2", 0.40), ("v3", 0.20), ("helper", 0.15))

LEGACY_HEADER = '''"""{title}: nightly load owned by the {team} team."""
from datetime import timedelta

from airflow import DAG
from airflow.contrib.operators.ssh_operator import SSHOperator
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator
from airflow.hooks.S3_hook import S3Hook
from airflow.models import Variable
from airflow.utils.dates import days_ago

default_args = {{
    "owner": "{team}",
    "retries": {retries},
    "retry_delay": timedelta(minutes=5),
    "task_concurrency": 2,
}}

BUCKET = Variable.get("{team}_bucket")

dag = DAG(
    "{dag_id}",
    default_args=default_args,
    schedule_interval="{cron}",
    start_date=days_ago(2),
    concurrency=8,
    catchup=False,
)

start = DummyOperator(task_id="start", dag=dag)
'''

LEGACY_TASK = '''

def _step_{i}(**context):
    """Step {i}: copy the partition for {{ds}} and log its size."""
    hook = S3Hook(aws_conn_id="aws_{team}")
    key = "landing/{dag_id}/%s/part-{i}.csv" % context["execution_date"].strftime("%Y%m%d")
    size = len(hook.read_key(key, bucket_name=BUCKET) or "")
    print("copied", key, size)
    return size


step_{i} = PythonOperator(
    task_id="step_{i}",
    python_callable=_step_{i},
    provide_context=True,
    dag=dag,
)
shell_{i} = BashOperator(
    task_id="shell_{i}",
    bash_command="echo {{{{ ds }}}} && /opt/etl/bin/load.sh {i} {{{{ execution_date }}}}",
    dag=dag,
)
start >> step_{i} >> shell_{i}
'''

V2_HEADER = '''"""{title}: hourly sync for the {team} team."""
from __future__ import annotations

import pendulum

from airflow.decorators import dag, task
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator


@dag(
    dag_id="{dag_id}",
    schedule="{cron}",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["{team}"],
)
def pipeline():
    begin = EmptyOperator(task_id="begin")
'''

V2_TASK = '''
    @task(retries={retries})
    def extract_{i}(ds=None):
        """Pull batch {i} for the day; small on purpose, the warehouse does the work."""
        hook = S3Hook(aws_conn_id="aws_{team}")
        keys = hook.list_keys(bucket_name="acme-{team}", prefix=f"raw/{{ds}}/{i}/") or []
        rows = [k for k in keys if k.endswith(".parquet")]
        return {{"batch": {i}, "files": len(rows)}}

    load_{i} = SQLExecuteQueryOperator(
        task_id="load_{i}",
        conn_id="warehouse",
        sql="INSERT INTO staging.batch_{i} SELECT * FROM raw.batch_{i} WHERE ds = '{{{{ ds }}}}'",
    )
    report_{i} = BashOperator(task_id="report_{i}", bash_command="echo batch {i} done")
    begin >> extract_{i}() >> load_{i} >> report_{i}
'''

V2_FOOTER = '''

pipeline()
'''

V3_HEADER = '''"""{title}: asset-driven job of the {team} team, written for Airflow 3."""
from __future__ import annotations

import pendulum

from airflow.sdk import DAG, Asset, task
from airflow.providers.standard.operators.bash import BashOperator

RAW = Asset("s3://acme-{team}/raw/{dag_id}")

with DAG(
    dag_id="{dag_id}",
    schedule=[RAW],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
'''

V3_TASK = '''
    @task
    def transform_{i}(logical_date=None):
        """Transform slice {i}; returns the row count for the next task."""
        total = sum(range({retries} * 10 + {i}))
        return {{"slice": {i}, "rows": total, "day": str(logical_date)}}

    publish_{i} = BashOperator(task_id="publish_{i}", bash_command="echo publish {i}")
    transform_{i}() >> publish_{i}
'''

HELPER = '''"""Shared helpers for the {team} pipelines (not a DAG file)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)
'''

HELPER_FUNC = '''

@dataclass
class Partition{i}:
    table: str
    day: str
    rows: int = 0

    def key(self) -> str:
        return f"{{self.table}}/{{self.day}}/part-{i}.json"


def summarise_{i}(records: list[dict]) -> str:
    """Summarise records of batch {i} as JSON for the audit log."""
    counts = {{}}
    for record in records:
        counts[record.get("kind", "unknown")] = counts.get(record.get("kind", "unknown"), 0) + 1
    log.info("batch {i}: %d kinds", len(counts))
    return json.dumps(counts, sort_keys=True)
'''

TEMPLATES = {
    "legacy": (LEGACY_HEADER, LEGACY_TASK, ""),
    "v2": (V2_HEADER, V2_TASK, V2_FOOTER),
    "v3": (V3_HEADER, V3_TASK, ""),
    "helper": (HELPER, HELPER_FUNC, ""),
}
TEAMS = ("finance", "growth", "supply", "marketing", "risk", "platform")
CRONS = ("0 2 * * *", "15 * * * *", "0 */4 * * *", "30 6 * * 1-5", "@daily", "@hourly")


def render_file(kind: str, n: int, rng: random.Random) -> str:
    header, task, footer = TEMPLATES[kind]
    fields = {"team": rng.choice(TEAMS), "dag_id": f"{kind}_pipeline_{n:05d}", "cron": rng.choice(CRONS),
              "retries": rng.randint(0, 3), "title": f"Pipeline {n}"}
    text = header.format(**fields)
    target_lines = rng.randint(60, 250)
    i = 0
    while text.count("\n") < target_lines - task.count("\n"):
        text += task.format(i=i, **fields)
        i += 1
    return text + footer


def generate(out: Path, files: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    dags = out / "dags"
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    for n in range(files):
        kind = rng.choices(kinds, weights)[0]
        folder = dags / ("common" if kind == "helper" else f"team_{n % 40:02d}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{kind}_{n:05d}.py").write_text(render_file(kind, n, rng))
    (dags / ".airflowignore").write_text("common/\n")
    plugins = out / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "acme_plugin.py").write_text(
        "from airflow.plugins_manager import AirflowPlugin\n\n\n"
        "class AcmePlugin(AirflowPlugin):\n    name = 'acme_plugin'\n    macros = []\n"
    )
    (out / "requirements.txt").write_text(
        "apache-airflow==1.10.15\nboto3==1.17.0\npandas==1.3.5\nSQLAlchemy==1.3.24\n"
        "apache-airflow-providers-ssh==2.1.0\n"
    )
    (out / "airflow.cfg").write_text(
        "[core]\ndags_folder = /opt/airflow/dags\nexecutor = LocalExecutor\nparallelism = 64\n"
        "[scheduler]\nmax_threads = 4\n"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.files, args.seed)


if __name__ == "__main__":
    main()
