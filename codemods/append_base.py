"""``append-base``: add classes as the last bases of a module-level class.

Params: ``name``, the class to change (``RetryingOperator``), and ``bases``, the dotted paths of
the classes to append, in order (``airflow.models.BaseOperator``,
``airflow.utils.log.logging_mixin.LoggingMixin``).

The new bases go after the class's other bases and before its keywords (``metaclass=...``),
laid out as the separator between the last two bases is: on its own line when they are, without
the comments of the line it joins. Each is referred to by an import the module already has, else
imported by name (joining a ``from`` import of its module), else, when that name is bound to
something else, by its dotted path under ``import module``. A base the class lists already is not
added again (a base twice is a TypeError): a class whose bases end with some of them gets the
rest, and a second pass changes nothing. A class that lists one of them elsewhere is refused:
the given order is one the MRO needs (a class before its own bases: BaseOperator derives from
LoggingMixin on Airflow 2, so LoggingMixin before it is a TypeError there), and the proof of
safety below holds only for bases that come last.

Safe when the rule says so: API019 asks for ``BaseOperator, LoggingMixin`` only after an
operator's base that comes last, and that MRO already held both, in that order, after every
listed base on Airflow 2, so it is unchanged there (C3 picks the same class at each step when
the constraints added already hold in its result); on Airflow 3 LoggingMixin then comes right
after BaseOperator, whose ``__init__`` ends the arguments.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the bases are ones the class's MRO already held, in that order, after every listed base on the Airflow the project came from"


def plan(edit: Edit, planner: Planner) -> None:
    name, bases = edit.fix.name, edit.fix.bases
    classes = [c for c in planner.at(edit.location, cst.ClassDef)
               if c.name.value == name and planner.parent(c) is planner.module]
    node = planner.locate(edit.location, classes, f"class {name}")
    if not node.bases:
        raise CannotFix(f"class {name} has no bases to append to")
    listed = [planner.qualnames(arg.value) for arg in node.bases]
    # How many of ``bases`` the class ends with already (a second pass ends with all of them).
    done = max(count for count in range(min(len(bases), len(listed)) + 1)
               if all(base in names for base, names in zip(bases[:count], listed[len(listed) - count:])))
    missing = bases[done:]
    if not missing:
        return
    elsewhere = [base for base in missing if any(base in names for names in listed)]
    if elsewhere:
        raise CannotFix(f"class {name} lists {', '.join(map(_short, elsewhere))} already, not as its last bases; "
                        f"list {', '.join(map(_short, bases))} last, in that order, by hand")
    references = [planner.reference_to(base, node) for base in missing]
    planner.replace(node, ("append-base", *missing), lambda n: _appended(n, references))


def _short(dotted: str) -> str:
    return dotted.rpartition(".")[2]


def _appended(node: cst.ClassDef, references: list[cst.BaseExpression]) -> cst.ClassDef:
    """``node`` with ``references`` after its last base: the text that followed that base (its
    comment, the line break before ``)`` or the keywords) now follows the last new one."""
    bases = list(node.bases)
    last = bases[-1]
    template = bases[-2].comma.whitespace_after if len(bases) > 1 else node.lpar.whitespace_after
    trailing = isinstance(last.comma, cst.Comma)  # a trailing comma, or keywords after it
    stays, moves = _split(last.comma.whitespace_after if trailing else node.rpar.whitespace_before, template)
    separators = [_between(template)] * (len(references) - 1) + [moves]
    added = [cst.Arg(reference, comma=cst.Comma(whitespace_after=separator))
             for reference, separator in zip(references, separators)]
    if trailing:
        last = last.with_changes(comma=last.comma.with_changes(whitespace_after=stays))
        return node.with_changes(bases=[*bases[:-1], last, *added])
    last = last.with_changes(comma=cst.Comma(whitespace_after=stays))
    added[-1] = added[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(bases=[*bases[:-1], last, *added], rpar=node.rpar.with_changes(whitespace_before=moves))


def _split(after: cst.BaseParenthesizableWhitespace, template: cst.BaseParenthesizableWhitespace,
           ) -> tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]:
    """The whitespace ``after`` the last base cut in two: what stays after it (its comment, then
    the line break and indent ``template`` has between bases) and what follows the new bases."""
    if isinstance(after, cst.ParenthesizedWhitespace) and isinstance(template, cst.ParenthesizedWhitespace):
        stays = after.with_changes(indent=template.indent, last_line=template.last_line)
        moves = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(newline=after.first_line.newline),
                                            indent=after.indent, last_line=after.last_line)
        return stays, moves
    return cst.SimpleWhitespace(" "), after


def _between(template: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """What goes between two new bases: the line break and indent ``template`` has, without its comment."""
    if isinstance(template, cst.ParenthesizedWhitespace):
        return template.with_changes(first_line=cst.TrailingWhitespace(newline=template.first_line.newline),
                                     empty_lines=())
    return cst.SimpleWhitespace(" ")
