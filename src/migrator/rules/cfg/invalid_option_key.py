"""CFG007: Option key or value the MWAA API rejects"""

from __future__ import annotations

from migrator import compat
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.cfg._helpers import _OptionRule


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
