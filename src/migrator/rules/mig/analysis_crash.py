"""MIG006: The tool failed to analyse this file"""

from __future__ import annotations

from collections.abc import Iterable

from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid


class AnalysisCrashRule(ProjectRule):
    """
    ## What it does
    Reports a project file (an env file, compose file, Dockerfile, script, airflow.cfg,
    requirements file, connection export or plugin module) that this tool failed to analyse.
    Every other file is still analysed and the report is complete otherwise; the command exits
    with code 3 after writing it.

    ## Why it matters on MWAA
    It does not: it matters for trust in this tool. What the file configures (variables,
    connections, requirements, options) is missing from the report, so a problem may hide there.

    ## Example
    A parser meeting a line its author did not foresee in `.env`.

    ## Fix
    Report the message (the file's kind and the error) to the mwaa-migrator maintainers; the
    rest of the report can be used meanwhile.

    ## References
    - `migrator explain MIG006`
    """

    id = "MIG006"
    name = "analysis-crash"
    severity = Severity.ERROR
    summary = "The tool failed to analyse this file"
    valid = (Valid(files={".env": "AIRFLOW__CORE__PARALLELISM=32\n"}),)
    invalid = (Invalid(files={".env": "AIRFLOW__CORE__PARALLELISM=32\n"}, crash="analysis:env file",
                       contains="could not analyse this env file"),)

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        project.run_all_analyses()
        for crash in project.analysis_crashes:
            yield self.finding(crash.path, Location(),
                               f"mwaa-migrator could not analyse this {crash.analysis} ({crash.error}); "
                               "what it defines is missing from this report", anchor=crash.analysis)
