"""``append-base``: add a class as the last base of a module-level class.

Params: ``name``, the class to change (``RetryingOperator``), and ``base``, the dotted path of
the class to append (``airflow.utils.log.logging_mixin.LoggingMixin``).

The new base goes after the class's other bases and before its keywords (``metaclass=...``),
laid out as the separator between the last two bases is: on its own line when they are, without
the comments of the line it joins. It is referred to by an import the module already has, else
imported by name (joining a ``from`` import of its module), else, when that name is bound to
something else, by its dotted path under ``import module``; a class that already lists it is left
alone (a base twice is a TypeError).

Safe when the rule says so: API019 asks for ``LoggingMixin`` only where the operator's base is
BaseOperator itself, which derived from it on Airflow 2, so the class's MRO there is unchanged;
on Airflow 3 it comes right after BaseOperator again, whose ``__init__`` ends the arguments.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit, Planner, is_identifier

KIND = "append-base"
SAFETY = FixSafety.SAFE
RATIONALE = "the base is one the class's MRO already ended with on the Airflow the project came from"


def plan(edit: Edit, planner: Planner) -> None:
    name, base = edit.params.get("name"), edit.params.get("base")
    if not isinstance(name, str) or not is_identifier(name) or not isinstance(base, str) or "." not in base:
        raise CannotFix("fix data needs the class 'name' and the dotted 'base' to append")
    classes = [c for c in planner.at(edit.location, cst.ClassDef)
               if c.name.value == name and planner.parent(c) is planner.module]
    node = planner.locate(edit.location, classes, f"class {name}")
    if not node.bases:
        raise CannotFix(f"class {name} has no bases to append to")
    if any(base in planner.qualnames(arg.value) for arg in node.bases):
        raise CannotFix(f"class {name} lists {base.rpartition('.')[2]} already; move it to the end by hand")
    reference = planner.reference_to(base, node)
    planner.replace(node, ("append-base", base), lambda n: _appended(n, reference))


def _appended(node: cst.ClassDef, reference: cst.BaseExpression) -> cst.ClassDef:
    """``node`` with ``reference`` after its last base: the text that followed that base (its
    comment, the line break before ``)`` or the keywords) now follows the new one."""
    bases = list(node.bases)
    last = bases[-1]
    template = bases[-2].comma.whitespace_after if len(bases) > 1 else node.lpar.whitespace_after
    if isinstance(last.comma, cst.Comma):  # a trailing comma, or keywords after it
        stays, moves = _split(last.comma.whitespace_after, template)
        last = last.with_changes(comma=last.comma.with_changes(whitespace_after=stays))
        added = cst.Arg(reference, comma=cst.Comma(whitespace_after=moves))
        return node.with_changes(bases=[*bases[:-1], last, added])
    stays, moves = _split(node.rpar.whitespace_before, template)
    last = last.with_changes(comma=cst.Comma(whitespace_after=stays))
    return node.with_changes(bases=[*bases[:-1], last, cst.Arg(reference)],
                             rpar=node.rpar.with_changes(whitespace_before=moves))


def _split(after: cst.BaseParenthesizableWhitespace, template: cst.BaseParenthesizableWhitespace,
           ) -> tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]:
    """The whitespace ``after`` the last base cut in two: what stays after it (its comment, then
    the line break and indent ``template`` has between bases) and what follows the new base."""
    if isinstance(after, cst.ParenthesizedWhitespace) and isinstance(template, cst.ParenthesizedWhitespace):
        stays = after.with_changes(indent=template.indent, last_line=template.last_line)
        moves = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(newline=after.first_line.newline),
                                            indent=after.indent, last_line=after.last_line)
        return stays, moves
    return cst.SimpleWhitespace(" "), after
