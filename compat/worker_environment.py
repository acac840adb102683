"""What an MWAA worker's environment has or refuses beyond its folders (``worker_paths``), from
``data/worker_environment.json`` (hand-kept, a source per block): system paths, blocked mail
ports, the Celery queue and pool every environment has, private DNS names, SSH tunnels that
stay on the worker, the task decorators that start containers, and the Python 2 builtins and
Airflow 1.10 CLI commands that no longer exist there."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from ._data import load_json
from .platform import worker_paths


@dataclass(frozen=True)
class WorkerEnvironment:
    system_paths: tuple[str, ...]  # present on every worker (Amazon Linux 2023), besides worker_paths'
    kube_config_path: str  # where the EKS example's kube config sits on a worker
    blocked_smtp_ports: frozenset[int]
    smtp_advice: str
    default_queues: frozenset[str]  # the Celery queue MWAA's workers consume
    default_pools: frozenset[str]  # the pool every environment has
    create_pool_template: str  # the InvokeRestApi command, ``{body}`` for the pool's JSON
    internal_host_suffixes: tuple[str, ...]  # DNS suffixes that resolve only inside a private network
    aws_internal_suffixes: tuple[str, ...]  # an AWS VPC's own DNS: reachable from MWAA's subnets
    ssh_tunnel_openers: frozenset[str]  # dotted names of calls that open a tunnel on the worker
    ssh_tunnel_methods: frozenset[str]  # method names that do (of a hook instance)
    container_decorators: dict[str, str]  # task decorator -> the platform limit id it falls under
    python2_builtins: dict[str, str]  # removed builtin -> what replaces it
    airflow_1_cli: dict[str, str]  # Airflow 1.10 CLI command -> its Airflow 2 form


@lru_cache(maxsize=1)
def worker_environment() -> WorkerEnvironment:
    data = load_json("worker_environment.json")
    return WorkerEnvironment(
        system_paths=tuple(data["system_paths"]["paths"]),
        kube_config_path=f"{worker_paths().dags}/{data['kube_config']['file_in_dag_folder']}",
        blocked_smtp_ports=frozenset(data["smtp"]["blocked_ports"]),
        smtp_advice=data["smtp"]["advice"],
        default_queues=frozenset(data["celery"]["default_queues"]),
        default_pools=frozenset(data["pools"]["default_pools"]),
        create_pool_template=data["pools"]["create_command"],
        internal_host_suffixes=tuple(data["private_dns"]["internal_suffixes"]),
        aws_internal_suffixes=tuple(data["private_dns"]["aws_suffixes"]),
        ssh_tunnel_openers=frozenset(data["ssh_tunnels"]["openers"]),
        ssh_tunnel_methods=frozenset(data["ssh_tunnels"]["methods"]),
        container_decorators=dict(data["container_decorators"]["limits"]),
        python2_builtins=dict(data["python2_builtins"]["names"]),
        airflow_1_cli=dict(data["airflow_1_cli"]["commands"]),
    )


@lru_cache(maxsize=1)
def worker_path_prefixes() -> tuple[str, ...]:
    """Every path a worker has: the folders MWAA fills, its scratch folder and the system paths.
    Anything else under ``/`` is not there, nor anything under AIRFLOW_HOME but those folders."""
    paths = worker_paths()
    return (*paths.from_mwaa, paths.scratch, *worker_environment().system_paths)


def create_pool_command(name: str, slots: int | None) -> str:
    """The command that creates a pool on MWAA (its CLI endpoint has no ``pools`` commands; the
    REST API's ``POST /pools`` is reached through InvokeRestApi)."""
    body = f'{{"name": {json.dumps(name)}, "slots": {slots if slots is not None else "<slots>"}}}'
    return worker_environment().create_pool_template.format(body=body)


@lru_cache(maxsize=1)
def dag_capacity_share() -> float:
    """The share of an environment class's DAG capacity MWAA advises staying under: above it
    the scheduler overloads (``environment_classes.json``, with its source)."""
    return load_json("environment_classes.json")["dag_capacity_share"]["value"]
