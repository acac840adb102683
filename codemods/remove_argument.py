"""``remove-argument``: drop a keyword argument, or the matching ``default_args`` key.

Params: ``name``, e.g. ``provide_context`` (Airflow 2 always passes the context; 3.x rejects
the argument).

The surrounding layout survives: the remaining arguments keep their commas, the trailing comma
style of a multi-line call is kept, and comments on other lines stay. A comment on the removed
argument's own line goes with it, and so does an import only its value used
(``sla_miss_callback=sla_miss_alert`` takes ``from common.alerts import sla_miss_alert`` along
when nothing else uses it).

Safe: the fix data only asks for this for arguments the target ignores or rejects outright
(``provide_context=True`` is what Airflow 2 does anyway), so nothing the DAG relied on changes.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import Edit
from ._helpers import locate_argument
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the target ignores or rejects the argument, and its effect is the target's default"


def plan(edit: Edit, planner: Planner) -> None:
    name = edit.fix.name
    argument = locate_argument(planner, edit, name)
    planner.remove(argument)
    for used in _names_read(argument.value):
        planner.forget_binding_of(used)


class _NamesRead(cst.CSTVisitor):
    """Names an expression reads (not attribute names after a dot, not keyword names)."""

    def __init__(self) -> None:
        self.names: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _names_read(expression: cst.CSTNode) -> list[cst.Name]:
    collector = _NamesRead()
    expression.visit(collector)
    return collector.names
