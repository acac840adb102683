"""Helpers shared by two or more CON rules."""

from __future__ import annotations

from migrator import compat
from migrator.analysis.connections import CONN_PREFIX
from migrator.findings import Location

# The anchors of CON001/CON002, by the kind of reference: verify's lookups of a file that did
# not load are matched to these findings (migrator.outcome).
_UNDEFINED_SUFFIX = {"connection": "conn", "variable": "var"}


UNDEFINED_RULES = {"connection": "CON001", "variable": "CON002"}


def undefined_anchor(kind: str, key: str) -> str:
    return f"{key}\x1f{_UNDEFINED_SUFFIX[kind]}"


def _at(line: int) -> Location:
    return Location(line, 1, line, 2)


def mwaa_defined_connections(target) -> set[str]:
    """Connection ids MWAA defines itself (as ``AIRFLOW_CONN_*`` variables it reserves)."""
    policy = compat.config_policy(target)
    return {p.name[len(CONN_PREFIX):].lower() for p in policy.protected_env_vars
            if p.name.startswith(CONN_PREFIX) and not p.prefix}
