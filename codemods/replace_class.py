"""``replace-class``: construct a different class, renaming the arguments that changed name.

Params: ``old`` and ``new`` (dotted class paths) and ``rename_arguments`` (``{old: new}``, or
``(old, new)`` pairs, which keep a finding hashable; a ``None`` new name removes the argument). Used for ``DummyOperator`` -> ``EmptyOperator``,
``PostgresOperator``/``MySqlOperator`` -> ``SQLExecuteQueryOperator`` (``postgres_conn_id`` /
``mysql_conn_id`` -> ``conn_id``), ``SimpleHttpOperator`` -> ``HttpOperator`` and
``Dataset`` -> ``Asset`` on 3.x targets.

At a call, the callee becomes a reference to the new class (imported by name when the name is
free) and the mapped keyword arguments are renamed in the same pass; at a bare reference (a base
class, an ``isinstance`` check) only the reference changes, and only when no arguments need
renaming. The old import goes once nothing uses it.

Safe when the rule says so: the fix data is only given as safe for replacements Airflow and the
providers document as drop-in (the old class is a deprecated subclass or alias of the new one
with the listed renames); a replacement whose behaviour differs is given as unsafe.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._nodes import is_identifier
from ._planner import Planner
from .rename_argument import rename_argument

SAFETY = FixSafety.SAFE
RATIONALE = "the new class is the documented drop-in replacement once the listed arguments are renamed"


def plan(edit: Edit, planner: Planner) -> None:
    old, new = edit.fix.old, edit.fix.new
    renames = dict(edit.fix.rename_arguments or {})  # pairs too: fix data must stay hashable
    if "." not in new:
        raise CannotFix(f"{new!r} is not a dotted class path")
    if not all(v is None or is_identifier(v) for v in renames.values()):
        raise CannotFix("an argument would be renamed to something that is not a name")

    def refers_to_old(node: cst.CSTNode) -> bool:
        return old in planner.qualnames(node)

    calls = [c for c in planner.at(edit.location, cst.Call) if refers_to_old(c.func)]
    references = [n for n in planner.at(edit.location, cst.Name, cst.Attribute)
                  if refers_to_old(n) and not any(isinstance(a, (cst.Import, cst.ImportFrom))
                                                  for a in planner.ancestors(n))]
    node = planner.locate(edit.location, calls + references, f"use of {old.rpartition('.')[2]}")
    parent = planner.parent(node)
    if not isinstance(node, cst.Call) and isinstance(parent, cst.Call) and parent.func is node:
        node = parent
    if isinstance(node, cst.Call):
        replace_callee(planner, node.func, new)
        for argument in node.args:
            if argument.keyword is not None and argument.keyword.value in renames:
                target = renames[argument.keyword.value]
                if target is None:
                    planner.remove(argument)
                elif target != argument.keyword.value:
                    rename_argument(planner, argument, target)
        return
    if renames:
        raise CannotFix("arguments must be renamed where the class is constructed; not a call here")
    replace_callee(planner, node, new)


def replace_callee(planner: Planner, reference: cst.CSTNode, new: str) -> None:
    expression = planner.reference_to(new, reference)
    code = cst.Module([]).code_for_node(expression)
    planner.replace(reference, ("expr", code), lambda n, e=expression: e)
    planner.forget_binding_of(reference)
