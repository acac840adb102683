"""Connections, variables and pools: where the project defines them and where it uses them.

Definitions come from ``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` variables in every env source,
``airflow connections|variables|pools export`` files (JSON, YAML, env), ``pool_name,slots``
tables (``pools*.csv``), Astronomer's ``airflow_settings.yaml`` and ``airflow connections add``
/ ``variables set`` / ``pools set`` commands in scripts, Dockerfiles and compose commands. References are the literal ids the DAG
and plugin code passes (``*_conn_id=``, ``get_connection``, ``Variable.get``) and Jinja
templates (``{{ conn.x }}``, ``{{ var.value.x }}``, ``{{ var.json.x }}``).
"""

from __future__ import annotations

import ast
import csv
import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import yaml

from migrator import compat
from migrator.analysis.crashes import AnalysisCrash, contained
from migrator.analysis.envsources import (
    EnvFacts,
    ShellCommand,
    mapping_get,
    mapping_items,
    parse_env_file,
    parse_script,
)
from migrator.analysis.jinja import template_blocks
from migrator.analysis.source import Problem, read_text
from migrator.secrets import is_sensitive_name, userinfo_span
from migrator.workspace import NAMED_EXPORT

CONN_PREFIX = "AIRFLOW_CONN_"
VAR_PREFIX = "AIRFLOW_VAR_"
# airflow_settings.yaml (Astronomer CLI) spells the fields with a ``conn_`` prefix.
_SETTINGS_FIELDS = {"conn_type": "conn_type", "conn_host": "host", "conn_login": "login",
                    "conn_password": "password", "conn_schema": "schema", "conn_port": "port",
                    "conn_extra": "extra", "conn_description": "description"}
_JINJA_CONN = re.compile(r"\bconn\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_JINJA_VAR = re.compile(
    r"\bvar\s*\.\s*(?:value|json)\s*(?:\.\s*get\s*\(\s*['\"]([^'\"]+)['\"]|\.\s*([A-Za-z_]\w*)"
    r"|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_INTERNAL_SUFFIXES = (".local", ".internal", ".lan", ".corp", ".intranet", ".home", ".localdomain",
                      ".intra", ".private")
# A DNS name or IP address (compose service names allow "_"; IPv6 has ":").
_HOST_NAME = re.compile(r"^[a-z0-9_:]([a-z0-9_.:%-]*[a-z0-9_.])?$")  # anchored: a search stays linear
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CONTAINER_HOSTS = frozenset({"localhost", "host.docker.internal", "gateway.docker.internal",
                              "kubernetes.docker.internal", "docker"})


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


# -- connection values --------------------------------------------------------------------------


# Why a URI does not parse, said without quoting it: urllib's messages quote the text it
# took for the port, which is a piece of the password when the password holds a "/" or "#".
_INVALID_URI = "not a valid connection URI"
_MISPLACED_USERINFO = (f"{_INVALID_URI}: the login or password holds a '/', '?' or '#' that is not "
                       "percent-encoded, so Airflow reads part of it as the host, port or schema: encode them "
                       "as %2F, %3F, %23 (or, if the '@' belongs to the path or query, encode it as %40)")
_URI_ERRORS = (("port", f"{_INVALID_URI}: the port is not a number from 0 to 65535"),
               ("ipv6", f"{_INVALID_URI}: the host is not a valid IPv6 address"),
               ("nfkc", f"{_INVALID_URI}: the host has characters that change under Unicode normalisation"))


def parse_connection_uri(conn_id: str, uri: str, path: str, line: int, origin: str, **extra_fields: Any) -> ConnectionDef:
    """A connection from Airflow's URI form ``type://login:password@host:port/schema?extra``.

    A URI whose user-info runs past where Airflow's parser ends the authority (an unencoded
    "/", "?" or "#" in the password) is invalid: its fields would be pieces of the password.
    An invalid URI keeps the login and password it was meant to have (and nothing else), so
    the credential is still reported.
    """
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        parts, port = None, None
        problem = next((text for word, text in _URI_ERRORS if word in str(exc).lower()), _INVALID_URI)
    userinfo = userinfo_span(uri, eager=False)
    misplaced = userinfo is not None and userinfo[1] > _authority_end(uri, userinfo[0])
    if misplaced or parts is None:
        login, _, password = uri[userinfo[0]:userinfo[1]].partition(":") if userinfo else ("", "", "")
        return ConnectionDef(conn_id, path, line, origin, problem=_MISPLACED_USERINFO if misplaced else problem,
                             login=unquote(login) or None, password=unquote(password) or None,
                             source_format="uri", **extra_fields)
    if not parts.scheme:
        return ConnectionDef(conn_id, path, line, origin, problem="not a connection URI (no scheme)",
                             source_format="uri", **extra_fields)
    conn_type = parts.scheme.replace("-", "_")
    if conn_type == "postgresql":
        conn_type = "postgres"
    host = parts.hostname
    netloc_host = parts.netloc.rpartition("@")[2]
    if host is not None and netloc_host:
        host = unquote(netloc_host.rsplit(":", 1)[0] if port is not None else netloc_host)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    extra: Any = None
    if "__extra__" in query:
        try:
            extra = json.loads(query["__extra__"])
        except ValueError:
            extra = query["__extra__"]
    elif query:
        extra = query
    return ConnectionDef(
        conn_id, path, line, origin, conn_type=conn_type, host=host or None,
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        schema=unquote(parts.path[1:]) if parts.path and parts.path != "/" else None,
        port=port, extra=extra, source_format="uri", **extra_fields,
    )


def _authority_end(uri: str, start: int) -> int:
    """Where the authority that starts at ``start`` ends for a URL parser: the first "/", "?" or "#"."""
    ends = [index for index in (uri.find(char, start) for char in "/?#") if index >= 0]
    return min(ends, default=len(uri))


def connection_from_fields(conn_id: str, fields: dict[str, Any], path: str, line: int, origin: str,
                           source_format: str = "fields", **extra_fields: Any) -> ConnectionDef:
    if isinstance(fields.get("uri") or fields.get("conn_uri"), str):
        return parse_connection_uri(conn_id, fields.get("uri") or fields["conn_uri"], path, line, origin, **extra_fields)
    port = fields.get("port")
    try:
        port = int(port) if port not in (None, "") else None
    except (TypeError, ValueError):
        port = None
    extra = fields.get("extra")
    if isinstance(extra, str) and extra.strip().startswith("{"):
        try:
            extra = json.loads(extra)
        except ValueError:
            pass

    def text(name: str) -> str | None:
        value = fields.get(name)
        return None if value in (None, "") else str(value)

    return ConnectionDef(conn_id, path, line, origin, conn_type=text("conn_type"), host=text("host"),
                         login=text("login"), password=text("password"), schema=text("schema"),
                         port=port, extra=extra or None, description=text("description"),
                         source_format=source_format, **extra_fields)


def parse_connection_value(conn_id: str, value: str, path: str, line: int, origin: str,
                           **extra_fields: Any) -> ConnectionDef:
    """An ``AIRFLOW_CONN_*`` value: JSON (Airflow 2.3+) or URI."""
    stripped = value.strip()
    fallback = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?P<value>[^}]+)\}", stripped)
    if fallback:  # ``${AIRFLOW_CONN_X:-uri}``: the file defines the fallback
        return parse_connection_value(conn_id, fallback["value"], path, line, origin, **extra_fields)
    if re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(:?-[^}]*)?\}?", stripped):
        return ConnectionDef(conn_id, path, line, origin, value_known=False, **extra_fields)
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except ValueError as exc:
            return ConnectionDef(conn_id, path, line, origin, problem=f"invalid JSON ({exc.msg})",
                                 source_format="json", **extra_fields)
        if not isinstance(document, dict):
            return ConnectionDef(conn_id, path, line, origin, problem="JSON value is not an object",
                                 source_format="json", **extra_fields)
        return connection_from_fields(conn_id, document, path, line, origin, "json", **extra_fields)
    return parse_connection_uri(conn_id, stripped, path, line, origin, **extra_fields)


def connection_uri(conn: ConnectionDef) -> str:
    """Airflow's URI form of a connection (what ``Connection(uri=...)`` parses back)."""
    scheme = (conn.conn_type or "").replace("_", "-")
    authority = ""
    if conn.login or conn.password:
        authority = quote(conn.login or "", safe="")
        if conn.password:
            authority += ":" + quote(conn.password, safe="")
        authority += "@"
    host = quote(conn.host or "", safe="")
    port = f":{conn.port}" if conn.port else ""
    schema = "/" + quote(conn.schema, safe="") if conn.schema else ""
    uri = f"{scheme}://{authority}{host}{port}{schema}"
    extra = conn.extra_dict if conn.extra_dict else conn.extra
    if extra:
        if isinstance(extra, dict) and all(isinstance(v, str) for v in extra.values()):
            uri += "?" + urlencode(extra)
        else:
            uri += "?" + urlencode({"__extra__": json.dumps(extra) if not isinstance(extra, str) else extra})
    return uri


def connection_json(conn: ConnectionDef) -> str:
    """The JSON form Airflow's secrets backends accept (``Connection.from_json``)."""
    document: dict[str, Any] = {"conn_type": conn.conn_type}
    for name in ("host", "login", "password", "schema", "port"):
        value = getattr(conn, name)
        if value not in (None, ""):
            document[name] = value
    extra = conn.extra_dict or conn.extra
    if extra:
        document["extra"] = extra
    return json.dumps(document, sort_keys=True)


# -- host reachability ----------------------------------------------------------------------------


def host_reachability(host: str | None) -> str | None:
    """Why MWAA cannot reach ``host`` without network work, or None when it is a public name."""
    if not host:
        return None
    name = host.strip().strip("[]").lower()
    if not _HOST_NAME.fullmatch(name) or _GUID.fullmatch(name):
        return None  # not a host: a $VAR or {{ template }}, a tenant or account id some types keep here
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is not None:
        if address.is_loopback or address.is_unspecified:
            return "a loopback address: on MWAA it is the worker container itself"
        if address.is_link_local:
            return "a link-local address"
        if address.is_private:
            return "a private address: reachable only through VPC peering, a VPN or Direct Connect"
        return None
    if name in _CONTAINER_HOSTS or name.startswith("localhost"):
        return "a local Docker host name that does not exist on MWAA"
    if "." not in name:
        return "a single-label name (a docker-compose service or internal DNS name) that does not resolve in the MWAA VPC"
    if name.endswith(_INTERNAL_SUFFIXES):
        return "an internal DNS name: resolvable only with Route 53 Resolver rules to your network"
    return None


# -- reading definitions -------------------------------------------------------------------------


def _line_of(text: str, needle: str, default: int = 1) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else default


def _export_kind(path: str) -> tuple[str, bool]:
    """(connections | variables | pools | settings | unknown, whether the name alone says so).
    A file matched only by a word in its name (``dag-variables.json``) may be something else."""
    name = PurePosixPath(path).name.lower()
    if name.startswith("airflow_settings"):
        return "settings", True
    for kind in ("connections", "variables", "pools"):
        if name.startswith(kind):
            return kind, True
    match = NAMED_EXPORT.match(name)
    if match:
        word = match.group(1).lower()
        return next(kind for kind in ("connections", "variables", "pools") if kind.startswith(word[:3])), False
    return "unknown", True


def _yaml_lines(text: str) -> dict[str, int]:
    """Top-level mapping key -> line of a YAML document (empty when it is not a mapping)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in mapping_items(root)} if root is not None else {}


def _load_document(text: str, path: str) -> tuple[Any, dict[str, int], Problem | None]:
    suffix = PurePosixPath(path).suffix.lower()
    try:
        if suffix == ".json":
            document = json.loads(text) if text.strip() else {}
            lines = {}
            if isinstance(document, dict):
                lines = {str(k): _line_of(text, json.dumps(str(k))) for k in document}
            return document, lines, None
        document = yaml.safe_load(text)
        return document, _yaml_lines(text), None
    except json.JSONDecodeError as exc:
        return None, {}, Problem("syntax", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, {}, Problem("syntax", f"invalid YAML: {getattr(exc, 'problem', exc)}",
                                 (mark.line + 1) if mark else 1)
    except RecursionError:
        return None, {}, Problem("too-complex", "nested too deeply to read")


def _read_export(facts: ConnectionFacts, path: str, text: str) -> None:
    kind, named = _export_kind(path)
    if PurePosixPath(path).suffix.lower() == ".env":
        for variable in parse_env_file(text, path):
            if kind == "variables":
                facts.variables.append(VariableDef(variable.name, variable.value, path, variable.line, "export"))
            elif kind == "connections":
                facts.connections.append(parse_connection_value(variable.name, variable.value or "", path,
                                                                variable.line, "export"))
        return
    document, lines, problem = _load_document(text, path)
    if not named and not _export_shaped(kind, document):
        return  # a JSON file that only has the word in its name
    if problem:
        facts.problems.append((path, problem))
        return
    if kind == "settings":
        _read_settings(facts, path, text, document)
        return
    entries: list[tuple[str, Any, int]] = []
    if isinstance(document, dict):
        entries = [(str(k), v, lines.get(str(k), 1)) for k, v in document.items()]
    elif isinstance(document, list):
        key_field = {"connections": "conn_id", "variables": "key", "pools": "pool"}.get(kind, "conn_id")
        for item in document:
            if isinstance(item, dict) and (item.get(key_field) or item.get("name")):
                key = str(item.get(key_field) or item.get("name"))
                entries.append((key, item, _line_of(text, json.dumps(key) if path.endswith(".json") else key)))
    elif document is not None:
        facts.problems.append((path, Problem("syntax", f"expected a mapping or a list of {kind}")))
        return
    for key, value, line in entries:
        if kind == "connections":
            if isinstance(value, str):
                facts.connections.append(parse_connection_value(key, value, path, line, "export"))
            elif isinstance(value, dict):
                facts.connections.append(connection_from_fields(key, value, path, line, "export"))
        elif kind == "variables":
            if isinstance(value, dict) and set(value) <= {"key", "val", "value", "description", "is_encrypted"} \
                    and ("val" in value or "value" in value):
                value = value.get("val", value.get("value"))
            text_value = value if isinstance(value, str) else json.dumps(value)
            facts.variables.append(VariableDef(key, text_value, path, line, "export"))
        elif kind == "pools":
            slots = value.get("slots") if isinstance(value, dict) else value
            description = value.get("description", "") if isinstance(value, dict) else ""
            facts.pools.append(PoolDef(key, _int_or_none(slots), str(description or ""), path, line, "export"))


# Header names of a pool table's columns (the ``airflow_settings.yaml`` and export spellings).
_POOL_NAME_COLUMNS = ("pool_name", "pool", "name")
_POOL_SLOTS_COLUMNS = ("slots", "pool_slots", "pool_slot")
_POOL_DESCRIPTION_COLUMNS = ("description", "pool_description")


def _read_pool_table(facts: ConnectionFacts, path: str, text: str) -> None:
    """A ``pools*.csv`` table: a header naming a pool column and a slots column, one pool a row.
    A CSV without both columns is some other table and is left alone."""
    rows = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(rows, [])]
    name_column = next((header.index(c) for c in _POOL_NAME_COLUMNS if c in header), None)
    slots_column = next((header.index(c) for c in _POOL_SLOTS_COLUMNS if c in header), None)
    if name_column is None or slots_column is None:
        return
    description_column = next((header.index(c) for c in _POOL_DESCRIPTION_COLUMNS if c in header), None)
    for row in rows:
        cells = [cell.strip() for cell in row]
        if len(cells) <= max(name_column, slots_column) or not cells[name_column]:
            continue
        description = cells[description_column] if description_column is not None \
            and description_column < len(cells) else ""
        facts.pools.append(PoolDef(cells[name_column], _int_or_none(cells[slots_column]), description,
                                   path, rows.line_num, "export"))


def _export_shaped(kind: str, document: Any) -> bool:
    """Whether a document is what ``airflow <kind> export`` writes: a mapping of ids to values
    (connections: URIs or field mappings; pools: mappings with ``slots``)."""
    if not isinstance(document, dict) or not document:
        return False
    values = document.values()
    if kind == "connections":
        return all(isinstance(v, dict) or isinstance(v, str) and "://" in v for v in values)
    if kind == "pools":
        return all(isinstance(v, dict) and "slots" in v for v in values)
    return True


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _read_settings(facts: ConnectionFacts, path: str, text: str, document: Any) -> None:
    """Astronomer's ``airflow_settings.yaml``: ``airflow: {connections, variables, pools}``."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return
    airflow = mapping_get(root, "airflow") if root is not None else None
    if airflow is None:
        return
    data = document.get("airflow", {}) if isinstance(document, dict) else {}
    for section, rows in (("connections", data.get("connections")), ("variables", data.get("variables")),
                          ("pools", data.get("pools"))):
        node = mapping_get(airflow, section)
        if not isinstance(rows, list) or not isinstance(node, yaml.SequenceNode):
            continue
        for row, row_node in zip(rows, node.value, strict=False):
            if not isinstance(row, dict):
                continue
            line = row_node.start_mark.line + 1
            if section == "connections" and row.get("conn_id"):
                fields = {_SETTINGS_FIELDS.get(k, k): v for k, v in row.items()}
                facts.connections.append(connection_from_fields(str(row["conn_id"]), fields, path, line, "settings"))
            elif section == "variables" and row.get("variable_name"):
                value = row.get("variable_value")
                facts.variables.append(VariableDef(str(row["variable_name"]),
                                                   None if value is None else str(value), path, line, "settings"))
            elif section == "pools" and row.get("pool_name"):
                facts.pools.append(PoolDef(str(row["pool_name"]), _int_or_none(row.get("pool_slot")),
                                           str(row.get("pool_description") or ""), path, line, "settings"))


def _airflow_cli(argv: tuple[str, ...]) -> list[str] | None:
    """The arguments after ``airflow`` in a command, or None when it does not run airflow."""
    for index, word in enumerate(argv):
        if PurePosixPath(word).name == "airflow":
            return list(argv[index + 1:])
        if not (word in ("sudo", "exec", "gosu", "su-exec", "env") or "=" in word or word.startswith("-")
                or index and argv[index - 1] in ("gosu", "su-exec", "-u")):
            return None
    return None


def _options(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """``--conn-host x`` / ``--conn_host=x`` pairs (underscores as dashes) and positional words."""
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word.startswith("-"):
            name, eq, value = word.lstrip("-").partition("=")
            name = name.replace("_", "-")
            if not eq and index + 1 < len(args) and not args[index + 1].startswith("-"):
                value = args[index + 1]
                index += 1
            options[name] = value
        else:
            positional.append(word)
        index += 1
    return options, positional


def read_cli_command(facts: ConnectionFacts, command: ShellCommand) -> None:
    """``airflow connections add|-a``, ``variables set|-s``, ``pools set`` / ``pool -s``."""
    args = _airflow_cli(command.argv)
    if not args:
        return
    group, rest = args[0], args[1:]
    options, positional = _options(rest)
    verb = positional[0] if positional else ""
    path, line = command.path, command.line
    if group == "connections" and (verb in ("add", "create") or "a" in options or "add" in options):
        conn_id = options.get("conn-id") or (positional[1] if verb and len(positional) > 1 else None)
        if not conn_id:
            return
        if options.get("conn-uri"):
            facts.connections.append(parse_connection_uri(conn_id, options["conn-uri"], path, line, "cli"))
        elif options.get("conn-json"):
            facts.connections.append(parse_connection_value(conn_id, options["conn-json"], path, line, "cli"))
        else:
            fields = {name.removeprefix("conn-").replace("-", "_"): value for name, value in options.items()
                      if name.startswith("conn-")}
            if "type" in fields:  # --conn-type
                fields["conn_type"] = fields.pop("type")
            facts.connections.append(connection_from_fields(conn_id, fields, path, line, "cli"))
    elif group == "variables" and (verb == "set" or "s" in options or "set" in options):
        words = positional[1:] if verb == "set" else ([options.get("s") or options.get("set")] + positional)
        if len(words) >= 2 and words[0]:
            facts.variables.append(VariableDef(words[0], words[1], path, line, "cli"))
    elif group in ("pools", "pool") and (verb == "set" or "s" in options or "set" in options):
        words = positional[1:] if verb == "set" else ([options.get("s") or options.get("set")] + positional)
        if words and words[0]:
            slots = _int_or_none(words[1]) if len(words) > 1 else None
            facts.pools.append(PoolDef(words[0], slots, words[2] if len(words) > 2 else "", path, line, "cli"))


def read_definitions(workspace, env: EnvFacts) -> ConnectionFacts:
    """Every connection, variable and pool the project defines outside the metadata database."""
    facts = ConnectionFacts()
    for variable in env.variables:
        if variable.name.startswith(CONN_PREFIX) and len(variable.name) > len(CONN_PREFIX):
            conn_id = variable.name[len(CONN_PREFIX):].lower()
            if variable.value is None:
                facts.connections.append(ConnectionDef(conn_id, variable.path, variable.line, "env",
                                                       value_known=False, env_origin=variable.origin))
            else:
                facts.connections.append(parse_connection_value(conn_id, variable.value, variable.path,
                                                                variable.line, "env", env_origin=variable.origin))
        elif variable.name.startswith(VAR_PREFIX) and len(variable.name) > len(VAR_PREFIX):
            value = None if variable.value is None or variable.is_reference else variable.value
            facts.variables.append(VariableDef(variable.name[len(VAR_PREFIX):].lower(), value, variable.path,
                                               variable.line, "env", variable.origin))
    for files, what, reader in ((workspace.connection_exports, "connection export", _read_export),
                                (workspace.pool_tables, "pool table", _read_pool_table)):
        for rel in files:
            source = read_text(workspace.path(rel))
            if isinstance(source, Problem):
                facts.problems.append((rel, source))
                continue
            contained(facts.crashes, rel, what, reader, facts, rel, source.text)
    for command in env.commands:
        contained(facts.crashes, command.path, "connection command", read_cli_command, facts, command)
    facts.test_fixtures = _test_fixtures(workspace, facts)
    return facts


def _test_fixtures(workspace, facts: ConnectionFacts) -> set[str]:
    """The files defining connections, variables or pools that only CI or test runs read: a
    file in a CI service's folder or a CI test image's Dockerfile (``.travis/entrypoint.sh``,
    ``Dockerfile.travis``), and an export or script whose path test or CI configuration names
    and no file of a deployment (compose, Dockerfile, env file, entrypoint, startup script,
    airflow.cfg) does."""
    def texts(paths: Iterable[str]) -> list[str]:
        return [source.text for source in map(read_text, map(workspace.path, paths)) if not isinstance(source, Problem)]

    defining = {d.path for d in (*facts.connections, *facts.variables, *facts.pools)} | set(workspace.connection_exports)
    fixtures = {rel for rel in defining if compat.ci_only_path(rel)}
    ci_configs = [*workspace.test_run_configs, *filter(compat.ci_only_path, workspace.dockerfiles)]
    deployment_files = [rel for rel in (*workspace.compose_files, *workspace.dockerfiles, *workspace.env_files,
                                        *workspace.entrypoints, *workspace.startup_scripts, *workspace.airflow_cfgs)
                        if not compat.ci_only_path(rel)]
    # A compose file or Dockerfile CI starts is still the deployment's: only exports and scripts
    # become fixtures by being named.
    named = defining - fixtures - set(deployment_files)
    if not named or not ci_configs:
        return fixtures
    tests = texts(ci_configs)
    deployment = texts(deployment_files)
    return fixtures | {rel for rel in named
                       if any(rel in text for text in tests) and not any(rel in text for text in deployment)}


# -- references -----------------------------------------------------------------------------------


def jinja_references(module) -> set[tuple[str, str, int, str]]:
    """``{{ conn.x }}`` / ``{{ var.value.x }}`` in a module's string literals, with their lines."""
    found: set[tuple[str, str, int, str]] = set()
    if module.tree is None:
        return found
    for node, text in module.string_literals:
        if not (("{{" in text or "{%" in text) and ("conn" in text or "var" in text)):
            continue
        line, counted = node.lineno, 0
        for block in template_blocks(text):
            if block.kind == "comment":
                continue
            body = text[block.start:block.end]
            line += text.count("\n", counted, block.outer_start)  # from the previous block on: linear
            counted = block.outer_start
            for match in _JINJA_CONN.finditer(body):
                found.add(("connection", match.group(1) or match.group(2), line, "jinja"))
            for match in _JINJA_VAR.finditer(body):
                found.add(("variable", match.group(1) or match.group(2) or match.group(3), line, "jinja"))
    return found


def secret_name_variables(module, variable_reads: dict[int, str]) -> set[tuple[str, int]]:
    """Keys, with the fetching call's line, of the variables ``module`` passes to a call that
    fetches a secret by name (``compat.secret_fetching_calls``), directly or through a name
    assigned their value: ``name = Variable.get("k")`` then ``access_secret(name)``.
    ``variable_reads`` maps the id of each ``Variable.get`` call node to its key."""
    fetchers = compat.secret_fetching_calls()
    bound: dict[str, str] = {}  # name -> key of the variable read assigned to it
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Assign) and id(node.value) in variable_reads:
            bound.update((t.id, variable_reads[id(node.value)]) for t in node.targets if isinstance(t, ast.Name))
    keys: set[tuple[str, int]] = set()
    for call, _ in module.calls:
        called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
        if called not in fetchers:
            continue
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            if id(argument) in variable_reads:
                keys.add((variable_reads[id(argument)], call.lineno))
            elif isinstance(argument, ast.Name) and argument.id in bound:
                keys.add((bound[argument.id], call.lineno))
    return keys


def find_references(modules: Iterable) -> list[Reference]:
    """References of the project's Python files, as the scan's workers recorded them.

    An id that is a template (``postgres_conn_id="{{ var.value.db_conn }}"``) names no
    connection: Airflow renders it, and the Jinja pass records the variable it reads.
    """
    return [Reference(kind, key, module.path, line, via)
            for module in modules for kind, key, line, via in module.references
            if "{{" not in key and "{%" not in key]


def mentioned_keys(workspace, keys: Iterable[str], definitions: Iterable[str]) -> frozenset[str]:
    """The ``keys`` the project's code or templates name as a whole word: its Python files and
    the other files of its DAG and plugins folders (SQL, Jinja, scripts), leaving out the files
    that define them (``definitions``). What no such file names, nothing reads: ``Variable.get``,
    ``{{ var.value.x }}`` and a helper called with the key all name it; a README does not run.
    Compared ignoring case, lowercased: ``AIRFLOW_VAR_X`` defines the variable ``x``."""
    wanted = sorted({key.lower() for key in keys}, key=len, reverse=True)
    if not wanted:
        return frozenset()
    word = re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, wanted)) + r")(?![\w])", re.IGNORECASE)
    skipped = set(definitions)
    found: set[str] = set()
    for rel in sorted({*workspace.python_files, *workspace.other_python_files, *workspace.data_files} - skipped):
        if PurePosixPath(rel).suffix.lower() in _DOCUMENT_SUFFIXES:
            continue
        text = read_text(workspace.path(rel))
        if not isinstance(text, Problem):
            found.update(match.lower() for match in word.findall(text.text))
            if len(found) == len(wanted):
                break
    return frozenset(found)


# Documentation, which names a variable without reading it.
_DOCUMENT_SUFFIXES = frozenset({".md", ".rst", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg"})


def analyse_connections(workspace, env: EnvFacts, modules: Iterable) -> ConnectionFacts:
    facts = read_definitions(workspace, env)
    facts.references = find_references(modules)
    return facts


def quick_pool_definitions(workspace) -> tuple[PoolDef, ...]:
    """Pools defined in export files, pool tables and ``airflow pools set`` lines, the first
    definition of each name: a cheap pre-pass for the index every worker receives (no compose
    or Dockerfile reading)."""
    facts = ConnectionFacts()
    for rel in workspace.connection_exports:
        if _export_kind(rel)[0] not in ("pools", "settings"):
            continue
        source = read_text(workspace.path(rel))
        if not isinstance(source, Problem):
            contained(facts.crashes, rel, "connection export", _read_export, facts, rel, source.text)
    for rel in workspace.pool_tables:
        source = read_text(workspace.path(rel))
        if not isinstance(source, Problem):
            contained(facts.crashes, rel, "pool table", _read_pool_table, facts, rel, source.text)
    scripts = EnvFacts()
    for rel in [*workspace.entrypoints, *workspace.startup_scripts]:
        source = read_text(workspace.path(rel))
        if not isinstance(source, Problem) and "pool" in source.text:
            contained(facts.crashes, rel, "script", parse_script, scripts, source.text, rel)
    for command in scripts.commands:
        contained(facts.crashes, command.path, "connection command", read_cli_command, facts, command)
    # Failures here are reported once, by the full analyses (MIG006).
    first: dict[str, PoolDef] = {}
    for pool in sorted(facts.pools, key=lambda p: (p.path, p.line)):
        first.setdefault(pool.name, pool)
    return tuple(sorted(first.values(), key=lambda p: p.name))


def connections_inventory(facts: ConnectionFacts) -> dict:
    """Ids of what the project defines (never values)."""
    return {
        "connections": {"defined": sorted(facts.connection_ids)},
        "variables": {"defined": sorted(facts.variable_keys)},
        "pools": {"defined": sorted(facts.pool_names)},
    }


# Connection type -> the provider distribution that registers it. From each provider's
# ``get_provider_info()["connection-types"]``; this belongs in the knowledge base (compat/),
# which does not record connection types yet. Types Airflow core registers ("fs", "generic",
# "email") need no provider and are not listed.
CONNECTION_TYPE_PROVIDERS: dict[str, str] = {
    "aws": "amazon", "emr": "amazon", "redshift": "amazon", "s3": "amazon", "chime": "amazon",
    "google_cloud_platform": "google", "gcpssh": "google", "gcpcloudsql": "google",
    "gcpcloudsqldb": "google", "gcpbigquery": "google", "leveldb": "google", "dataprep": "google",
    "postgres": "postgres", "mysql": "mysql", "mssql": "microsoft-mssql", "oracle": "oracle",
    "sqlite": "sqlite", "snowflake": "snowflake", "databricks": "databricks", "ssh": "ssh",
    "sftp": "sftp", "ftp": "ftp", "ftps": "ftp", "http": "http", "imap": "imap", "smtp": "smtp",
    "slack": "slack", "slackwebhook": "slack", "docker": "docker", "kubernetes": "cncf-kubernetes",
    "wasb": "microsoft-azure", "azure": "microsoft-azure", "azure_data_factory": "microsoft-azure",
    "azure_data_lake": "microsoft-azure", "adls": "microsoft-azure", "azure_cosmos": "microsoft-azure",
    "azure_batch": "microsoft-azure", "azure_container_instance": "microsoft-azure",
    "azure_fileshare": "microsoft-azure", "azure_synapse": "microsoft-azure",
    "redis": "redis", "mongo": "mongo", "elasticsearch": "elasticsearch",
    "hive_cli": "apache-hive", "hiveserver2": "apache-hive", "hive_metastore": "apache-hive",
    "spark": "apache-spark", "spark_sql": "apache-spark", "spark_connect": "apache-spark",
    "webhdfs": "apache-hdfs", "jdbc": "jdbc", "odbc": "odbc", "samba": "samba", "trino": "trino",
    "presto": "presto", "vertica": "vertica", "cassandra": "apache-cassandra", "kafka": "apache-kafka",
    "druid": "apache-druid", "pinot_admin": "apache-pinot", "pinot_broker": "apache-pinot",
    "livy": "apache-livy", "pig_cli": "apache-pig", "jenkins": "jenkins", "opsgenie": "opsgenie",
    "pagerduty": "pagerduty", "pagerduty_events": "pagerduty", "dbt_cloud": "dbt-cloud",
    "airbyte": "airbyte", "tableau": "tableau", "salesforce": "salesforce", "zendesk": "zendesk",
    "github": "github", "grpc": "grpc", "neo4j": "neo4j", "exasol": "exasol", "teradata": "teradata",
    "datadog": "datadog", "discord": "discord", "telegram": "telegram", "asana": "asana",
    "segment": "segment", "dingding": "dingding", "influxdb": "influxdb", "yandexcloud": "yandex",
    "oss": "alibaba", "jira": "atlassian-jira", "cloudant": "cloudant", "openfaas": "openfaas",
    "arangodb": "arangodb",
}


def provider_for_connection_type(conn_type: str | None) -> str | None:
    """The ``apache-airflow-providers-*`` distribution that registers ``conn_type``."""
    if not conn_type:
        return None
    suffix = CONNECTION_TYPE_PROVIDERS.get(conn_type.lower().replace("-", "_"))
    return f"apache-airflow-providers-{suffix}" if suffix else None
