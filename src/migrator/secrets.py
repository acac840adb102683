"""Masking of credentials in any text the tool prints, logs or writes into a report.

Every message that may quote a project's configuration goes through :func:`mask` (or the
narrower helpers), so a password in a connection URI, a JSON ``extra``, an ``.env`` line or an
index URL never reaches stdout, a JSON/SARIF report or a log. Masking is deliberately eager:
a false positive costs a few asterisks, a false negative leaks a credential.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import SplitResult, urlsplit

MASK = "****"

# Field names whose values are credentials. Matching is on word parts of the name
# ("smtp_password", "AWS_SECRET_ACCESS_KEY", "apiKey"), so "key_path" or "s3_key" are not
# caught by "key" alone: only the compound forms below are. A service account is an identity
# (a Kubernetes or cloud account name), not a credential: only its key or key file is one.
_SENSITIVE_PARTS = frozenset({
    "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "apikey", "credential",
    "credentials", "authorization", "fernet", "sas", "privatekey", "keyfile", "keyfiledict",
    "cookie",
})
_SENSITIVE_COMPOUNDS = (
    "api_key", "access_key", "secret_key", "private_key", "account_key", "master_key",
    "client_key", "shared_key", "signing_key", "encryption_key", "session_key", "sas_token",
    "keyfile_dict", "service_account_json", "service_account_info", "connection_string", "conn_string",
    "fernet_key",
    "basic_auth",  # "user:password" pairs (Airflow's [celery] flower_basic_auth)
)
# Names whose parts contain a sensitive word but are not credentials themselves.
_NOT_SENSITIVE = frozenset({
    "password_file", "passwordfile", "auth_type", "auth_backend", "auth_backends", "auth_manager",
    "session_backend", "session_lifetime_minutes", "token_expiry", "auth_role_public",
    "secret_key_cmd", "sensitive_var_conn_names", "jwt_algorithm", "jwt_expiration_time",
    "token_key",  # Flask-AppBuilder's OAuth provider setting: the response field holding the token
})

# A last name part saying the value locates or describes a secret rather than being one.
_REFERENCE_SUFFIXES = frozenset({
    "file", "path", "dir", "cmd", "command", "name", "names", "id", "arn", "type", "backend",
    "backends", "prefix", "pattern", "expiry", "expiration", "length", "field", "fields", "class",
    "provider", "providers",  # Hadoop's fs.s3a.aws.credentials.provider: a class that fetches them
    "url", "uri",  # an OAuth access_token_url: the endpoint (a password in a URL is found as one)
})

# A URL's scheme: the look-behind and the length cap keep a search linear (a long word is not
# retried from each of its letters).
_SCHEME = re.compile(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,31}://")
_URL = re.compile(_SCHEME.pattern + r"[^\s'\"<>]+")
_PORT_AND_PATH = re.compile(r"\d{1,5}(/|$)")  # host:8080/repo.git@v1 is a port, not a password
# "https://user:{token}@host": a str.format field filled in later, not the password itself.
_FORMAT_FIELD = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
_PRIVATE_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL)
# key=value / key: value / "key": "value" pairs, in query strings, env files, YAML, JSON, CLI flags
# The look-behind and the length cap keep matching linear: without them every position inside
# a long word starts a new attempt that scans to its end (seconds on a 16 kB value). The spaces
# around the separator are possessive: each can be matched one way only, not in every split.
_PAIR = re.compile(
    r"(?P<key>[\"']?(?<![A-Za-z0-9_.\-])(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{0,127})[\"']?"
    r"(?P<sep>\s*+[:=]|\s++(?=[\"']))\s*+)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s&,;}\]\"']+)"
)
# An ini/YAML line "name = value with spaces": everything after the separator is the value
# (not "NAME=value cmd" shell lines, where the value ends at the first space).
_LINE_PAIR = re.compile(r"^(?P<key>[ \t]*(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{0,127})"
                        r"(?:[ \t]+[=:][ \t]*|[=:][ \t]+))"
                        r"(?P<value>[^\r\n]*\S)[ \t]*$", re.MULTILINE)
# IAM actions whose service prefix holds a sensitive word: "secretsmanager:GetSecretValue" in
# an AccessDenied message is the action the role lacks, written key:value with no space.
_IAM_SERVICE_PREFIXES = frozenset({"secretsmanager"})
# A value that is the start of a call in code: password=get_password("dw").
_CALL_OPENING = re.compile(r"\A[A-Za-z_][A-Za-z0-9_.]*\(\Z")
_IAM_ACTION = re.compile(r"[A-Z][A-Za-z]*\*?")
# HTTP authentication schemes (IANA's HTTP Authentication Scheme Registry, and the "Token" of
# Django REST framework and GitHub): the word before the credential, not the credential.
HTTP_AUTH_SCHEMES = frozenset({"basic", "bearer", "digest", "token", "negotiate", "hoba", "mutual", "oauth",
                               "scram-sha-1", "scram-sha-256", "vapid"})
# HTTP authorization values: the scheme word is not the secret, what follows it is. Only the
# schemes whose value is a bare token: after "OAuth" or "Negotiate" prose follows more often.
_AUTH_SCHEME = re.compile(r"(?i)\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=\-]{8,}")
# https://TOKEN@host: a user-info with no password is a token on http(s) (git over https).
_TOKEN_SCHEMES = ("http://", "https://")
_TOKEN_MIN_LENGTH = 6
# A flag starts a word (the look-behind): "--a--a--a..." is not retried from every "--".
_FLAG = re.compile(r"(?P<flag>(?<![A-Za-z0-9_\-])--[A-Za-z][A-Za-z0-9_\-]*)(?P<sep>[ =])(?P<value>\"[^\"]*\"|'[^']*'|\S+)")


# Sensitive words inside one part of a name written without separators (PGPASSWORD, DBPASS).
_EMBEDDED = re.compile(r"password|passwd|secret|token|apikey|(pass|pwd)$")
# The strict reading: only at the end of the part ("dbpassword", not "tokenizer" or "secretary").
_EMBEDDED_AT_END = re.compile(r"(password|passwd|secret|token|apikey|pass|pwd)$")
# Values that only stand in for a credential.
PLACEHOLDERS = frozenset({"", MASK, "***", "*****", "xxx", "xxxx", "<password>", "<secret>", "<token>", "none",
                          "null", "redacted"})
# On/off values: what a flag whose name has a credential word in it holds
# ("restAuthCredential.enabled_credential": "True"), never a credential.
_FLAG_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})
# Fixed values of headers named like credentials: Atlassian's XSRF-check opt-out for uploads
# ("X-Atlassian-Token: no-check", Jira and Confluence REST API docs).
_FIXED_HEADER_VALUES = frozenset({"no-check", "nocheck"})
# Words that say a value is made up to fill the field ("made-up-string", "dummysecret", "fake_token").
_PLACEHOLDER_WORDS = re.compile(r"made[-_ ]?up|dummy|placeholder|fake|change[-_ ]?me", re.IGNORECASE)


def is_placeholder(value: str) -> bool:
    """Whether a value only stands in for a credential: a stock placeholder, a made-up word, an
    HTTP authentication scheme alone (``api_key_prefix = {"authorization": "Bearer"}``), an
    on/off flag's value (``"True"``, ``"no"``) or a header's fixed value (``"no-check"``), in any
    case, quoted or not (``""``)."""
    # Quotes a compose list item or an env file keeps around an empty value (``SECRET=""``).
    value = value.strip().strip("\"'").strip().lower()
    return (value in PLACEHOLDERS or value in HTTP_AUTH_SCHEMES or value in _FLAG_VALUES
            or value in _FIXED_HEADER_VALUES or _PLACEHOLDER_WORDS.search(value) is not None)


def _name_parts(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]


@lru_cache(maxsize=4096)  # a scan asks about the same few names in every file
def is_sensitive_name(name: str, strict: bool = False) -> bool:
    """Whether a field, option, variable or flag named ``name`` holds a credential.

    ``strict`` finds a sensitive word written inside a longer word only at its end: what a
    false positive costs more than asterisks (a file left out of a bundle) asks for it.
    """
    parts = _name_parts(name)
    joined = "_".join(parts)
    if joined in _NOT_SENSITIVE or (parts and "_".join(parts[-2:]) in _NOT_SENSITIVE):
        return False
    if len(parts) > 1 and parts[-1] in _REFERENCE_SUFFIXES:
        return False  # "key_file", "secret_name", "token_cmd": where a secret is, not the secret
    embedded = _EMBEDDED_AT_END if strict else _EMBEDDED
    if any(part in _SENSITIVE_PARTS or embedded.search(part) for part in parts):
        return True
    return any(compound in joined for compound in _SENSITIVE_COMPOUNDS)


# ``$NAME``: a shell (or compose) expands it, so in a script's or an env file's value it is a reference.
_SHELL_REFERENCE = re.compile(r"\$[A-Za-z_]")


# The logins of local stand-in containers as the images' and Airflow's own compose examples
# write them (airflow:airflow, postgres:password): they protect nothing worth rotating.
STOCK_PASSWORDS = frozenset({"airflow", "password", "postgres", "changeme", "admin"})


def is_reference(value: str, shell: bool = False) -> bool:
    """Whether a value only refers to a credential kept elsewhere: ``${VAR}``, ``{{ var.value.x }}``,
    ``$(command)`` and, where a shell or compose expands the value, ``$VAR``."""
    value = value.strip()
    return value.startswith(("{{", "${", "$(")) or bool(shell and _SHELL_REFERENCE.match(value))


def is_literal_secret(value: str, shell: bool = False) -> bool:
    """Whether a credential-named field's value is the credential itself: not empty, not a
    placeholder, not a reference to it (:func:`is_reference`)."""
    value = value.strip()
    return len(value) >= 3 and not is_placeholder(value) and not is_reference(value, shell)


# An environment variable's name: upper-case words joined by underscores (``ETL_DB_PASSWORD``).
_ENV_VAR_NAME = re.compile(r"\A[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\Z")


# The name of a secret in a store: words joined by - _ / or . (``slack-token-elementary``,
# ``prod/crm/api``), no spaces nor other punctuation.
_SECRET_ID = re.compile(r"\A[A-Za-z][A-Za-z0-9]*(?:[-_/.][A-Za-z0-9]+)+\Z")


def is_secret_id(value: str) -> bool:
    """Whether ``value`` is shaped like the name of a secret in a store (``slack-token-elementary``)."""
    return _SECRET_ID.fullmatch(value.strip()) is not None


def names_a_credential(name: str, value: str) -> bool:
    """Whether ``value`` is the name of the credential ``name`` holds, not the credential: only
    words of ``name`` and a credential's name itself (``vertica_password = "password"``, the key
    of a mounted secret), or an environment variable's name sharing a word with ``name``
    (``es_password_env_var = "REINDEXER_ES_PASSWORD"``, the variable it is read from)."""
    words = set(_name_parts(value))
    if not words or not is_sensitive_name(value):
        return False
    name_words = set(_name_parts(name))
    return words <= name_words or bool(_ENV_VAR_NAME.fullmatch(value.strip()) and words & name_words)


def mask_value(value: Any) -> str:
    """A credential's printable stand-in; never any part of the value."""
    return MASK if value not in (None, "") else ""


def mask_uri(text: str) -> str:
    """Mask the user-info password (or token) and sensitive query parameters of every URL in
    ``text``. A text that is one URL value (it starts with a scheme, on one line) is masked as a
    whole, since a password may hold spaces."""
    stripped = text.strip()
    if "\n" not in stripped and _SCHEME.match(stripped):
        return _mask_url(text)
    return _URL.sub(lambda m: _mask_url(m.group(0)), text)


def userinfo_span(url: str, eager: bool = True) -> tuple[int, int] | None:
    """(start, end) of the user-info of the first URL in ``url`` ("@" excluded), or None.

    The user-info runs to the *last* "@", not to the first "/", "?" or "#" as RFC 3986 has
    it: a password may hold those characters unencoded, and a parser that splits it there
    puts its pieces into the host, the port or the path (and into error messages). Unless
    ``eager``, an "@" inside a query value (``?from=a@b.com``) does not end it.
    """
    scheme = _SCHEME.search(url)
    if scheme is None:
        return None
    start = scheme.end()
    end = url.rfind("@", start)
    if end >= 0 and not eager:
        query = url.find("?", start, end)
        if query >= 0 and "=" in url[query:end]:
            end = url.rfind("@", start, query)
    return (start, end) if end >= 0 else None


def _credential_span(url: str, masking: bool) -> tuple[int, int] | None:
    """(start, end) of the password in a URL's user-info (what follows its first ":"); when
    ``masking``, also of an http(s) user name that is a token. None without a credential (or
    with only a reference to one). Masking is eager (see :func:`userinfo_span`); detection
    reads a "user-info" holding a "/" as the host, port and path it more likely is
    (``jdbc:hive2://host:10000/db;principal=hive/_HOST@REALM``)."""
    span = userinfo_span(url, eager=masking)
    if span is None or (not masking and "/" in url[span[0]:span[1]]):
        return None
    start, end = span
    colon = url.find(":", start, end)
    if colon >= 0:
        password = url[colon + 1:end]
        if not password or password == MASK or password.startswith(("${", "{{")) \
                or _PORT_AND_PATH.match(password) or (not masking and _FORMAT_FIELD.fullmatch(password)):
            return None
        return colon + 1, end
    user = url[start:url.find("@", start)]
    if masking and url[:start].lower().endswith(_TOKEN_SCHEMES) and len(user) >= _TOKEN_MIN_LENGTH \
            and "/" not in user and not user.startswith(("${", "{{")) and user != MASK:
        return start, start + len(user)
    return None


def _mask_url(url: str) -> str:
    span = _credential_span(url, masking=True)
    text = f"{url[:span[0]]}{MASK}{url[span[1]:]}" if span else url
    if "?" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if parts.query:
        query = _PAIR.sub(_mask_pair, parts.query)
        text = SplitResult(parts.scheme, parts.netloc, parts.path, query, parts.fragment).geturl()
    return text


def mask_mapping(data: Any) -> Any:
    """A copy of a JSON-like structure with the values of sensitive keys masked, recursively.

    String values that hold URIs or JSON documents are masked too (a connection ``extra`` is
    often a JSON string inside JSON).
    """
    if isinstance(data, Mapping):
        return {key: (mask_value(value) if isinstance(key, str) and is_sensitive_name(key)
                      and not isinstance(value, (Mapping, list)) else mask_mapping(value))
                for key, value in data.items()}
    if isinstance(data, list):
        return [mask_mapping(item) for item in data]
    if isinstance(data, str):
        return mask(data)
    return data


def _mask_pair(match: re.Match) -> str:
    if not is_sensitive_name(match["name"]):
        value = match["value"]
        if len(value) > 2 and value[0] == value[-1] and value[0] in "\"'":
            # A quoted value can hold pairs of its own: bash_command="PGPASSWORD=... pg_dump".
            return f"{match['key']}{value[0]}{mask(value[1:-1])}{value[0]}"
        return match.group(0)
    value = match["value"]
    bare = value.strip("\"'")
    if bare.startswith(("${", "{{", "$(")) or not bare or bare == MASK:
        return match.group(0)  # a reference to a secret (or nothing), not the secret
    if bare.startswith(("[", "(")) or _CALL_OPENING.fullmatch(bare):
        return match.group(0)  # code building a list or calling (secrets=[DB_SECRET]), no literal
    if match["name"] in _IAM_SERVICE_PREFIXES and match.group(0) == f"{match['name']}:{value}" \
            and _IAM_ACTION.fullmatch(value):
        return match.group(0)  # an IAM action (secretsmanager:GetSecretValue), not a pair
    quote = value[0] if value[:1] in "\"'" else ""
    return f"{match['key']}{quote}{MASK}{quote}"


def _mask_flag(match: re.Match) -> str:
    if not is_sensitive_name(match["flag"]):
        return match.group(0)
    value = match["value"]
    quote = value[0] if value[:1] in "\"'" else ""
    return f"{match['flag']}{match['sep']}{quote}{MASK}{quote}"


def mask(text: str) -> str:
    """Mask every credential recognisable in free text.

    Covers URI user-info passwords, ``key=value`` / ``key: value`` / JSON pairs and
    ``--flag value`` options whose name is sensitive, AWS access key ids and PEM private keys.
    """
    if not text:
        return text
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            document = json.loads(stripped)
        except ValueError:
            pass
        else:
            return json.dumps(mask_mapping(document), sort_keys=False)
    text = _PRIVATE_KEY_BLOCK.sub(f"-----BEGIN PRIVATE KEY-----{MASK}", text)
    text = mask_uri(text)
    text = _AWS_ACCESS_KEY.sub(lambda m: m.group(1) + MASK, text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _FLAG.sub(_mask_flag, text)
    text = _LINE_PAIR.sub(_mask_pair, text)
    return _PAIR.sub(_mask_pair, text)


def uri_has_password(text: str) -> bool:
    """Whether a URL in ``text`` carries a password in its user-info."""
    stripped = text.strip()
    if "\n" not in stripped and _SCHEME.match(stripped):
        return _credential_span(stripped, masking=False) is not None
    return any(_credential_span(m.group(0), masking=False) is not None for m in _URL.finditer(text))
