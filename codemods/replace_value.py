"""``replace-value``: give an argument the value the target takes instead of an old one.

Params: ``old`` and ``new``, JSON values (``True`` -> ``"success"`` for DockerOperator's
``auto_remove``; ``"none_failed_or_skipped"`` -> ``"none_failed_min_one_success"`` for
``trigger_rule``), or ``attribute`` with ``old``/``new`` member names for an enum member
(``TriggerRule.NONE_FAILED_OR_SKIPPED`` -> ``TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS``) or a
model's renamed class attribute (``DagRun.execution_date`` -> ``DagRun.logical_date``).

The node at the location must hold exactly the old value (a literal, or the member access);
anything else is refused. A string keeps its quote style.

Safe: the fix data only asks for this where Airflow's or the provider's own deprecation code
mapped the old value onto the new one, so the task behaves the same, where Airflow renamed
the attribute of the same column (the knowledge base's ``attributes`` rows), or where a path
names another platform's DAG or plugins folder, whose files the bundle ships at MWAA's path
(``/home/airflow/gcs/dags/x`` -> ``/usr/local/airflow/dags/x``, MWA005).
"""

from __future__ import annotations

import json

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._nodes import is_identifier, string_value, with_string_value
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = ("the deprecation code of Airflow or the provider maps the old value onto this one, or the "
             "bundle ships the same file at this path")

_LITERALS = {"True": True, "False": False, "None": None}


def _literal(node: cst.CSTNode) -> tuple[bool, object]:
    if isinstance(node, cst.Name) and node.value in _LITERALS:
        return True, _LITERALS[node.value]
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return value is not None, value
    if isinstance(node, cst.Integer):
        return True, int(node.value, 0)
    return False, None


def plan(edit: Edit, planner: Planner) -> None:
    old, new = edit.fix.old, edit.fix.new
    if edit.fix.attribute:
        if not is_identifier(new):
            raise CannotFix(f"{new!r} is not a member name")
        candidates = [n for n in planner.at(edit.location, cst.Attribute) if n.attr.value == old]
        node = planner.locate(edit.location, candidates, f"member {old}")
        planner.replace(node, ("attr", new), lambda n: n.with_changes(attr=cst.Name(new)))
        return
    candidates = [n for n in planner.at(edit.location, cst.Name, cst.SimpleString, cst.Integer)
                  if _literal(n) == (True, old) and type(_literal(n)[1]) is type(old)]
    node = planner.locate(edit.location, candidates, f"value {json.dumps(old)}")
    if isinstance(node, cst.SimpleString) and isinstance(new, str):
        planner.replace(node, ("value", new), lambda n: with_string_value(n, new))
        return
    code = json.dumps(new) if isinstance(new, str) else repr(new)
    planner.replace(node, ("value", code), lambda n: cst.parse_expression(code))
