"""CFG003: Option renamed in the target's Airflow"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.config import modules_gone
from migrator.findings import FixSafety, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.cfg._helpers import _config_fix, _OptionRule


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
