"""Secrets Manager secrets for every connection and variable the project defines.

:func:`plan_export` turns the definitions found by the connections analysis into secrets in
the form the Amazon provider's ``SecretsManagerBackend`` reads: a connection is its Airflow
URI, or a JSON object when it has extras (the backend and Airflow's ``Connection.from_json``
accept both, Airflow 2.3+); a variable is its plain value. :func:`apply_export` creates or
updates them through boto3 and leaves secrets that already hold the same value alone.

Values are held in memory only: :class:`PlannedSecret` never prints them (``repr`` included),
and every report shows :meth:`PlannedSecret.masked` instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from migrator import compat
from migrator.analysis.connections import (
    ConnectionDef,
    ConnectionFacts,
    VariableDef,
    connection_json,
    connection_uri,
)
from migrator.aws import describe_error
from migrator.secrets import MASK, mask_mapping, mask_uri

DEFAULT_CONNECTIONS_PREFIX = "airflow/connections"
DEFAULT_VARIABLES_PREFIX = "airflow/variables"
# The Amazon provider's Secrets Manager backend class (UG connections-secrets-manager; the
# provider is preinstalled on every MWAA version). A candidate for the knowledge base.
SECRETS_MANAGER_BACKEND = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
# When a key is defined in several places, the most deliberate source wins.
_ORIGIN_PRIORITY = {"export": 0, "settings": 1, "cli": 2, "env": 3}


@dataclass(frozen=True)
class PlannedSecret:
    name: str
    kind: str  # connection | variable
    key: str  # conn_id or variable key
    value: str = field(repr=False)
    form: str  # uri | json | plaintext
    source: str  # path:line of the definition used
    also_defined: tuple[str, ...] = ()  # other definitions with a different value

    def masked(self) -> str:
        """The value as it may be shown, masked by its structure: the password and the secret
        fields of the extra; an extra that is not a JSON object cannot be read field by field,
        so it is masked whole."""
        if self.kind == "variable":
            return MASK
        if self.form == "json":
            document = json.loads(self.value)
            if "extra" in document and not isinstance(document["extra"], dict):
                document["extra"] = MASK
            return json.dumps(mask_mapping(document), sort_keys=True)
        return mask_uri(self.value)


@dataclass(frozen=True)
class Skipped:
    kind: str
    key: str
    source: str
    reason: str


@dataclass
class ExportPlan:
    secrets: list[PlannedSecret]
    skipped: list[Skipped]
    configuration_options: dict[str, str]


def backend_options(connections_prefix: str, variables_prefix: str, target=None) -> dict[str, str]:
    """The ``secrets.backend`` / ``secrets.backend_kwargs`` configuration options to set.

    MWAA's own default kwargs (a lookup pattern that keeps ``aws_default`` out of Secrets
    Manager) are kept: setting ``backend_kwargs`` replaces them.
    """
    kwargs: dict[str, str] = {}
    default = compat.config_policy(target).mwaa_default("secrets.backend_kwargs")
    if default is not None and default.value:
        try:
            kwargs.update(json.loads(default.value))
        except ValueError:
            pass
    kwargs.update({"connections_prefix": connections_prefix.rstrip("/"),
                   "variables_prefix": variables_prefix.rstrip("/")})
    return {"secrets.backend": SECRETS_MANAGER_BACKEND,
            "secrets.backend_kwargs": json.dumps(kwargs, separators=(",", ":"))}


def connection_secret_value(conn: ConnectionDef) -> tuple[str, str]:
    """(value, form) of a connection secret."""
    extra = conn.extra_dict or conn.extra
    if extra:
        return connection_json(conn), "json"
    return connection_uri(conn), "uri"


def _pick(definitions: list, value_of: Callable) -> tuple[object, tuple[str, ...]]:
    ordered = sorted(definitions, key=lambda d: (_ORIGIN_PRIORITY.get(d.origin, 9), d.path, d.line))
    chosen = ordered[0]
    chosen_value = value_of(chosen)
    others = tuple(f"{d.path}:{d.line}" for d in ordered[1:] if value_of(d) != chosen_value)
    return chosen, others


def plan_export(facts: ConnectionFacts, *, connections_prefix: str = DEFAULT_CONNECTIONS_PREFIX,
                variables_prefix: str = DEFAULT_VARIABLES_PREFIX, target=None) -> ExportPlan:
    secrets: list[PlannedSecret] = []
    skipped: list[Skipped] = []

    def usable_connection(conn: ConnectionDef) -> str | None:
        if not conn.value_known:
            return "its value is a reference to another variable, not in the project"
        if conn.problem:
            return conn.problem
        if not conn.conn_type:
            return "it has no conn_type"
        return None

    by_id: dict[str, list[ConnectionDef]] = {}
    for conn in facts.connections:
        reason = usable_connection(conn)
        if reason:
            skipped.append(Skipped("connection", conn.conn_id, f"{conn.path}:{conn.line}", reason))
        else:
            by_id.setdefault(conn.conn_id, []).append(conn)
    for conn_id, definitions in sorted(by_id.items()):
        chosen, others = _pick(definitions, lambda d: connection_secret_value(d)[0])
        name = f"{connections_prefix.rstrip('/')}/{conn_id}"
        if not _SECRET_NAME.match(name):
            skipped.append(Skipped("connection", conn_id, f"{chosen.path}:{chosen.line}",
                                   "the id has characters Secrets Manager names cannot hold"))
            continue
        value, form = connection_secret_value(chosen)
        if too_large := _too_large(value):
            skipped.append(Skipped("connection", conn_id, f"{chosen.path}:{chosen.line}", too_large))
            continue
        secrets.append(PlannedSecret(name, "connection", conn_id, value, form, f"{chosen.path}:{chosen.line}", others))

    by_key: dict[str, list[VariableDef]] = {}
    for variable in facts.variables:
        if variable.value is None:
            skipped.append(Skipped("variable", variable.key, f"{variable.path}:{variable.line}",
                                   "its value is not in the project"))
        else:
            by_key.setdefault(variable.key, []).append(variable)
    for key, definitions in sorted(by_key.items()):
        chosen, others = _pick(definitions, lambda d: d.value)
        name = f"{variables_prefix.rstrip('/')}/{key}"
        if not _SECRET_NAME.match(name):
            skipped.append(Skipped("variable", key, f"{chosen.path}:{chosen.line}",
                                   "the key has characters Secrets Manager names cannot hold"))
            continue
        if too_large := _too_large(chosen.value):
            skipped.append(Skipped("variable", key, f"{chosen.path}:{chosen.line}", too_large))
            continue
        secrets.append(PlannedSecret(name, "variable", key, chosen.value, "plaintext", f"{chosen.path}:{chosen.line}",
                                     others))
    return ExportPlan(secrets, skipped, backend_options(connections_prefix, variables_prefix, target))


def _too_large(value: str) -> str | None:
    """Why Secrets Manager would refuse ``value`` as a secret's SecretString, or None."""
    limit = compat.secret_value_limit()
    size = len(value.encode("utf-8", "surrogatepass"))
    if size <= limit.max_bytes:
        return None
    return (f"its value is {size:,} bytes; a Secrets Manager secret holds at most "
            f"{limit.max_text} ({limit.max_bytes:,} bytes): keep what makes it large (a "
            "certificate, a key file) in S3 or in a secret of its own")


@dataclass(frozen=True)
class Outcome:
    secret: PlannedSecret
    action: str  # created | updated | unchanged | failed
    error: str | None = None


def apply_export(plan: ExportPlan, client, on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Create or update every planned secret with a boto3 Secrets Manager ``client``."""
    outcomes = []
    for secret in plan.secrets:
        outcome = _apply_one(secret, client)
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes


def _apply_one(secret: PlannedSecret, client) -> Outcome:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        try:
            current = client.get_secret_value(SecretId=secret.name).get("SecretString")
        except client.exceptions.ResourceNotFoundException:
            client.create_secret(Name=secret.name, SecretString=secret.value,
                                 Description=f"Airflow {secret.kind} {secret.key} (mwaa-migrator)")
            return Outcome(secret, "created")
        if current == secret.value:
            return Outcome(secret, "unchanged")
        client.put_secret_value(SecretId=secret.name, SecretString=secret.value)
        return Outcome(secret, "updated")
    except ClientError as exc:  # this secret (access denied, scheduled for deletion, ...)
        return Outcome(secret, "failed", str(describe_error(exc, secret.name)))
    except BotoCoreError as exc:  # no credentials, endpoint unreachable: every call would fail
        raise describe_error(exc, "Secrets Manager") from None


def plan_document(plan: ExportPlan, outcomes: Iterable[Outcome] | None, applied: bool) -> dict:
    """The JSON form of a plan (and its outcomes): names and masked values only."""
    actions = {o.secret.name: o for o in outcomes or ()}
    return {
        "applied": applied,
        "secrets": [{
            "name": s.name, "kind": s.kind, "key": s.key, "form": s.form, "source": s.source,
            "value": s.masked(), "also_defined_differently": list(s.also_defined),
            "action": actions[s.name].action if s.name in actions else "create-or-update",
            **({"error": actions[s.name].error} if s.name in actions and actions[s.name].error else {}),
        } for s in plan.secrets],
        "skipped": [{"kind": s.kind, "key": s.key, "source": s.source, "reason": s.reason} for s in plan.skipped],
        "configuration_options": plan.configuration_options,
    }
