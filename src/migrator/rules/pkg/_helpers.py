"""What the PKG rules' examples share: the DAG file that makes a project a bundle can be built of."""

from __future__ import annotations


def dag_file(dag_id: str) -> str:
    return ("from datetime import datetime\n\nfrom airflow import DAG\n\n"
            f"with DAG({dag_id!r}, start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n")


DAG = dag_file("sales")
