"""Airflow and MWAA knowledge base; installed as ``migrator.compat``."""
