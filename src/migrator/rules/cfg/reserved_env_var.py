"""CFG008: startup.sh sets a variable MWAA reserves"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.config import classify
from migrator.findings import Location, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid


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
