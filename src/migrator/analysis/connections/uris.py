"""One connection as Airflow reads it: parsed from a URI, a JSON value or separate fields, written
back as either, whether its host is reachable from an MWAA VPC, and the provider of its type."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from migrator.analysis.connections.model import ConnectionDef
from migrator.secrets import userinfo_span

_INTERNAL_SUFFIXES = (".local", ".internal", ".lan", ".corp", ".intranet", ".home", ".localdomain",
                      ".intra", ".private")
# A DNS name or IP address (compose service names allow "_"; IPv6 has ":").
_HOST_NAME = re.compile(r"^[a-z0-9_:]([a-z0-9_.:%-]*[a-z0-9_.])?$")  # anchored: a search stays linear
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CONTAINER_HOSTS = frozenset({"localhost", "host.docker.internal", "gateway.docker.internal",
                              "kubernetes.docker.internal", "docker"})


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
