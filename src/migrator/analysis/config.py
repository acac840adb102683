"""Airflow configuration: ``airflow.cfg`` files and ``AIRFLOW__SECTION__KEY`` variables.

Each option is kept with its file and line. :func:`classify` says what MWAA does with an
option on a target: forced by MWAA, rejected, renamed or removed in the target's Airflow,
meaningless on MWAA (it describes the on-prem machines), or allowed as an MWAA configuration
option. The allowed ones form the ``AirflowConfigurationOptions`` map of the environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migrator import compat
from migrator.analysis.crashes import AnalysisCrash, contained
from migrator.analysis.source import Problem, read_text
from migrator.secrets import (
    MASK,
    is_literal_secret,
    is_sensitive_name,
    mask,
    mask_value,
    userinfo_span,
)

if TYPE_CHECKING:  # env sources read the workspace, whose discovery parses airflow.cfg here
    from migrator.analysis.envsources import EnvFacts

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*(?:[#;].*)?$")
_ENV_OPTION = re.compile(r"^AIRFLOW__(?P<section>[A-Z0-9_]+?)__(?P<key>[A-Z0-9_]+)$")
# Options whose value Airflow reads from a command or a secrets backend instead (``<key>_cmd``,
# ``<key>_secret``). ``_secret`` is also the end of ordinary names (``api_auth.jwt_secret``), so
# it only counts after the names of values Airflow lets be indirect.
_INDIRECT_VALUE_KEYS = frozenset({"sql_alchemy_conn", "broker_url", "result_backend", "backend_kwargs",
                                  "sentry_dsn", "sql_alchemy_engine_args", "flower_basic_auth"})


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")  # anchored: a search stays linear
_BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off"})
# The last word of a credential's option name, for options config.yml does not mark sensitive
# ([ldap] bind_password, [kubernetes] git_password).
_CREDENTIAL_WORDS = frozenset({"password", "passwd", "secret"})


def _is_reference(value: str) -> bool:
    """``$VAR``/``${VAR}``: the shell or compose fills it in; the repository holds no value."""
    return re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\}?", value) is not None


def _literal_uri_password(value: str) -> bool:
    """Whether a URI's user-info holds a password written out (not ``$VAR`` or ``${VAR}``)."""
    span = userinfo_span(value)
    if span is None:
        return False
    password = value[span[0]:span[1]].partition(":")[2]
    return is_literal_secret(password) and not password.startswith("$")


def _credential_option(option: str) -> bool:
    """Whether an option's plain value is a credential: Airflow's own ``sensitive`` mark (or a
    password-named key) for the options config.yml defines, the name for any other."""
    key = option.partition(".")[2]
    facts = compat.config_option(option)
    if facts is None:
        return is_sensitive_name(key)
    return facts.sensitive or key.rsplit("_", 1)[-1] in _CREDENTIAL_WORDS


def indirect_base(option: str) -> str | None:
    """``core.sql_alchemy_conn_cmd`` -> ``core.sql_alchemy_conn``; None for a direct option."""
    if option.endswith("_cmd"):
        return option[: -len("_cmd")]
    if option.endswith("_secret"):
        base = option[: -len("_secret")]
        key = base.partition(".")[2]
        if key in _INDIRECT_VALUE_KEYS or is_sensitive_name(key):
            return base
    return None

# Option keys that describe the machines of an on-prem installation: ports it listens on,
# host names it binds, local folders and files. On MWAA the service owns all of these.
# (Derived from Airflow's config reference; a candidate for the knowledge base in compat/.)
_MACHINE_KEY = re.compile(
    r"(^|_)(port|bind|folder|directory|dir|location|path|home)$"
    r"|^(web_server_ssl_cert|web_server_ssl_key|ssl_cert|ssl_key|ssl_cacert|access_logfile|error_logfile"
    r"|child_process_log_directory|dag_processor_manager_log_location|hostname_callable|pid|workers"
    r"|worker_class|worker_refresh_batch_size|web_server_worker_timeout|web_server_master_timeout"
    r"|celery_app_name|flower_basic_auth|flower_url_prefix|dags_folder|plugins_folder|base_log_folder"
    r"|remote_logging|remote_base_log_folder|remote_log_conn_id|remote_task_handler_kwargs"
    r"|encrypt_s3_logs|task_log_reader|web_server_host|log_filename_template"
    r"|log_processor_filename_template|unit_test_mode|standalone_dag_processor)$"
)
# Sections that configure executors, stores or servers MWAA does not run.
_MACHINE_SECTIONS = frozenset({
    "kubernetes", "kubernetes_executor", "celery_kubernetes_executor", "local_kubernetes_executor",
    "dask", "elasticsearch", "elasticsearch_configs", "opensearch", "cli", "kerberos", "ldap",
    "github_enterprise", "atlas", "mesos", "hive", "sentry", "edge", "edge_executor",
})


@dataclass(frozen=True)
class ConfigEntry:
    """One option set in airflow.cfg or by an ``AIRFLOW__SECTION__KEY`` variable."""

    option: str  # "section.key", lower case (a ``_cmd``/``_secret`` suffix is kept)
    value: str
    path: str
    line: int
    origin: str  # airflow.cfg | env-file | compose | dockerfile | script | startup
    env_name: str | None = None

    @property
    def section(self) -> str:
        return self.option.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.option.split(".", 1)[1]

    @property
    def left_at_default(self) -> bool:
        """Whether the line sets nothing the project chose: an empty value, or an airflow.cfg
        line holding what a fresh airflow.cfg of some Airflow version holds (a stock dump).
        A variable set to the default is still typed by someone, so it counts."""
        if not self.value.strip():
            return True
        facts = compat.config_option(self.option)
        return self.origin == "airflow.cfg" and facts is not None and facts.is_default(self.value)

    @property
    def is_secret(self) -> bool:
        """Whether the value is a credential (or carries one, like a URI with a literal password)."""
        value = self.value.strip()
        if indirect_base(self.option) or self.left_at_default or not is_literal_secret(value) \
                or _is_reference(value) or value.lower() in _BOOLEANS or value.isdigit():
            return False  # a command, secret name, reference, flag or number: not the secret
        if _URI.match(value):
            return _literal_uri_password(value)  # in a URI only the password is secret
        if MASK in mask(value) and MASK not in value:
            return True  # JSON or key=value pairs with a credential among them
        # A JSON value without one holds settings (a secrets backend's prefixes), not a credential.
        return not value.startswith(("{", "[")) and _credential_option(self.option)

    def shown_value(self) -> str:
        """The value as it may be printed: credentials masked."""
        return mask_value(self.value) if is_sensitive_name(self.key) else mask(self.value)

    @property
    def where(self) -> str:
        return self.env_name or f"[{self.section}] {self.key}"


@dataclass
class ConfigFacts:
    entries: list[ConfigEntry] = field(default_factory=list)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    crashes: list[AnalysisCrash] = field(default_factory=list)

    def effective(self) -> dict[str, ConfigEntry]:
        """Option -> the entry that wins (environment variables override airflow.cfg)."""
        result: dict[str, ConfigEntry] = {}
        for entry in sorted(self.entries, key=lambda e: (e.origin != "airflow.cfg", e.path, e.line)):
            result[entry.option] = entry
        return result

    def value(self, option: str) -> str | None:
        entry = self.effective().get(option.lower())
        return entry.value if entry else None


def parse_airflow_cfg(text: str, path: str) -> tuple[list[ConfigEntry], list[Problem]]:
    """Options of an INI file the way Airflow's ConfigParser reads it, with line numbers.

    Like ``configparser``, a line it cannot read is recorded and reading goes on: an error on
    one line must not hide the options (and credentials) of every line after it.
    """
    entries: list[ConfigEntry] = []
    problems: list[Problem] = []
    section: str | None = None
    last: ConfigEntry | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            last = None if not stripped else last
            continue
        if raw[:1].isspace() and last is not None:  # a continuation of the previous value
            last = ConfigEntry(last.option, f"{last.value}\n{stripped}", last.path, last.line, last.origin)
            entries[-1] = last
            continue
        match = _SECTION.match(stripped)
        if match:
            section = match.group("name").strip().lower()
            last = None
            continue
        last = None
        key, value = _option(stripped)
        if key is None:
            # The line's text is not quoted: it may be half of a credential.
            problems.append(Problem("syntax", "line is neither a [section] header nor a key = value "
                                              "option; Airflow refuses the file", number))
            continue
        if section is None:
            problems.append(Problem("syntax", "option before any [section] header; Airflow refuses "
                                              "the file", number))
            continue
        value = re.split(r"\s[#;]\s", value, maxsplit=1)[0].strip()
        last = ConfigEntry(f"{section}.{key.lower()}", value, path, number, "airflow.cfg")
        entries.append(last)
    return entries, problems


def _option(line: str) -> tuple[str | None, str]:
    """(key, value) of a ``key = value`` or ``key: value`` line; (None, "") without a key or a
    delimiter. (configparser's own option regex backtracks quadratically on long lines.)"""
    delimiters = [index for index in (line.find("="), line.find(":")) if index >= 0]
    if not delimiters:
        return None, ""
    cut = min(delimiters)
    key = line[:cut].strip()
    return (key, line[cut + 1:].strip()) if key else (None, "")


def env_option(name: str) -> str | None:
    """``AIRFLOW__CORE__DAGS_FOLDER`` -> ``core.dags_folder``; None for other names."""
    match = _ENV_OPTION.match(name)
    if not match:
        return None
    return f"{match.group('section').lower()}.{match.group('key').lower()}"


def analyse_config(workspace, env: EnvFacts) -> ConfigFacts:
    facts = ConfigFacts()
    for rel in workspace.airflow_cfgs:
        source = read_text(workspace.path(rel))
        if isinstance(source, Problem):
            facts.problems.append((rel, source))
            continue
        parsed = contained(facts.crashes, rel, "airflow.cfg", parse_airflow_cfg, source.text, rel)
        if parsed is None:
            continue
        entries, problems = parsed
        facts.entries.extend(entries)
        facts.problems.extend((rel, problem) for problem in problems)
    for variable in env.variables:
        option = env_option(variable.name)
        if option and variable.value is not None:
            facts.entries.append(ConfigEntry(option, variable.value, variable.path, variable.line,
                                             variable.origin, variable.name))
    return facts


# -- what MWAA does with an option ----------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    # forced | rejected | renamed | deprecated | removed | invalid-value | ignored | meaningless
    # | invalid-key | allowed
    kind: str
    reason: str = ""
    new_option: str | None = None
    mwaa_value: str | None = None


def config_change(option: str, target, value: str | None = None):
    """The knowledge base's rename/removal/invalid-value record of ``option`` on ``target``.

    Default changes are not returned: an option the project sets explicitly keeps its value.
    Records that apply only to one value (``remove_if_equals``, ``is_invalid_if``) match only it.
    """
    for change in _changes_by_option(target).get(option, ()):
        if change.kind == "default_changed":
            continue
        if change.applies_if_value is not None and (value is None or value.strip() != change.applies_if_value):
            continue
        return change
    return None


def _changes_by_option(target) -> dict[str, list]:
    key = target.airflow
    if key not in _CHANGES_CACHE:
        table: dict[str, list] = {}
        for change in compat.config_changes(target):
            table.setdefault(change.option, []).append(change)
        _CHANGES_CACHE[key] = table
    return _CHANGES_CACHE[key]


_CHANGES_CACHE: dict[str, dict[str, list]] = {}


def classify(option: str, target, value: str | None = None) -> Classification:
    """What MWAA on ``target`` does with ``option`` (``section.key``) set to ``value``.

    The most useful verdict wins: an option MWAA rejects or forces (under its old or its new
    name) is reported as such even when the target also renamed it; an option that only
    describes on-prem machines is meaningless whatever its name.
    """
    policy = compat.config_policy(target)
    base = indirect_base(option) or option
    change = config_change(base, target, value)
    names = [base, *([change.new_option] if change is not None and change.new_option else [])]
    for name in names:
        rejected = policy.rejected_option(name)
        if rejected:
            return Classification("rejected", rejected.reason)
    for name in names:
        forced = policy.forced_option(name)
        if forced:
            return Classification("forced", forced.reason, new_option=None if name == base else name,
                                  mwaa_value=forced.value)
    for name in names:
        ignored = policy.ignored_option(name)
        if ignored:
            return Classification("ignored", ignored.reason)
    if any(policy.in_dropdown(name) for name in names):
        return _changed(change) if change is not None else Classification("allowed")
    for name in names:
        section, _, key = name.partition(".")
        if section in _MACHINE_SECTIONS:
            return Classification("meaningless", f"MWAA does not run what the [{section}] section configures")
        if _MACHINE_KEY.search(key):
            return Classification("meaningless", "it describes the on-prem machines (ports, hosts, local "
                                                  "paths, process layout), which MWAA manages")
    if change is not None:
        return _changed(change)
    if not policy.is_valid_key(option):
        return Classification("invalid-key", f"MWAA accepts keys matching {policy.key_pattern} of at most "
                                             f"{policy.key_max_length} characters")
    return Classification("allowed")


def _changed(change) -> Classification:
    kind = {"invalid_value": "invalid-value"}.get(change.kind, change.kind)
    if kind == "renamed" and not change.breaks:
        kind = "deprecated"  # the target still reads the old name, with a warning
    return Classification(kind, change.advice, new_option=change.new_option)


def configuration_options(facts: ConfigFacts, target) -> dict[str, str]:
    """The MWAA ``AirflowConfigurationOptions`` map: every allowed option with its value,
    under the name the target reads.

    Options whose value is a credential are left out (config-secret reports them): the map is
    written into the bundle, and credentials belong in Secrets Manager. So are the lines of a
    stock airflow.cfg left at their default: carried over they would pin an old version's
    default on the target. Reports still print
    the map through :func:`masked_options`, since a value may embed a credential the
    detection does not recognise.
    """
    direct: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for option, entry in sorted(facts.effective().items()):
        verdict = classify(option, target, entry.value)
        if verdict.kind not in ("allowed", "deprecated", "renamed") or not _value_acceptable(entry.value, target):
            continue
        if entry.is_secret or entry.left_at_default:
            continue  # credentials belong in Secrets Manager; a stock default would pin an old one
        key = verdict.new_option or option  # the name the target reads
        if compat.config_policy(target).is_valid_key(key):
            (renamed if verdict.new_option else direct)[key] = entry.value
    return dict(sorted({**renamed, **direct}.items()))  # an option set under its new name wins


def masked_options(options: dict[str, str]) -> dict[str, str]:
    return {key: (mask_value(value) if is_sensitive_name(key.split(".", 1)[-1]) else mask(value))
            for key, value in options.items()}


def _value_acceptable(value: str, target) -> bool:
    policy = compat.config_policy(target)
    # "$(hostname -f)" from an entrypoint script means something only to the shell that ran
    # it; MWAA would receive the text itself.
    unexpanded = "$(" in value or "`" in value or "${" in value
    return not unexpanded and len(value) <= policy.value_max_length and all(32 <= ord(c) < 127 for c in value) \
        and not modules_gone(value, target)


_AIRFLOW_PATH = re.compile(r"airflow(\.\w+)+")


def modules_gone(value: str, target) -> list[str]:
    """The Airflow modules or classes a value names (``api.auth_backends`` lists them by comma)
    that the target's Airflow no longer has: the target could not load such a value."""
    names = (item.strip() for item in value.split(","))
    return [name for name in names
            if _AIRFLOW_PATH.fullmatch(name) and compat.resolve(name, target).status == "removed"]


def config_inventory(facts: ConfigFacts, target) -> dict:
    """Config options by classification and the (masked) MWAA configuration options map."""
    classified: dict[str, list[str]] = {}
    for option in sorted(facts.effective()):
        entry = facts.effective()[option]
        classified.setdefault(classify(option, target, entry.value).kind, []).append(option)
    return {"config": {
        "airflow_configuration_options": masked_options(configuration_options(facts, target)),
        "options_by_kind": classified,
    }}
