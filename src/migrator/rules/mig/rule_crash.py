"""MIG005: A rule crashed on this file"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid


class RuleCrashRule(ProjectRule):
    """
    ## What it does
    Reports a rule that raised an exception on a file. The run goes on with every other rule.

    ## Why it matters on MWAA
    It does not: it matters for trust in this tool. The file was not fully checked, so a
    problem may be hiding in it; the message names the rule and the error.

    ## Example
    A rule meeting a construct its author did not foresee.

    ## Fix
    Report the message to the mwaa-migrator maintainers; use `# migrator: ignore[RULE]` or
    `--ignore RULE` to go on meanwhile.

    ## References
    - `migrator explain MIG005`
    """

    id = "MIG005"
    name = "rule-crash"
    severity = Severity.ERROR
    summary = "A rule crashed on this file"
    valid = (Valid("import os"),)
    invalid = (Invalid("import os", crash="MIG001", contains="MIG001"),)

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for crash in project.rule_crashes:
            yield self.finding(crash.path, Location(), f"rule {crash.rule} crashed: {crash.error}",
                               anchor=crash.rule)
