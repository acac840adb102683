"""A parser of one project file that raises must not take the run down.

Every analysis of a non-Python source (env files, compose, Dockerfiles, scripts, airflow.cfg,
requirements, connection exports, plugins) runs its per-file work through ``contained``: an
exception there is a defect of this tool on that file, recorded as an ``AnalysisCrash`` (rule
MIG006 reports it, and the command exits 3 once its report is written) while every other file
is still analysed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
ANALYSIS_CRASH_PREFIX = "analysis:"  # `crash="analysis:env file"` breaks that analysis (tests)
_injected: ContextVar[str | None] = ContextVar("injected_analysis_crash", default=None)


@dataclass(frozen=True)
class AnalysisCrash:
    path: str  # POSIX, relative to the project root
    analysis: str  # what was being read: "env file", "compose file", "airflow.cfg", ...
    error: str  # "IndexError: string index out of range"


def contained(crashes: list[AnalysisCrash], path: str, analysis: str, work: Callable[..., T],
              *args: Any) -> T | None:
    """``work(*args)``, or None with the exception recorded in ``crashes``."""
    try:
        if _injected.get() == analysis:
            raise RuntimeError("injected crash")
        return work(*args)
    except Exception as exc:  # noqa: BLE001 - any defect of ours, on one file
        crashes.append(AnalysisCrash(path, analysis, f"{type(exc).__name__}: {exc}"))
        return None


@contextmanager
def injected_crash(crash: str | None) -> Iterator[None]:
    """Within the block, the analysis ``crash`` names (``"analysis:env file"``) raises on every
    file: how the examples of MIG006 show a crash being reported. Any other value does nothing."""
    analysis = crash[len(ANALYSIS_CRASH_PREFIX):] if crash and crash.startswith(ANALYSIS_CRASH_PREFIX) else None
    token = _injected.set(analysis)
    try:
        yield
    finally:
        _injected.reset(token)
