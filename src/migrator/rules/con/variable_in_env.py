"""CON004: Variable defined in a plain environment variable"""

from __future__ import annotations

from migrator.analysis.connections import VAR_PREFIX
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at


class VariableInEnv(ProjectRule):
    """
    ## What it does
    Reports Airflow Variables defined as `AIRFLOW_VAR_*` environment variables.

    ## Why it matters on MWAA
    They can only be set from `startup.sh` there; Secrets Manager (or the metadata database)
    keeps them editable without redeploying, and keeps sensitive ones out of S3.

    ## Example
    ```bash
    AIRFLOW_VAR_LANDING_BUCKET=acme-landing
    ```

    ## Fix
    `migrator connections export --apply` creates `airflow/variables/<key>` secrets from them.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    """

    id = "CON004"
    name = "variable-in-env"
    severity = Severity.INFO
    summary = "Variable defined in a plain environment variable"
    valid = (Valid(files={"variables.json": '{"landing_bucket": "acme-landing"}\n'}),)
    invalid = (Invalid(files={".env": "AIRFLOW_VAR_LANDING_BUCKET=acme-landing\n"}, line=1,
                       contains="airflow/variables/landing_bucket"),)

    def check(self, project, ctx):
        for variable in project.connections.deployed(project.connections.variables):
            if variable.origin == "env":
                yield self.finding(variable.path, _at(variable.line),
                                   f"{VAR_PREFIX}{variable.key.upper()} defines a variable in plain environment "
                                   f"configuration: move it to Secrets Manager as airflow/variables/{variable.key}",
                                   anchor=f"{variable.key}\x1fenv")
