"""Helpers shared by two or more PY rules."""

from __future__ import annotations

from migrator.analysis import airflow_api
from migrator.compat import RemovedStdlib
from migrator.findings import Severity


def _tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _removal(name: str, python: str) -> tuple[RemovedStdlib, Severity] | None:
    """A stdlib name's removal and how bad it is on ``python``: an error when that Python no
    longer has it, a warning when the Python of a newer MWAA version removed it (the next
    upgrade breaks), None when neither."""
    entry = airflow_api.removed_stdlib(python).get(name)
    if entry is not None:
        return entry, Severity.ERROR
    entry = airflow_api.removed_stdlib(airflow_api.newest_mwaa_python()).get(name)
    if entry is not None and _tuple(entry.removed_in) > _tuple(python):
        return entry, Severity.WARNING
    return None
