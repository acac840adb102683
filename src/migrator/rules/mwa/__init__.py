"""MWA: what an on-prem Airflow has and an MWAA environment does not.

What an on-prem worker has and an MWAA worker does not (Docker, a cluster around it, local
programs, local files, the on-prem network, extra Celery queues, pools, SMTP port 25); work done
while MWAA parses a DAG file, which it does every 30 seconds per file; imports that resolve
on-prem through folders MWAA's ``sys.path`` does not hold (MWAA puts only the DAG folder and the
plugins folder on ``sys.path``; see ``migrator.analysis.layout``); cloud clients left to find
the platform's default credentials, which MWAA lacks; DAG files that import another DAG file or
define the same DAG id; modules named like a distribution MWAA installs; and files the bundle
does not put where the code looks for them.
"""
