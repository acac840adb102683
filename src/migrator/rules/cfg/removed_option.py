"""CFG004: Option removed (or value invalid) in the target's Airflow"""

from __future__ import annotations

from migrator.findings import FixSafety, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.cfg._helpers import _config_fix, _OptionRule


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
