"""``drop-dag-from-chain``: take a DAG out of a ``>>`` / ``<<`` dependency chain.

Params: ``dag``, the name the DAG is bound to. The ``>>``/``<<`` operation at the location
that has that name as one operand is replaced by its other operand, so ``dag >> extract >> load``
becomes ``extract >> load`` and ``extract >> dag`` becomes ``extract`` (a line that was only
``dag >> task`` becomes ``task``: a no-op, left where the reader expects it). Comments written
between the DAG and the task move to the start of the enclosing parentheses; where they
cannot go (a comment beside a DAG that ends a chain), the fix is refused.

Airflow 1.10 read ``dag >> task`` as "assign the DAG to the task"; Airflow 2 and later raise
AttributeError ('DAG' object has no attribute 'update_relative') when the file is parsed.
Safe where the rule says so: dropping the operand is exact when the task already gets the DAG
otherwise (``dag=`` or a ``with DAG`` block); API017 marks its fix unsafe when it cannot tell.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the rule offers it as safe only when the task already gets the DAG otherwise"

_SHIFTS = (cst.RightShift, cst.LeftShift)


def _named(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name and not node.lpar


def _has_comment(node: cst.CSTNode) -> bool:
    found = []

    class Comments(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment)

    node.visit(Comments())
    return bool(found)


def _leading_parentheses(planner: Planner, operation: cst.BinaryOperation) -> cst.BaseExpression | None:
    """The nearest parenthesised expression ``operation`` starts (its first operand's start)."""
    node: cst.CSTNode = operation
    for parent in planner.ancestors(node):
        if not (isinstance(parent, cst.BinaryOperation) and parent.left is node):
            return None
        if parent.lpar:
            return parent
        node = parent
    return None


def plan(edit: Edit, planner: Planner) -> None:
    dag = edit.fix.dag
    candidates = [n for n in planner.at(edit.location, cst.BinaryOperation)
                  if isinstance(n.operator, _SHIFTS) and (_named(n.left, dag) or _named(n.right, dag))]
    operation = planner.locate(edit.location, candidates, f"{dag} >> / << operation")
    dag_on_left = _named(operation.left, dag)
    if dag_on_left and _named(operation.right, dag):
        raise CannotFix(f"{dag} on both sides")
    between = operation.operator
    if _has_comment(between):
        if not dag_on_left:
            raise CannotFix(f"a comment beside the {dag} that ends the chain; take it out by hand")
        outer = operation if operation.lpar else _leading_parentheses(planner, operation)
        opening = outer.lpar[0] if outer is not None else None
        if opening is None or _has_comment(opening) or not isinstance(between.whitespace_before,
                                                                       cst.ParenthesizedWhitespace):
            raise CannotFix(f"comments between {dag} and the task have nowhere to go; fix by hand")
        moved = between.whitespace_before
        if outer is not operation:
            planner.replace(outer, ("lead-comments", dag),
                            lambda node: node.with_changes(lpar=[node.lpar[0].with_changes(whitespace_after=moved),
                                                                 *node.lpar[1:]]))

    def replaced(node: cst.BinaryOperation) -> cst.BaseExpression:
        keep = node.right if dag_on_left else node.left
        lpar = list(node.lpar)
        if lpar and _has_comment(between) and dag_on_left:
            lpar[0] = lpar[0].with_changes(whitespace_after=between.whitespace_before)
        # The operation's own parentheses now hold the operand that is left.
        return keep.with_changes(lpar=[*lpar, *keep.lpar], rpar=[*keep.rpar, *node.rpar])

    planner.replace(operation, ("operand", dag), replaced)
