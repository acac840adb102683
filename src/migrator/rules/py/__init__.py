"""PY: standard-library modules, functions and Python 2 builtins the target's Python lacks.

MWAA runs Python 3.11 (Airflow 2.7-2.10) or 3.12 (2.11 and 3.x); code from a 1.10 deployment
was often written for Python 2.7 or 3.6 and still imports what 3.10-3.12 removed.
"""
