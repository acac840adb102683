"""MWAA runtime facts the code rules need that ``migrator.compat`` does not hold (yet).

They belong in compat's platform overlay next to ``platform_limits()``; they live here, with
their sources, and rule code reads them only through this module. Binaries, stdlib removals,
metadata-database names and the Docker/Kubernetes/SSH classes come from compat already.

Sources:
- The folders MWAA fills on a worker (DAGs, plugins, requirements under ``/usr/local/airflow``)
  and its ephemeral ``/tmp``: ``compat.worker_paths()``, with its sources; where other platforms
  mount the same files: ``compat.other_platform_folders()``.
- ``configuring-env-variables``: SMTP port 25 is blocked; use 587 (STARTTLS) or 465 (SSL).
- ``mwaa-faqs`` "create-sqs": one SQS queue per environment, custom queues are not allowed;
  ``using-startup-script``: ``AIRFLOW__OPERATORS__DEFAULT_QUEUE`` is reserved by MWAA.
- ``mwaa-eks-example``: kube config at ``/usr/local/airflow/dags/kube_config.yaml``.
- Amazon Linux 2023 (the image of github.com/aws/amazon-mwaa-docker-images): system paths that
  exist on every worker (``/usr/bin``, ``/etc/pki/tls/certs/ca-bundle.crt``, ...).
- RFC 6762 (``.local``), RFC 8375 (``.home.arpa``), AWS VPC DNS names (``*.compute.internal``).
- Python 3 "What's New in Python 3.0" (builtins removed from Python 2).
"""

from __future__ import annotations

import json

from migrator import compat

_WORKER = compat.worker_paths()
AIRFLOW_HOME = _WORKER.airflow_home
DAGS_FOLDER = _WORKER.dags
KUBE_CONFIG_PATH = f"{DAGS_FOLDER}/kube_config.yaml"

# Present (or writable) on every MWAA worker; anything else under "/" is not there, nor is
# anything under AIRFLOW_HOME but the folders MWAA fills.
ALLOWED_PATH_PREFIXES = (
    *_WORKER.from_mwaa, _WORKER.scratch, "/dev", "/proc/self", "/proc/cpuinfo", "/proc/meminfo",
    "/bin", "/usr/bin", "/usr/sbin", "/sbin", "/usr/lib", "/usr/lib64", "/lib", "/lib64",
    "/usr/share/zoneinfo", "/etc/hosts", "/etc/resolv.conf", "/etc/os-release", "/etc/passwd",
    # Amazon Linux's CA bundle (a custom CA file next to it is not there).
    "/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted", "/etc/ssl/certs/ca-bundle.crt",
)
# How messages name what a worker has for the project.
WORKER_FOLDERS = (f"the DAG and plugin folders under {AIRFLOW_HOME} (from S3) and an ephemeral "
                  f"{_WORKER.scratch}")
# Top-level folders where on-prem machines keep data, scripts and keys: an absolute path under
# one of these is a local file reference wherever it appears in code.
LOCAL_ROOTS = ("/data", "/home", "/opt", "/mnt", "/srv", "/nfs", "/export", "/share", "/shared",
               "/apps", "/app", "/var", "/etc", "/usr", "/root", "/scratch", "/local", "/u01", "/u02",
               "/media", "/net", "/Users")
# Where other platforms (docker-compose, Cloud Composer) mount the project, with MWAA's folder.
OTHER_PLATFORM_FOLDERS = compat.other_platform_folders()

# DNS suffixes that resolve only inside a private network.
INTERNAL_HOST_SUFFIXES = (".local", ".internal", ".corp", ".lan", ".intranet", ".localdomain",
                          ".home.arpa", ".intra", ".private")
# Names of an AWS VPC's own DNS: reachable from MWAA's subnets as they are.
AWS_INTERNAL_SUFFIXES = (".ec2.internal", ".compute.internal", ".vpce.amazonaws.com")

BLOCKED_SMTP_PORTS = frozenset({25})
SMTP_ADVICE = "use port 587 with STARTTLS (or 465 with SSL), e.g. the Amazon SES SMTP endpoint"

# What opens an SSH tunnel on the worker itself, whose local end is a loopback address that is
# right on MWAA: sshtunnel's forwarder (https://sshtunnel.readthedocs.io) and the SSH provider's
# SSHHook.get_tunnel, a method of a hook instance and so matched by its name.
SSH_TUNNEL_OPENERS = frozenset({"sshtunnel.SSHTunnelForwarder", "sshtunnel.open_tunnel"})
SSH_TUNNEL_METHODS = frozenset({"get_tunnel"})

# The Celery queue MWAA's workers consume, and the pool every environment has.
DEFAULT_QUEUES = frozenset({"default"})
DEFAULT_POOLS = frozenset({"default_pool"})


def create_pool_command(name: str, slots: int | None) -> str:
    """The command that creates a pool on MWAA. Its CLI endpoint has no ``pools`` commands (UG
    airflow-cli-command-reference); the REST API has ``POST /pools``, reached with AWS
    credentials through InvokeRestApi (UG access-mwaa-apache-airflow-rest-api)."""
    body = f'{{"name": {json.dumps(name)}, "slots": {slots if slots is not None else "<slots>"}}}'
    return f"aws mwaa invoke-rest-api --name <environment> --method POST --path /pools --body '{body}'"


# Task decorators that start containers or pods (compat's platform limits name the classes).
DECORATOR_LIMITS = {"@task.docker": "docker", "@task.kubernetes": "kubernetes"}

# Python 2 builtins that raise NameError on Python 3, with what replaces them.
PYTHON2_BUILTINS = {
    "unicode": "str", "basestring": "str", "long": "int", "xrange": "range",
    "raw_input": "input", "unichr": "chr", "execfile": "exec(open(path).read())",
    "reduce": "functools.reduce", "file": "open", "cmp": "(a > b) - (a < b)",
    "reload": "importlib.reload", "buffer": "memoryview", "apply": "f(*args, **kwargs)",
    "intern": "sys.intern", "coerce": "explicit conversion",
}

# Airflow 1.10 CLI commands and their Airflow 2 form (Airflow 2.0 upgrade guide, "Changes to the
# Airflow CLI"; the 1.10 forms were removed in 2.0).
AIRFLOW_1_CLI = {
    "trigger_dag": "dags trigger", "clear": "tasks clear", "run": "tasks run", "test": "tasks test",
    "backfill": "dags backfill", "list_dags": "dags list", "list_tasks": "tasks list",
    "pause": "dags pause", "unpause": "dags unpause", "task_state": "tasks state",
    "dag_state": "dags state", "next_execution": "dags next-execution", "delete_dag": "dags delete",
    "render": "tasks render", "list_dag_runs": "dags list-runs", "show_dag": "dags show",
    "task_failed_deps": "tasks failed-deps", "initdb": "db init", "resetdb": "db reset",
    "upgradedb": "db upgrade", "pool": "pools", "list_users": "users list",
    "create_user": "users create", "delete_user": "users delete",
}
