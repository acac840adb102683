"""Shared helpers for the Acme Retail DAGs.

This folder sits inside the DAG folder so that both Airflow stacks (the 1.10
VMs and the docker-compose Airflow 2 stack) put it on sys.path for free.
.airflowignore keeps the scheduler from parsing it as DAG files.
"""
