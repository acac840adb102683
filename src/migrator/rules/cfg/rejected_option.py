"""CFG002: Option MWAA does not accept"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.cfg._helpers import _OptionRule


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
