"""``days-ago``: ``days_ago(n, hour=h, ...)`` becomes ``pendulum.today("UTC").add(days=-n, hours=h, ...)``.

Params: ``old``, the dotted path of the ``days_ago`` the call names.

The replacement is an explicit UTC-aware datetime computed exactly as
``airflow.utils.dates.days_ago`` did (midnight UTC today, shifted), which Airflow's own
deprecation message recommends.

Safe: the replacement computes the same value as the removed helper (``pendulum`` ships with
every Airflow). A start date that moves every day is still a bad idea; that is a separate
finding with a human decision (pick a fixed date), not something a codemod can choose.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._helpers import preferred_quote
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the replacement expression computes the same value as the removed helper"

PARAMETERS = ("n", "hour", "minute", "second", "microsecond")
UNITS = {"n": "days", "hour": "hours", "minute": "minutes", "second": "seconds", "microsecond": "microseconds"}
# Expressions that bind tighter than unary minus can be negated without parentheses.
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)


def plan(edit: Edit, planner: Planner) -> None:
    old = edit.fix.old
    calls = [c for c in planner.at(edit.location, cst.Call) if old in planner.qualnames(c.func)]
    call = planner.locate(edit.location, calls, f"call of {old}")
    replacement = _pendulum_date(planner, call)
    code = cst.Module([]).code_for_node(replacement)
    planner.replace(call, ("expr", code), lambda n, r=replacement: r.with_changes(lpar=n.lpar, rpar=n.rpar))
    planner.forget_binding_of(call.func)


def _pendulum_date(planner: Planner, call: cst.Call) -> cst.BaseExpression:
    bound = _bind(call)
    if "n" not in bound:
        raise CannotFix("days_ago() without a number of days")
    quote = preferred_quote(planner)
    pendulum = _module_reference(planner, "pendulum", call)
    today = f"{pendulum}.today({quote}UTC{quote})"
    parts = []
    for parameter in PARAMETERS:
        value = bound.get(parameter)
        if value is None or (isinstance(value, cst.Integer) and value.evaluated_value == 0):
            continue
        text = planner.code(value.with_changes(lpar=[], rpar=[])) if parameter == "n" else planner.code(value)
        if parameter == "n":
            text = f"-{text}" if isinstance(value, _ATOMS) else f"-({text})"
        parts.append(f"{UNITS[parameter]}={text}")
    return cst.parse_expression(f"{today}.add({', '.join(parts)})" if parts else today)


def _bind(call: cst.Call) -> dict[str, cst.BaseExpression]:
    """The call's arguments by ``days_ago``'s parameter names."""
    bound: dict[str, cst.BaseExpression] = {}
    for index, argument in enumerate(call.args):
        if argument.star:
            raise CannotFix("*args/**kwargs in the call; rewrite it by hand")
        if argument.keyword is None:
            if index >= len(PARAMETERS):
                raise CannotFix("more positional arguments than the function takes")
            bound[PARAMETERS[index]] = argument.value
        else:
            if argument.keyword.value not in PARAMETERS or argument.keyword.value in bound:
                raise CannotFix(f"unexpected argument {argument.keyword.value!r}")
            bound[argument.keyword.value] = argument.value
    return bound


def _module_reference(planner: Planner, module_path: str, at: cst.CSTNode) -> str:
    """``module_path`` as usable at ``at``: reuse its import, or schedule ``import module``."""
    top = module_path.split(".")[0]
    bound = planner.module_imports().get(top)
    if bound == top:
        if module_path != top:
            planner.add_import(module_path)
        return module_path
    if top in planner.all_names():
        raise CannotFix(f"the name {top!r} is taken; cannot import {module_path}")
    planner.add_import(module_path)
    planner.stage_binding(top, top)
    return module_path
