"""Acme Retail Airflow extensions: operators, hooks, macros and the DQ view.

Registered with Airflow by ../acme_plugin.py. The plugins folder is on
sys.path, so this package is importable as ``acme`` from DAGs and tasks.
"""

__version__ = "3.4.1"
