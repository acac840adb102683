"""``replace-call``: replace a call to a removed helper with an equivalent expression.

Params: ``template`` and optionally ``old`` (the dotted path of the function called).

- ``template: "days_ago"`` (also chosen when ``old`` ends in ``.days_ago`` and no template is
  given): ``days_ago(n, hour=h, ...)`` becomes ``pendulum.today("UTC").add(days=-n, hours=h, ...)``,
  an explicit UTC-aware datetime computed exactly as ``airflow.utils.dates.days_ago`` did
  (midnight UTC today, shifted), which Airflow's own deprecation message recommends.
- any other template is a Python expression with ``{0}``, ``{1}``... for the call's positional
  arguments and ``{name}`` for its keyword arguments (their source text, parenthesised when
  needed); ``imports`` lists the modules the expression names (``import x`` each).

Safe: the replacement computes the same value as the removed helper (``pendulum`` ships with
every Airflow). A start date that moves every day is still a bad idea; that is a separate
finding with a human decision (pick a fixed date), not something a codemod can choose.
"""

from __future__ import annotations

import io
import tokenize

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit, Planner

KIND = "replace-call"
SAFETY = FixSafety.SAFE
RATIONALE = "the replacement expression computes the same value as the removed helper"

DAYS_AGO_PARAMETERS = ("n", "hour", "minute", "second", "microsecond")
DAYS_AGO_UNITS = {"n": "days", "hour": "hours", "minute": "minutes", "second": "seconds",
                  "microsecond": "microseconds"}
# Expressions that bind tighter than unary minus can be negated without parentheses.
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)


def plan(edit: Edit, planner: Planner) -> None:
    old = edit.params.get("old")
    template = edit.params.get("template")
    if template is None and isinstance(old, str) and old.endswith(".days_ago"):
        template = "days_ago"
    if not isinstance(template, str) or not template:
        raise CannotFix("fix data needs a 'template'")
    calls = planner.at(edit.location, cst.Call)
    if isinstance(old, str) and old:
        calls = [c for c in calls if old in planner.qualnames(c.func)]
    call = planner.locate(edit.location, calls, f"call of {old or 'the function'}")
    if template == "days_ago":
        replacement = _days_ago(planner, call)
    else:
        replacement = _from_template(planner, call, template, edit.params.get("imports") or ())
    code = cst.Module([]).code_for_node(replacement)
    planner.replace(call, ("expr", code), lambda n, r=replacement: r.with_changes(lpar=n.lpar, rpar=n.rpar))
    planner.forget_binding_of(call.func)


def _bind(call: cst.Call, parameters: tuple[str, ...]) -> dict[str, cst.BaseExpression]:
    bound: dict[str, cst.BaseExpression] = {}
    for index, argument in enumerate(call.args):
        if argument.star:
            raise CannotFix("*args/**kwargs in the call; rewrite it by hand")
        if argument.keyword is None:
            if index >= len(parameters):
                raise CannotFix("more positional arguments than the function takes")
            bound[parameters[index]] = argument.value
        else:
            if argument.keyword.value not in parameters or argument.keyword.value in bound:
                raise CannotFix(f"unexpected argument {argument.keyword.value!r}")
            bound[argument.keyword.value] = argument.value
    return bound


def _days_ago(planner: Planner, call: cst.Call) -> cst.BaseExpression:
    bound = _bind(call, DAYS_AGO_PARAMETERS)
    if "n" not in bound:
        raise CannotFix("days_ago() without a number of days")
    quote = preferred_quote(planner)
    pendulum = _module_reference(planner, "pendulum", call)
    today = f"{pendulum}.today({quote}UTC{quote})"
    parts = []
    for parameter in DAYS_AGO_PARAMETERS:
        value = bound.get(parameter)
        if value is None or (isinstance(value, cst.Integer) and value.evaluated_value == 0):
            continue
        text = planner.code(value.with_changes(lpar=[], rpar=[])) if parameter == "n" else planner.code(value)
        if parameter == "n":
            text = f"-{text}" if isinstance(value, _ATOMS) else f"-({text})"
        parts.append(f"{DAYS_AGO_UNITS[parameter]}={text}")
    return cst.parse_expression(f"{today}.add({', '.join(parts)})" if parts else today)


def _from_template(planner: Planner, call: cst.Call, template: str, imports) -> cst.BaseExpression:
    positional = [planner.code(a.value) for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: planner.code(a.value) for a in call.args if a.keyword is not None}
    if any(a.star for a in call.args):
        raise CannotFix("*args/**kwargs in the call; rewrite it by hand")
    wrap = [f"({text})" if "\n" in text or " " in text.strip() else text for text in positional]
    try:
        text = template.format(*wrap, **{k: f"({v})" if " " in v.strip() else v for k, v in keywords.items()})
    except (IndexError, KeyError) as exc:
        raise CannotFix(f"the call lacks the argument {exc} the replacement needs") from None
    for module_path in imports if isinstance(imports, (list, tuple)) else ():
        _module_reference(planner, str(module_path), call)
    try:
        return cst.parse_expression(text)
    except cst.ParserSyntaxError:
        raise CannotFix("the replacement template is not a Python expression") from None


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


def preferred_quote(planner: Planner) -> str:
    """The quote character most one-line string literals in the module use (new code matches
    it). Read from the tokens: laying out the whole tree to count them cost more than the fix."""
    single = double = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(planner.command.source).readline):
            if token.type == tokenize.STRING:
                body = token.string.lstrip("rRbBuU")
                if body[:1] in ("'", '"') and body[:3] not in ("'''", '"""'):  # f-strings keep their f
                    single += body[0] == "'"
                    double += body[0] == '"'
    except (tokenize.TokenError, SyntaxError):
        pass  # the counts so far decide
    return "'" if single > double else '"'
