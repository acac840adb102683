"""Helpers shared by two or more CFG rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from migrator.analysis.config import ConfigEntry, classify
from migrator.findings import ConfigFix, Finding, Fix, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import ProjectRule, RuleContext
from migrator.secrets import STOCK_PASSWORDS


def _config_fix(action: str, description: str, **params) -> Fix:
    return ConfigFix(safety=FixSafety.SAFE, description=description, action=action, **params)


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
