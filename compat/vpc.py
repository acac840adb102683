"""The VPC endpoints a private MWAA environment needs (``data/vpc_endpoints.json``), for
``migrator infra --create-vpc``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ._data import load_json

ALWAYS = "always"
CONTAINER_TASKS = "container_tasks"  # needed when the environment runs ECS tasks


@dataclass(frozen=True)
class VpcEndpoint:
    suffix: str   # com.amazonaws.<region>.<suffix>
    type: str     # Gateway or Interface
    when: str     # ALWAYS, CONTAINER_TASKS, or the secrets backend class that needs it
    why: str


@cache
def vpc_endpoints() -> tuple[VpcEndpoint, ...]:
    return tuple(VpcEndpoint(row["suffix"], row["type"], row["when"], row["why"])
                 for row in load_json("vpc_endpoints.json")["endpoints"])
