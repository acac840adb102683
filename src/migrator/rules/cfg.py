"""CFG: airflow.cfg and ``AIRFLOW__SECTION__KEY`` options, classified for the target MWAA.

Every option the project sets (``project.config``) is classified by
:func:`migrator.analysis.config.classify`; each classification has its rule here. Values are
printed through the masking helpers only. Config fixes carry ``kind="config"`` with an
``action`` (``rename``, ``drop``) and the option names; they describe edits of the MWAA
configuration-options map built for the package step.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from migrator import compat
from migrator.analysis.config import ConfigEntry, classify, modules_gone
from migrator.findings import Finding, Fix, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.secrets import STOCK_PASSWORDS, mask


def _config_fix(action: str, description: str, **params) -> Fix:
    return Fix.make(FixSafety.SAFE, description, kind="config", action=action, **params)


class _OptionRule(ProjectRule):
    """Runs ``check_entry`` on every option set in airflow.cfg or the environment."""

    kinds: frozenset[str] = frozenset()

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for entry in project.config.entries:
            if entry.left_at_default:
                continue  # a stock airflow.cfg line: nothing the project chose, nothing to carry
            verdict = classify(entry.option, ctx.target, entry.value)
            if verdict.kind in self.kinds:
                yield from self.check_entry(entry, verdict, ctx)

    def check_entry(self, entry: ConfigEntry, verdict, ctx: RuleContext) -> Iterator[Finding]:
        raise NotImplementedError

    def at_entry(self, entry: ConfigEntry, message: str, *, fix: Fix | None = None,
                 severity: Severity | None = None) -> Finding:
        return self.finding(entry.path, Location(entry.line, 1, entry.line, 2), message,
                            anchor=f"{entry.option}\x1f{entry.origin}", fix=fix, severity=severity)


class ForcedByMwaa(_OptionRule):
    """
    ## What it does
    Reports options MWAA sets itself and never lets a project override: the executor, the
    broker and result backend, the metadata database connection, the Fernet key, logging and
    metrics settings, and others, depending on the target. When the value is a credential in
    clear text, the finding also says to rotate it (CFG006's finding on the same line is one of
    its related locations: MWAA never receives the value, so it needs no Secrets Manager entry).

    ## Why it matters on MWAA
    Your value is silently ignored. Code or operations that relied on it (a KubernetesExecutor,
    a custom logging class, statsd to your own host) behave differently on MWAA.

    ## Example
    ```ini
    [core]
    executor = KubernetesExecutor
    ```

    ## Fix
    Drop the option from what you carry over; adapt whatever depended on it (task routing,
    logging, metrics in CloudWatch).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://github.com/aws/amazon-mwaa-docker-images (python/mwaa/config/airflow.py)
    """

    id = "CFG001"
    name = "forced-by-mwaa"
    severity = Severity.INFO
    summary = "Option is set by MWAA; the project's value is ignored"
    fix_safety = FixSafety.SAFE
    kinds = frozenset({"forced"})
    valid = (Valid(files={"airflow.cfg": "[core]\ndefault_task_retries = 2\n"}),
             # the value MWAA forces: nothing changes
             Valid(files={".env": "AIRFLOW__CORE__EXECUTOR=CeleryExecutor\nAIRFLOW__CORE__LOAD_EXAMPLES=false\n"}),
             # a stock airflow.cfg: Airflow's defaults, and a key left empty, are no choice of the project
             Valid(files={"airflow.cfg": "[core]\nexecutor = SequentialExecutor\nfernet_key =\n"
                                         "[scheduler]\nstatsd_on = False\n"}))
    invalid = (Invalid(files={"airflow.cfg": "[core]\nexecutor = KubernetesExecutor\n"}, line=2,
                       contains="CeleryExecutor"),
               Invalid(files={".env": "AIRFLOW__CORE__LOAD_EXAMPLES=True\n"}, line=1, contains="ignored"),
               # a real password in an option MWAA sets itself: dropped, but it is in git to rotate
               Invalid(files={"airflow.cfg": "[webserver]\nsecret_key = 8cbd483d2cb4e735a1\n"}, line=2,
                       contains="rotate it if it was a real one"),
               # a generated Fernet key: MWAA sets its own, so no Secrets Manager entry for this one
               Invalid(files={"airflow.cfg": "[core]\nfernet_key = Zm9yLWV4YW1wbGVzLW9ubHktbm90LWEtcmVhbC1rZXk=\n"},
                       line=2, contains="needs no Secrets Manager entry"))

    def check_entry(self, entry, verdict, ctx):
        if verdict.mwaa_value is not None and entry.value.strip().lower() == verdict.mwaa_value.lower():
            return  # MWAA sets what the project has: nothing changes
        forced = f" to {verdict.mwaa_value}" if verdict.mwaa_value else ""
        name = f" (as {verdict.new_option})" if verdict.new_option else ""
        note = f" ({verdict.reason})" if verdict.reason else ""
        # This finding carries CFG006's on the same line (root cause "forced-secret").
        leaked = (". It is a credential in clear text: MWAA never receives it, so it needs no Secrets Manager "
                  "entry, but rotate it if it was a real one (it is in the repository's history)"
                  if _reported_secret(entry, ctx.target) else "")
        yield self.at_entry(entry, f"{entry.where}: MWAA sets {entry.option}{name} itself{forced}{note}; the value "
                                   f"here is ignored{leaked}",
                            fix=_config_fix("drop", f"leave {entry.option} to MWAA", option=entry.option))


class RejectedOption(_OptionRule):
    """
    ## What it does
    Reports options the MWAA API refuses for the target (for example `core.multi_team` and
    `triggerer.queues_enabled` on Airflow 3.2+).

    ## Why it matters on MWAA
    Creating or updating the environment with them fails; setting them another way breaks
    MWAA (deferred tasks that hang, authentication that conflicts).

    ## Example
    ```ini
    [core]
    multi_team = True
    ```

    ## Fix
    Remove the option and redesign what needed it (one environment per team instead of
    multi-team mode).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    """

    id = "CFG002"
    name = "rejected-option"
    severity = Severity.ERROR
    summary = "Option MWAA does not accept"
    kinds = frozenset({"rejected"})
    valid = (Valid(files={"airflow.cfg": "[core]\nparallelism = 64\n"}),)
    invalid = (Invalid(files={"airflow.cfg": "[core]\nmulti_team = True\n"}, line=2, contains="multi_team"),)

    def check_entry(self, entry, verdict, ctx):
        yield self.at_entry(entry, f"{entry.where}: MWAA does not accept {entry.option} on Airflow "
                                   f"{ctx.target.airflow}: {verdict.reason}")


class RenamedOption(_OptionRule):
    """
    ## What it does
    Reports options the target's Airflow renamed, with the new name. Options the target still
    reads under the old name (with a deprecation warning) are reported at info level; those it
    no longer reads at warning level.

    ## Why it matters on MWAA
    A setting under a name the target no longer reads has no effect: the scheduler tuning or
    behaviour you carried over silently reverts to the default.

    ## Example
    ```ini
    [core]
    logging_level = DEBUG
    ```
    on an Airflow 3 target (now `logging.logging_level`; the old name is no longer read).
    `[webserver] expose_config` on Airflow 3.3 is info only: the target's
    `deprecated_options` still maps it to `[api] expose_config`.

    ## Fix
    Use the new name in the MWAA configuration options (`migrator fix` and `migrator package`
    write the new name). A value naming an Airflow module the target no longer has
    (`airflow.api.auth.backend.basic_auth` on Airflow 3) is not carried over: drop it or pick
    what the target provides.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    """

    id = "CFG003"
    name = "renamed-option"
    severity = Severity.WARNING
    summary = "Option renamed in the target's Airflow"
    fix_safety = FixSafety.SAFE
    kinds = frozenset({"renamed", "deprecated"})
    valid = (Valid(files={"airflow.cfg": "[dag_processor]\nrefresh_interval = 600\n"}),
             # the value is the new option's default: ignoring the old name changes nothing
             Valid(files={".env": "AIRFLOW__CORE__LOGGING_LEVEL=INFO\n"}),
             # the allow-all default of a pre-1.10.11 airflow.cfg: no choice of the project
             Valid(files={"airflow.cfg": "[api]\nauth_backend = airflow.api.auth.backend.default\n"}))
    invalid = (# renamed in Airflow 3, but the target's deprecated_options still reads the old
               # name: a deprecation (info), the value is not lost
               Invalid(files={"airflow.cfg": "[webserver]\nexpose_config = True\ninstance_name = ETL\n"}, line=3,
                       contains="the old name still works"),
               Invalid(files={".env": "AIRFLOW__CORE__LOGGING_LEVEL=DEBUG\n"}, contains="logging.logging_level"),
               Invalid(files={"airflow.cfg": "[scheduler]\ndag_dir_list_interval = 600\n"}, line=2,
                       contains="dag_processor.refresh_interval"),
               Invalid(files={".env": "AIRFLOW__CORE__DAG_CONCURRENCY=32\n"}, target="2.10.3",
                       contains="core.max_active_tasks_per_dag"),
               # the value names a module Airflow 3 removed: the remedy drops it instead of carrying it
               Invalid(files={".env": "AIRFLOW__API__AUTH_BACKENDS=airflow.api.auth.backend.basic_auth\n"},
                       contains="no longer has"))

    def check_entry(self, entry, verdict, ctx):
        new = compat.config_option(verdict.new_option) if verdict.new_option else None
        if new is not None and new.is_default(entry.value):
            return  # the renamed option holds this value anyway: nothing changes when the old name is ignored
        severity = Severity.INFO if verdict.kind == "deprecated" else None
        renamed = f"{entry.where}: {verdict.reason or f'renamed to {verdict.new_option}'} (Airflow {ctx.target.airflow})"
        gone = modules_gone(entry.value, ctx.target)
        if gone:  # under either name the target could not load the value: nothing to carry over
            yield self.at_entry(entry, f"{renamed}, and its value names {', '.join(gone)}, which Airflow "
                                       f"{ctx.target.airflow} no longer has: drop it, or set a value the target "
                                       "provides under the new name",
                                fix=_config_fix("drop", f"drop {entry.option}", option=entry.option),
                                severity=severity)
            return
        yield self.at_entry(entry, renamed,
                            fix=_config_fix("rename", f"use {verdict.new_option}", option=entry.option,
                                            new=verdict.new_option),
                            severity=severity)


class RemovedOption(_OptionRule):
    """
    ## What it does
    Reports options the target's Airflow removed, and values the target's Airflow rejects.

    ## Why it matters on MWAA
    A removed option does nothing: the behaviour it configured is gone or now fixed. An invalid
    value makes the component refuse to start or fall back to the default.

    ## Example
    ```ini
    [core]
    check_slas = False
    ```
    on an Airflow 3 target (SLAs are gone).

    ## Fix
    Drop the option; read the message for what replaces the behaviour.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    """

    id = "CFG004"
    name = "removed-option"
    severity = Severity.WARNING
    summary = "Option removed (or value invalid) in the target's Airflow"
    fix_safety = FixSafety.SAFE
    kinds = frozenset({"removed", "invalid-value"})
    valid = (Valid(files={"airflow.cfg": "[core]\ndefault_task_retries = 1\n"}),)
    invalid = (Invalid(files={"airflow.cfg": "[core]\ncheck_slas = False\n"}, line=2, contains="SLA"),
               Invalid(files={"airflow.cfg": "[core]\nparallelism = 0\n"}, contains="invalid value"))

    def check_entry(self, entry, verdict, ctx):
        what = "removed" if verdict.kind == "removed" else "has an invalid value"
        yield self.at_entry(entry, f"{entry.where} ({entry.option}) {what} on Airflow {ctx.target.airflow}: "
                                   f"{verdict.reason}",
                            fix=_config_fix("drop", f"drop {entry.option}", option=entry.option))


class MeaninglessOption(_OptionRule):
    """
    ## What it does
    Reports options that only describe the on-prem installation (ports, bind hosts, local
    folders and log files, web server worker processes, Kubernetes/Dask/remote-logging
    settings) and options MWAA ignores (such as `celery.worker_concurrency`).

    ## Why it matters on MWAA
    MWAA runs and places these components itself: carrying the values over does nothing, and
    a value that looks effective (`worker_concurrency`) hides the setting that is
    (`celery.worker_autoscale`).

    ## Example
    ```ini
    [core]
    dags_folder = /opt/airflow/dags
    [webserver]
    web_server_port = 8080
    ```

    ## Fix
    Leave them out of the MWAA configuration options; use the MWAA setting named in the
    message where there is one.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-tuning.html
    """

    id = "CFG005"
    name = "meaningless-option"
    severity = Severity.INFO
    summary = "Option has no effect on MWAA"
    kinds = frozenset({"meaningless", "ignored"})
    valid = (Valid(files={"airflow.cfg": "[celery]\nworker_autoscale = 10,10\n"}),
             # a stock airflow.cfg: defaults ({AIRFLOW_HOME} filled in) and empty values set nothing
             Valid(files={"airflow.cfg": "[core]\ndags_folder = /home/etl/airflow/dags\n"
                                         "[webserver]\nweb_server_port = 8080\nweb_server_ssl_cert =\n"
                                         "[kubernetes]\nnamespace = default\n"}))
    invalid = (Invalid(files={"airflow.cfg": "[webserver]\nweb_server_port = 8443\n"}, line=2, contains="8443"),
               Invalid(files={".env": "AIRFLOW__WEBSERVER__WEB_SERVER_PORT=8080\n"}, line=1, contains="8080"),
               Invalid(files={"airflow.cfg": "[celery]\nworker_concurrency = 32\n"}, contains="worker_autoscale"))

    def check_entry(self, entry, verdict, ctx):
        yield self.at_entry(entry, f"{entry.where} = {entry.shown_value()} has no effect on MWAA: {verdict.reason}")


class ConfigSecret(ProjectRule):
    """
    ## What it does
    Reports credentials written into airflow.cfg or `AIRFLOW__*` variables: passwords in
    `sql_alchemy_conn` or broker URLs, the Fernet key, SMTP and LDAP passwords, OAuth client
    secrets. Values are shown masked. A local stack's throwaway login (`airflow:airflow`, the
    user name as password) in an option MWAA sets itself is not reported: it never reaches
    MWAA, protects nothing, and CFG001 already says to leave the option out. Any other
    credential in such an option (a generated Fernet key, a real database password) is a
    related location of CFG001's finding, which says to drop and rotate it: MWAA never
    receives the value, so it needs no Secrets Manager entry.

    ## Why it matters on MWAA
    They are in the repository, in every copy of it and in CI logs; the ones the tasks or the
    web server still need belong in Secrets Manager (the values you set as MWAA configuration
    options are stored as sensitive, but the repository copy stays).

    ## Example
    ```ini
    [smtp]
    smtp_password = hunter2
    ```

    ## Fix
    Remove the value from the repository and rotate it. Store the SMTP password as an Airflow
    connection in Secrets Manager (`smtp_default`) or set it once as an MWAA configuration
    option; leave database, broker and Fernet settings to MWAA.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    - https://airflow.apache.org/docs/apache-airflow/stable/howto/set-config.html
    """

    id = "CFG006"
    name = "config-secret"
    severity = Severity.ERROR
    summary = "Credential in airflow.cfg or an AIRFLOW__ variable"
    valid = (Valid(files={"airflow.cfg": "[smtp]\nsmtp_password_cmd = cat /run/secrets/smtp\nsmtp_host = mail.example.com\n"}),
             # flags whose names look sensitive; Airflow's own stock credentials
             Valid(files={"airflow.cfg": "[webserver]\ncookie_secure = True\ncookie_samesite = Strict\n"
                                         "[celery]\nbroker_url = sqla+mysql://airflow:airflow@localhost:3306/airflow\n"
                                         "[secrets]\nbackend_kwargs = {\"connections_prefix\": \"airflow/connections\"}\n"}),
             # options MWAA sets itself (CFG001): the compose stack's own metadata database and
             # broker credentials never reach MWAA
             Valid(files={"docker-compose.yaml": "services:\n  scheduler:\n    environment:\n"
                                                 "      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: postgresql://airflow:airflow@postgres/airflow\n"
                                                 "      AIRFLOW__CELERY__RESULT_BACKEND: db+postgresql://airflow:airflow@postgres/airflow\n"
                                                 "      AIRFLOW__CELERY__BROKER_URL: redis://:password@redis:6379/0\n"}),
             # the stock secret_key of a generated Airflow 1.10 airflow.cfg (CVE-2020-17526): a
             # well-known default, no secret of the project
             Valid(files={"airflow.cfg": "[webserver]\nsecret_key = temporary_key\n"}),
             # passwords the shell fills in
             Valid(files={"entrypoint.sh": "#!/bin/sh\nexport AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="
                                           "postgresql://$PG_USER:$PG_PASSWORD@$PG_HOST/airflow\n"
                                           "export AIRFLOW__CELERY__BROKER_URL=redis://:${REDIS_PASSWORD}@redis:6379/0\n"
                                           "export AIRFLOW__CORE__FERNET_KEY=$FERNET_KEY\n"}))
    invalid = (Invalid(files={"airflow.cfg": "[elasticsearch]\nhost = https://elastic:hunter2@es.example.com:9200\n"},
                       line=2, contains="elastic:****@"),
               # MWAA sets the option, but a real password leaked with it: rotate it all the same
               Invalid(files={"airflow.cfg": "[database]\nsql_alchemy_conn = postgresql://airflow:hunter2@db/airflow\n"},
                       line=2, contains="airflow:****@"),
               Invalid(files={"docker-compose.yaml": "services:\n  web:\n    environment:\n"
                                                     "      AIRFLOW__SMTP__SMTP_PASSWORD: hunter2\n"},
                       line=4, contains="****"),
               # a password Airflow's config.yml does not mark sensitive
               Invalid(files={"airflow.cfg": "[ldap]\nbind_password = hunter2\n"}, line=2, contains="bind_password"))

    def check(self, project, ctx):
        for entry in project.config.entries:
            if _reported_secret(entry, ctx.target):
                yield self.finding(entry.path, Location(entry.line, 1, entry.line, 2),
                                   f"{entry.where} = {entry.shown_value()} is a credential in clear text: remove it "
                                   "from the repository, rotate it, and keep it in Secrets Manager",
                                   anchor=f"{entry.option}\x1f{entry.origin}")


class InvalidOptionKey(_OptionRule):
    """
    ## What it does
    Reports options the MWAA API cannot take as configuration options: keys that do not match
    its key pattern or are too long, and values with characters outside printable ASCII or
    over the length limit.

    ## Why it matters on MWAA
    `CreateEnvironment`/`UpdateEnvironment` fail validation with the whole options map.

    ## Example
    ```ini
    [my-team]
    Owner-Email = data@example.com
    ```

    ## Fix
    Use lower-case `section.key` names made of letters, digits, `.` and `_`; keep values
    ASCII.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/API/API_CreateEnvironment.html
    """

    id = "CFG007"
    name = "invalid-option-key"
    severity = Severity.ERROR
    summary = "Option key or value the MWAA API rejects"
    kinds = frozenset({"invalid-key", "allowed"})
    valid = (Valid(files={"airflow.cfg": "[my_team]\nowner_email = data@example.com\n"}),)
    invalid = (Invalid(files={"airflow.cfg": "[my-team]\nowner-email = data@example.com\n"}, line=2,
                       contains="my-team.owner-email"),
               Invalid(files={"airflow.cfg": "[my_team]\nowner = Zoë\n"}, contains="printable ASCII"))

    def check_entry(self, entry, verdict, ctx):
        policy = compat.config_policy(ctx.target)
        if verdict.kind == "invalid-key":
            yield self.at_entry(entry, f"{entry.where}: MWAA rejects the key {entry.option}: {verdict.reason}")
        elif len(entry.value) > policy.value_max_length:
            yield self.at_entry(entry, f"{entry.where}: the value is longer than the {policy.value_max_length} "
                                       "characters MWAA accepts")
        elif not all(32 <= ord(c) < 127 for c in entry.value):
            yield self.at_entry(entry, f"{entry.where}: the value has characters outside printable ASCII, which MWAA "
                                       "rejects")


class ReservedEnvVar(ProjectRule):
    """
    ## What it does
    Reports a startup script that sets environment variables MWAA reserves (`AIRFLOW_HOME`,
    `AIRFLOW__CORE__EXECUTOR`, `AIRFLOW__CORE__PARALLELISM`, `PYTHONPATH` on 2.9+, ...).

    ## Why it matters on MWAA
    MWAA resets them after `startup.sh` runs: the export has no effect. Some of them (such as
    `core.parallelism`) can be set as MWAA configuration options instead.

    ## Example
    ```bash
    export AIRFLOW__CORE__PARALLELISM=64
    ```

    ## Fix
    Remove the export; set the option in the environment's configuration options when MWAA
    allows it.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    """

    id = "CFG008"
    name = "reserved-env-var"
    severity = Severity.WARNING
    summary = "startup.sh sets a variable MWAA reserves"
    valid = (Valid(files={"startup.sh": "#!/bin/sh\nexport LD_LIBRARY_PATH=/usr/local/airflow/plugins/lib\n"}),)
    invalid = (Invalid(files={"startup.sh": "#!/bin/sh\nexport AIRFLOW__CORE__PARALLELISM=64\n"}, line=2,
                       contains="configuration option"),)

    def check(self, project, ctx):
        policy = compat.config_policy(ctx.target)
        for variable in project.env.variables:
            if variable.origin != "startup":
                continue
            reserved = policy.protected_env_var(variable.name)
            if reserved is None:
                continue
            option = compat.normalize_option(variable.name) if variable.name.startswith("AIRFLOW__") else None
            allowed = option is not None and classify(option, ctx.target, variable.value).kind == "allowed"
            advice = f"; set {option} as an MWAA configuration option instead" if allowed else ""
            yield self.finding(variable.path, Location(variable.line, 1, variable.line, 2),
                               f"{variable.name} is reserved: MWAA resets it after startup.sh runs{advice}",
                               anchor=f"{variable.name}\x1freserved")


class UnreadableConfigSource(ProjectRule):
    """
    ## What it does
    Reports configuration sources the tool could not read: an airflow.cfg that is not an INI
    file, a docker-compose file or connection export that is not valid YAML/JSON.

    ## Why it matters on MWAA
    Whatever they configure (options, connections, requirements) is unknown: this report
    cannot check it, and the same file probably fails for Airflow or Compose too.

    ## Example
    ```ini
    executor = CeleryExecutor
    ```
    (an option before any `[section]`).

    ## Fix
    Correct the file's syntax, then scan again.

    ## References
    - https://docs.python.org/3/library/configparser.html
    - https://docs.docker.com/compose/compose-file/
    """

    id = "CFG009"
    name = "unreadable-config-source"
    severity = Severity.ERROR
    summary = "airflow.cfg, compose file or export could not be read"
    valid = (Valid(files={"airflow.cfg": "[core]\nparallelism = 32\n"}),)
    invalid = (Invalid(files={"airflow.cfg": "executor = CeleryExecutor\n"}, line=1, contains="[section]"),
               Invalid(files={"docker-compose.yaml": "services:\n  web: [unclosed\n"}, contains="invalid YAML"))

    def check(self, project, ctx):
        seen = set()
        for path, problem in [*project.config.problems, *project.env.problems, *project.connections.problems]:
            key = (path, problem.line, problem.message)
            if key in seen or problem.kind in ("too-large", "unreadable") and path.endswith(".py"):
                continue
            seen.add(key)
            yield self.finding(path, Location(problem.line, problem.column, problem.line, problem.column + 1),
                               mask(problem.message), anchor=problem.message)


def _reported_secret(entry: ConfigEntry, target) -> bool:
    """Whether CFG006 reports ``entry``: a credential, unless it is a local stack's throwaway
    login in an option MWAA sets itself (it never reaches MWAA and protects nothing)."""
    return entry.is_secret and not (_throwaway_login(entry.value)
                                    and classify(entry.option, target, entry.value).kind == "forced")


def _throwaway_login(value: str) -> bool:
    """``postgresql://airflow:airflow@postgres/airflow``, ``postgres:password@db``: the user name
    or a stock word as password, the login of a local compose stack's own database or broker."""
    try:
        parts = urlsplit(value)
        return bool(parts.password) and (parts.password == parts.username
                                         or parts.password.lower() in STOCK_PASSWORDS)
    except ValueError:
        return False
