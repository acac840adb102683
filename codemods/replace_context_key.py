"""``replace-context-key``: read a task-context key under its new name.

Params: ``old`` and ``new`` (context key names), e.g. ``execution_date`` -> ``logical_date``.
``new`` may also be a Jinja expression (``data_interval_end | ds``); such a value is only used
inside templates, parenthesised.

Where the key is read:
- ``context["old"]``, ``kwargs.get("old")``, ``"old" in context``: the string literal changes,
  keeping its quotes;
- a Jinja template in a string literal (``"{{ execution_date }}"``): every context read of the
  key in the template is rewritten; attributes (``dag_run.execution_date``), filters, keyword
  argument names and names the template defines itself are left alone;
- a callable's parameter named after the key (``def load(execution_date, **context)``, which
  ``PythonOperator`` fills from the context): the parameter and its uses in the function are
  renamed when the new name is free there;
- template files (``.sql``, ``.sh``, ...) are rewritten by ``rewrite_template`` through the
  file fixer, on the lines of the finding.

Safe: the fix data is only given for keys with an exact equivalent on the target
(``logical_date`` is the value ``execution_date`` held); keys without one stay findings.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment

from migrator.analysis.jinja import has_template, template_names
from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._nodes import is_identifier, string_value, with_string_value
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the new key holds exactly the value the removed key held"


def plan(edit: Edit, planner: Planner) -> None:
    old, new = edit.fix.old, edit.fix.new
    candidates: list[cst.CSTNode] = []
    for node in planner.at(edit.location, cst.SimpleString):
        value = string_value(node)
        if value == old or (value is not None and has_template(value)
                            and any(n.name == old for n in template_names(value))):
            candidates.append(node)
    candidates += [p for p in planner.at(edit.location, cst.Param) if p.name.value == old]
    node = planner.locate(edit.location, candidates, f"read of context key {old!r}")
    if isinstance(node, cst.Param):
        _rename_parameter(planner, node, old, new)
        return
    if string_value(node) == old:
        if not is_identifier(new):
            raise CannotFix(f"{new!r} is a template expression; the key read here needs a human")
        planner.replace(node, ("string", new), lambda n: with_string_value(n, new))
        return
    if not _rewrite_literal(node.value, node, old, new)[1]:
        raise CannotFix(f"no template read of {old!r} here")
    if node.quote[0] in (new if not is_identifier(new) else ""):
        raise CannotFix("the replacement would need the string's own quote character")
    # Rewrites of different keys in one string compose (each works on the text so far).
    planner.replace(node, (f"template:{old}", new),
                    lambda n: n.with_changes(value=_rewrite_literal(n.value, n, old, new)[0]))


def _rewrite_literal(value: str, node: cst.SimpleString, old: str, new: str) -> tuple[str, int]:
    """The literal's source with the template reads of ``old`` replaced (prefix and quotes kept)."""
    start = len(node.prefix) + len(node.quote)
    end = len(value) - len(node.quote)
    body, count = rewrite_template(value[start:end], old, new)
    return value[:start] + body + value[end:], count


def rewrite_template(text: str, old: str, new: str) -> tuple[str, int]:
    """Replace every context read of ``old`` in the Jinja template ``text``; returns (text, count)."""
    replacement = new if is_identifier(new) else f"({new.strip()})"
    pieces, position, count = [], 0, 0
    for read in template_names(text):
        if read.name != old:
            continue
        pieces += [text[position:read.start], replacement]
        position = read.end
        count += 1
    pieces.append(text[position:])
    return "".join(pieces), count


def _rename_parameter(planner: Planner, parameter: cst.Param, old: str, new: str) -> None:
    if not is_identifier(new):
        raise CannotFix(f"{new!r} is not a name; rename the parameter by hand")
    function = planner.parent(planner.parent(parameter))
    if not isinstance(function, (cst.FunctionDef, cst.Lambda)):
        raise CannotFix("the parameter does not belong to a function")
    body_scope = planner.scope(function.body)
    if body_scope is None:
        raise CannotFix("cannot resolve the function's names")
    if body_scope.assignments[new] or body_scope.accesses[new] or \
            any(p.name.value == new for p in _parameters(function)):
        raise CannotFix(f"{new!r} is already used in the function")
    accesses = [access for assignment in body_scope.assignments[old]
                if isinstance(assignment, Assignment) and assignment.node is parameter
                for access in assignment.references]
    if any(not isinstance(a.node, cst.Name) for a in accesses):
        raise CannotFix(f"{old!r} is used in a string annotation; rename it by hand")
    planner.replace(parameter.name, ("rename", new), lambda n: n.with_changes(value=new))
    for access in accesses:
        planner.replace(access.node, ("rename", new), lambda n: n.with_changes(value=new))


def _parameters(function: cst.FunctionDef | cst.Lambda) -> list[cst.Param]:
    params = function.params
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            found.append(star)
    return found
