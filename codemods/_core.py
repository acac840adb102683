"""What every codemod is handed and may raise: an ``Edit`` (a finding's fix at its location),
``CannotFix`` (the refusal, with its reason) and ``NeedWholeModule``."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import libcst as cst

from migrator.findings import Fix, Location

NodeResult = cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel
NodeOp = Callable[[cst.CSTNode], NodeResult]


@dataclass(frozen=True)
class Edit:
    """One fix to apply: a finding's fix at its location.

    ``key`` is the caller's handle for the edit; results are reported by key.
    """

    key: Hashable
    fix: Fix
    location: Location


class CannotFix(Exception):
    """This fix cannot be applied here; the message says why and is shown to the user."""


class NeedWholeModule(Exception):
    """The pass was given the top of the file only, and an edit needs to see the rest."""
