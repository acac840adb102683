"""Helpers shared by two or more REQ rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from migrator import compat
from migrator.analysis.requirements import RequirementLine, RequirementOption
from migrator.findings import Finding, Fix, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import ProjectRule, RuleContext

AIRFLOW = "apache-airflow"


CONSTRAINTS_331 = "flask==3.1.3\nrequests==2.34.2\npandas==2.3.3\napache-airflow-providers-snowflake==6.5.0\n"


def constraint_line(target: str | None = None) -> str:
    """The ``--constraint`` line the requirements fix adds for ``target`` (default: the version
    examples run on, ``compat.newest_with_image()``), for the ``fixed=`` text of examples."""
    version = compat.get_version(target) if target else compat.newest_with_image()
    return f'--constraint "{version.constraints_url}"'


def _at(line: int, text: str = "") -> Location:
    return Location(line, 1, line, max(len(text), 1) + 1)


class _RequirementRule(ProjectRule):
    """Runs ``check_entry`` on the requirements file the bundle ships (with its includes): the
    project's other requirement files (old locks, copies, a Docker image's or a Lambda's) are
    never installed on MWAA, so their lines are not judged."""

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        if project.requirements.shipped_entry:
            yield from self.check_entry(project, ctx, project.requirements.shipped_entry)

    def check_entry(self, project: ProjectFacts, ctx: RuleContext, entry: str) -> Iterator[Finding]:
        raise NotImplementedError

    def at_requirement(self, requirement: RequirementLine, message: str, *, fix: Fix | None = None,
                       severity: Severity | None = None) -> Finding:
        return self.finding(requirement.path, _at(requirement.line, requirement.text), message,
                            anchor=f"{requirement.name or requirement.display()}\x1f{message}", fix=fix,
                            severity=severity)

    def at_option(self, option: RequirementOption, message: str, *, fix: Fix | None = None) -> Finding:
        return self.finding(option.path, _at(option.line, option.text), message,
                            anchor=f"{option.option}\x1f{message}", fix=fix)


BACKPORT_PREFIX = "apache-airflow-backport-providers-"
