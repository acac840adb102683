"""``end-init-chain``: end an operator's ``__init__`` chain before the mixins listed after its base.

Params: ``name``, the module-level class to change (``AlertingOperator``), and ``mixin``, the
dotted name of the first base the chain must not reach (the mixin listed right after the
operator's base).

The class gains the base ``_InitChainEnd`` right before ``mixin``; the module gains that class,
defined once above its first module-level class, with an ``__init__`` that calls nothing
further. A class that lists ``_InitChainEnd`` already is left as it is, and a module that
defines a module-level class of that name keeps it (a second pass changes nothing); a module
that binds the name to anything else is refused.

Safe when API019 asks for it: Airflow 3's BaseOperator ``__init__`` ends with
``super().__init__()`` and the Task SDK's ``GenericDAGNode.__init__`` after it calls on too,
so the chain reaches the mixins after the operator's classes with no arguments; on Airflow 2 it
ended at LoggingMixin, a base of BaseOperator, and the operator initialised its mixins by its
own explicit calls. ``_InitChainEnd`` sits right after the operator's classes in the MRO (C3
puts every class of the operator's base first), so on Airflow 3 the chain ends where Airflow 2's
did. On Airflow 2 nothing that loaded reaches it: API019 asks only where a chain reaching that
place would call a mixin ``__init__`` without arguments it requires, a TypeError. An explicit
``Mixin.__init__(self, ...)`` call goes on from the mixin, after ``_InitChainEnd``, as before.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety
from migrator.fixes import EndInitChain

from ._core import CannotFix, Edit
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = ("on the Airflow the project came from, BaseOperator's __init__ chain ended before the mixins too, "
             "and any call that reached them there without arguments was a TypeError")

CHAIN_END = "_InitChainEnd"
_CHAIN_END_CLASS = f'''\
class {CHAIN_END}:
    """Ends the operator's __init__ chain here, before the mixins listed after this class.

    Airflow 3's BaseOperator.__init__ calls super().__init__() on through the class's MRO, which
    would call those mixins without the arguments they require. The operator initialises them
    with its own explicit calls, and Airflow 2's chain ended before them too (at LoggingMixin).
    """

    def __init__(self, *args, **kwargs):
        pass
'''


def plan(edit: Edit, planner: Planner) -> None:
    name, mixin = edit.fix.name, edit.fix.mixin
    classes = [c for c in planner.at(edit.location, cst.ClassDef)
               if c.name.value == name and planner.parent(c) is planner.module]
    node = planner.locate(edit.location, classes, f"class {name}")
    listed = [arg.value for arg in node.bases]
    if any(isinstance(base, cst.Name) and base.value == CHAIN_END for base in listed):
        return
    defined = [s for s in planner.module.body if isinstance(s, cst.ClassDef)]
    # A class of the module itself is named by the rule with the module's dotted name in front.
    own = {c.name.value for c in defined if c.name.value == _short(mixin)}
    at = next((i for i, base in enumerate(listed) if mixin in planner.qualnames(base)
               or own & planner.qualnames(base)), None)
    if at is None or at == 0:
        raise CannotFix(f"class {name} does not list {_short(mixin)} after the operator's base")
    if not any(c.name.value == CHAIN_END for c in defined):
        if CHAIN_END in planner.all_names():
            raise CannotFix(f"the module binds {CHAIN_END!r} to something other than a class")
        planner.shared(planner.module, EndInitChain.kind, _DefineChainEnd)
    planner.replace(node, (EndInitChain.kind, mixin), lambda n: _with_chain_end(n, at))


def _short(dotted: str) -> str:
    return dotted.rpartition(".")[2]


def _with_chain_end(node: cst.ClassDef, at: int) -> cst.ClassDef:
    """``node`` with ``_InitChainEnd`` listed before its base ``at``, on a line of its own when
    the bases are (without the comment of the line before)."""
    bases = list(node.bases)
    comma = bases[at - 1].comma
    after = comma.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace):
        after = after.with_changes(first_line=cst.TrailingWhitespace(newline=after.first_line.newline),
                                   empty_lines=())
    added = cst.Arg(cst.Name(CHAIN_END), comma=comma.with_changes(whitespace_after=after))
    return node.with_changes(bases=[*bases[:at], added, *bases[at:]])


class _DefineChainEnd:
    """The module's one definition of ``_InitChainEnd``, above its first module-level class
    (every class the fix changes is at or after it)."""

    def apply(self, module: cst.Module) -> cst.Module:
        body = list(module.body)
        at = next(i for i, statement in enumerate(body) if isinstance(statement, cst.ClassDef))
        spacing = (cst.EmptyLine(), cst.EmptyLine()) if at else ()
        # The docstring's line breaks are the module's too.
        definition = cst.parse_statement(_CHAIN_END_CLASS.replace("\n", module.default_newline),
                                         config=module.config_for_parsing).with_changes(leading_lines=spacing)
        first = body[at]
        if not first.leading_lines:
            body[at] = first.with_changes(leading_lines=(cst.EmptyLine(), cst.EmptyLine()))
        return module.with_changes(body=[*body[:at], definition, *body[at:]])

    def snapshot(self) -> None:
        return None

    def restore(self, saved: None) -> None:
        return None
