"""A megabyte of one hostile run in any kind of project file is read in linear time.

Each project holds one kind of file whose content is a megabyte-long run of what a naive
pattern rescans from every position (``{{`` with no ``}}``, spaces before no ``#``,
``a.a.a`` before no ``://``, ``--a--a``, quotes that never close), or a megabyte-long line
with tens of thousands of findings. A scan reads it in seconds; a quadratic step would take
hours (or, copying the line into each finding, all the memory). The bound is a failure guard with ample headroom (a scan of
such a project takes a few seconds), not a benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from conftest import write_files

MEGABYTE = 1024 * 1024
BOUND = 120  # seconds for one scan; linear work on these projects takes well under 20
FINDINGS = 20_000  # per kind of finding on the long lines below (a megabyte of text)
RUNS = ["{{", "{%", " ", "\t", "a.", "+a", "--a", '\\"', "'", "a://", "$a", "a=", "#", "@"]


def run(unit: str) -> str:
    return unit * (MEGABYTE // len(unit) // len(RUNS))


def hostile(quote: bool = True) -> str:
    """One megabyte made of every run in turn (a run is never closed by what follows it)."""
    text = "".join(run(unit) for unit in RUNS)
    return text.replace('"', "'") if not quote else text


DAG = "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n"
KINDS = {
    "python string literal": {"dags/big.py": DAG + f"X = {json.dumps(hostile())}\n"
                                                   f"t = BashOperator(task_id='t', bash_command={json.dumps(hostile())})\n"},
    "template beside the DAGs": {"dags/etl.py": DAG, "dags/sql/big.sql": hostile()},
    "shell script": {"dags/etl.py": DAG, "entrypoint.sh": "#!/bin/sh\nairflow connections add x " + hostile() + "\n",
                     "dags/scripts/big.sh": "#!/bin/sh\n" + hostile() + "\n"},
    ".env": {"dags/etl.py": DAG, ".env": "AIRFLOW_CONN_BIG=" + hostile() + "\nSECRET_KEY=" + hostile() + "\n"},
    "compose": {"dags/etl.py": DAG, "docker-compose.yaml": json.dumps({"services": {"w": {
        "image": "apache/airflow:2.7.3", "environment": {"AIRFLOW_CONN_BIG": hostile(), "OTHER": hostile()},
        "command": hostile()}}})},
    "airflow.cfg": {"dags/etl.py": DAG, "airflow.cfg": "[core]\nbig = " + hostile() + "\n" + hostile() + "\n"
                                                       "[" + hostile() + "\n"},
    "requirements": {"dags/etl.py": DAG, "requirements.txt": "pandas" + hostile() + "\n" + hostile() + "\n"},
    "connections export": {"dags/etl.py": DAG, "connections.json": json.dumps({"big": hostile(),
                                                                                "f": {"extra": hostile()}})},
    "credential-like settings": {"dags/etl.py": DAG, "dags/conf/big.yaml": json.dumps({"password": hostile()}),
                                 "dags/conf/big.properties": "db.password=" + hostile() + "\n"},
    ".airflowignore": {"dags/etl.py": DAG, "dags/.airflowignore": hostile() + "\n"},
    # Tens of thousands of findings on one line: each must not copy, rescan or hash the line.
    "findings on one long line": {
        "dags/etl.py": DAG + "t = BashOperator(task_id='t', bash_command=" + json.dumps("".join(
            f"db{i}.corp.local {{{{ execution_date }}}} /data/in/{i} " for i in range(FINDINGS))) + ")\n",
        "dags/sql/big.sql": "select {{ execution_date }} " * FINDINGS,
    },
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_megabyte_run_in_a_file_is_scanned_in_linear_time(kind, tmp_path):
    root = write_files(tmp_path / "project", KINDS[kind])
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "migrator", "scan", str(root), "--format", "json", "--no-cache",
                           "--target", "2.10.3"], capture_output=True, text=True, check=False, timeout=BOUND * 2)
    took = time.perf_counter() - started
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert took < BOUND, f"{kind}: {took:.0f}s"
