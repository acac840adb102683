"""What the connection analysis finds: connection, variable and pool definitions, the references
the code makes to them, and the facts that hold both."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from migrator.analysis.crashes import AnalysisCrash
from migrator.analysis.source import Problem
from migrator.secrets import is_sensitive_name

CONN_PREFIX = "AIRFLOW_CONN_"
VAR_PREFIX = "AIRFLOW_VAR_"


@dataclass(frozen=True)
class ConnectionDef:
    conn_id: str
    path: str
    line: int
    origin: str  # env | export | settings | cli
    conn_type: str | None = None
    host: str | None = None
    login: str | None = None
    password: str | None = None
    schema: str | None = None
    port: int | None = None
    extra: Any = None  # dict, or a string that is not JSON
    description: str | None = None
    source_format: str = "fields"  # uri | json | fields
    value_known: bool = True  # False when the value is only a ``${VAR}`` reference
    problem: str | None = None
    env_origin: str | None = None  # for origin "env": env-file | compose | dockerfile | script | startup

    @property
    def extra_dict(self) -> dict[str, Any]:
        if isinstance(self.extra, dict):
            return self.extra
        if isinstance(self.extra, str) and self.extra.strip():
            try:
                loaded = json.loads(self.extra)
            except ValueError:
                return {}
            return loaded if isinstance(loaded, dict) else {}
        return {}

    @property
    def has_secret(self) -> bool:
        """Whether the definition carries a credential in clear text."""
        if not self.value_known:
            return False
        if self.password and not str(self.password).startswith(("${", "{{")):
            return True
        return any(is_sensitive_name(k) and v not in (None, "", False) for k, v in _walk_items(self.extra_dict))


@dataclass(frozen=True)
class VariableDef:
    key: str
    value: str | None  # None when only a reference to another variable
    path: str
    line: int
    origin: str  # env | export | settings | cli
    env_origin: str | None = None


@dataclass(frozen=True)
class PoolDef:
    name: str
    slots: int | None
    description: str
    path: str
    line: int
    origin: str


# ``Variable.get("x", default_var=...)``: nothing fails when the variable is absent.
VARIABLE_READ_WITH_DEFAULT = "Variable.get with a default"
# The kind of a reference that records a variable whose value the code passes to a secret-fetching
# call (``access_secret(Variable.get("slack_secret"))``): the value names a secret, it is not one.
SECRET_NAME = "secret name"
# How a connection is read without its provider's hook: BaseHook.get_connection, {{ conn.x }}.
GENERIC_CONNECTION_READS = frozenset({"get_connection", "jinja"})


class Reference(NamedTuple):  # a tuple: a large project has hundreds of thousands
    kind: str  # connection | variable
    key: str
    path: str
    line: int
    via: str  # argument | get_connection | Variable.get | VARIABLE_READ_WITH_DEFAULT | jinja


@dataclass
class ConnectionFacts:
    connections: list[ConnectionDef] = field(default_factory=list)
    variables: list[VariableDef] = field(default_factory=list)
    pools: list[PoolDef] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    crashes: list[AnalysisCrash] = field(default_factory=list)
    # Files that only test or CI runs read (a local secrets backend's connections_file_path in
    # tox.ini or a workflow, a CI image's entrypoint): fixtures, not the definitions of a deployment.
    test_fixtures: set[str] = field(default_factory=set)

    def deployed(self, definitions: Iterable[Any]) -> Iterator[Any]:
        """The ``definitions`` a deployment makes: those of test fixtures left out."""
        return (d for d in definitions if d.path not in self.test_fixtures)

    @property
    def connection_ids(self) -> set[str]:
        return {c.conn_id for c in self.connections}

    @property
    def variable_keys(self) -> set[str]:
        return {v.key for v in self.variables}

    @property
    def pool_names(self) -> set[str]:
        return {p.name for p in self.pools}

    def defined_connection(self) -> Callable[[str], bool]:
        """Whether some source defines a connection id. Airflow looks an id up in the
        environment as ``AIRFLOW_CONN_`` + the id upper-cased, so those match in any case. A
        variable passed through from the shell (``AIRFLOW_CONN_X: ${AIRFLOW_CONN_X:-}``)
        defines nothing: its value is not in the project."""
        defined = [c for c in self.connections if c.value_known or c.origin != "env"]
        return _definition_test({c.conn_id for c in defined}, {c.conn_id for c in defined if c.origin == "env"})

    def defined_variable(self) -> Callable[[str], bool]:
        """Whether some source defines a variable key (``AIRFLOW_VAR_`` + the key upper-cased)."""
        return _definition_test(self.variable_keys, {v.key for v in self.variables if v.origin == "env"})


def _definition_test(exact: set[str], from_env: set[str]) -> Callable[[str], bool]:
    return lambda key: key in exact or key.lower() in from_env


def _walk_items(data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key), value
            yield from _walk_items(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk_items(item)


