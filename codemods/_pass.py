"""What every codemod shares: finding a finding's node, staging edits, and the one LibCST pass.

A finding points at a span of source (1-based line and character column, exclusive end, as
``ast`` sees it). ``FixCommand`` parses the file once with LibCST, asks each codemod to *plan*
its edit against that tree (locating nodes by position, reading bindings), then transforms the
tree once, applying every planned node operation on the way up. New imports are added after
the pass (``_imports``). Imports the edits leave unused are removed in the pass itself,
decided from the bindings: every use of the binding is replaced or removed by a planned
operation. (LibCST's ``RemoveImportsVisitor`` re-analyses the whole transformed module, which
tripled the cost of a fix, and keeps ``import a.b.c`` while ``a`` is used anywhere, which on
Airflow 3 leaves an import that fails.)

Metadata is the expensive part of a fix, so each piece is computed only where an edit needs
it: positions and parents per top-level statement (``Layout``); bindings from an ``ast``
census of the module (``_bindings``), with LibCST's scope analysis only for the names the
census cannot answer for; and the transform descends only into what an operation touches.

Each edit is a transaction: if its codemod raises ``CannotFix`` nothing it staged is kept, and
an edit whose node operation contradicts another edit's is refused rather than half-applied.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import cached_property
from typing import Any

import libcst as cst

from migrator.findings import Fix

from ._bindings import ModuleBindings
from ._core import Edit, NodeResult
from ._imports import ImportRequest, add_imports, is_import_line
from ._layout import Layout
from ._planner import Planner
from ._staging import NodeOps

# -- the pass ---------------------------------------------------------------------------------


class FixCommand:
    """Plans every edit of one file, then applies them all in a single LibCST transform.

    Not a LibCST codemod command: their matcher machinery costs more to set up per file than
    a small file's whole fix."""

    def __init__(self, source: str, edits: Sequence[Edit],
                 planners: Mapping[type[Fix], Callable[[Edit, Planner], None]],
                 order: Callable[[Edit], Any], census: ModuleBindings | None = None,
                 rest: str | None = None, cut: int | None = None) -> None:
        self.imports_to_add: list[ImportRequest] = []
        self.planner: Planner | None = None
        self.source = source  # the whole file's text
        self.census = census if census is not None else ModuleBindings.of(source)
        # The text after the parsed top of the file, and the line it starts at (None: the whole
        # file was parsed). Questions about it raise NeedWholeModule.
        self.rest = rest
        self.cut = cut
        self.edits = edits
        self.planners = planners
        self.order = order
        self.refused: dict[Hashable, str] = {}
        self.staged: set[Hashable] = set()

    @cached_property
    def line_starts(self) -> list[int] | None:
        """The first line of each statement of the parsed module, from the census: when only
        the top of the file is parsed, those above the cut and the placeholder at the cut."""
        if self.census is None:
            return None
        if self.cut is None:
            return self.census.line_starts
        return [line for line in self.census.line_starts if line < self.cut] + [self.cut]

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """The pass (its metadata computed on demand, see ``Planner``), then the new imports."""
        tree = self.transform_module_impl(tree)
        return add_imports(tree, self.imports_to_add) if self.imports_to_add else tree

    def code(self, new: cst.Module, parsed: str) -> str:
        """The text of ``new``, the module this command's pass returned from ``parsed``."""
        return self.planner.layout.code_of(new, parsed) if self.planner else new.code

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        planner = self.planner = Planner(self, tree)
        for edit in sorted(self.edits, key=self.order):
            plan = self.planners.get(type(edit.fix))
            if plan is None:
                self.refused[edit.key] = f"no codemod for fix kind {edit.fix.kind!r}"
                continue
            reason = planner.run(edit, plan)
            if reason is None:
                self.staged.add(edit.key)
            else:
                self.refused[edit.key] = reason
        planner.remove_unused_imports()
        if not planner.operations:
            return tree
        return tree.visit(_ApplyOperations(planner.operations, planner.layout))


class _ApplyOperations(cst.CSTTransformer):
    """The transform itself: a plain transformer (the codemod command's matcher machinery
    costs more than the edits), applying each node's operations on the way up."""

    def __init__(self, ops: Mapping[cst.CSTNode, NodeOps], layout: Layout) -> None:
        super().__init__()
        self._ops = ops
        self._produced: dict[cst.CSTNode, int] = {}  # statement -> statements it became (0 = removed)
        # Only the ancestors of operated nodes are descended into; everything else stays as is.
        self._touched: set[cst.CSTNode] = set()
        for node in ops:
            parent = layout.parent(node)
            while parent is not None and parent not in self._touched:
                self._touched.add(parent)
                parent = layout.parent(parent)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node in self._touched

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> NodeResult:
        if original_node not in self._touched and original_node not in self._ops:
            return updated_node
        result = updated_node
        if isinstance(result, cst.CSTNode):
            result = _repair_removals(original_node, result, self._ops)
            if isinstance(original_node, (cst.Module, cst.IndentedBlock)) and self._produced:
                result = self._keep_leading_lines(original_node, result)
        entry = self._ops.get(original_node)
        if entry is None:
            return result
        if entry.remove:
            result = cst.RemovalSentinel.REMOVE
        else:
            for op in entry.ops:
                if not isinstance(result, cst.CSTNode):
                    break
                result = op(result)
        if isinstance(original_node, cst.BaseStatement):
            self._produced[original_node] = (0 if isinstance(result, cst.RemovalSentinel) else
                                             len(result.nodes) if isinstance(result, cst.FlattenSentinel) else 1)
        return result

    def _keep_leading_lines(self, original: cst.Module | cst.IndentedBlock, updated: cst.CSTNode) -> cst.CSTNode:
        """A removed statement's blank lines and comments above it stay, above what follows."""
        body = list(updated.body)
        position, carried = 0, []
        for statement in original.body:
            produced = self._produced.get(statement, 1)
            if produced == 0:
                carried += list(statement.leading_lines)
                continue
            if carried and position < len(body):
                following = body[position]
                if not is_import_line(following):
                    # A comment over a removed import labelled it (or its group, which ends
                    # here): it would mislabel the code that follows.
                    carried = [line for line in carried if line.comment is None]
                own = list(following.leading_lines)
                if own:  # its own separation wins; only the removed lines' comments join it
                    first_comment = next((i for i, line in enumerate(carried) if line.comment), len(carried))
                    carried = carried[first_comment:]
                body[position] = following.with_changes(leading_lines=[*carried, *own])
                carried = []
            position += produced
        return updated.with_changes(body=body) if body != list(updated.body) else updated


def _removed(node: cst.CSTNode, ops: Mapping[cst.CSTNode, NodeOps]) -> bool:
    entry = ops.get(node)
    return entry is not None and entry.remove


_OPENING = {cst.Dict: "lbrace", cst.Set: "lbrace", cst.List: "lbracket"}
_CLOSING = {cst.Dict: "rbrace", cst.Set: "rbrace", cst.List: "rbracket"}


def _repair_removals(original: cst.CSTNode, updated: cst.CSTNode,
                     ops: Mapping[cst.CSTNode, NodeOps]) -> cst.CSTNode:
    """Keep commas, the brackets' whitespace and comments right after removals.

    LibCST drops a removed element with its own comma, so removing the last argument of
    ``f(a, b=1)`` would leave ``f(a, )``: the new last element takes over the removed last
    element's comma and trailing whitespace instead. A removed decorator's own comment lines
    move to whatever follows it.
    """
    if isinstance(original, cst.Call):
        args, _, opening = _repair_sequence(original.args, updated.args, ops, True)
        updated = updated.with_changes(args=args)
        if opening is not None:
            updated = updated.with_changes(
                whitespace_before_args=_merge_lines(updated.whitespace_before_args, opening))
        return updated
    if isinstance(original, (cst.Dict, cst.Set, cst.List)):
        elements, carried, opening = _repair_sequence(original.elements, updated.elements, ops, False)
        updated = updated.with_changes(elements=elements)
        if opening is not None:
            bracket = getattr(updated, _OPENING[type(original)])
            updated = updated.with_changes(**{_OPENING[type(original)]: bracket.with_changes(
                whitespace_after=_merge_lines(bracket.whitespace_after, opening))})
        if carried is not None:
            # The comment after the new last element's comma now sits before the closing bracket.
            bracket = getattr(updated, _CLOSING[type(original)])
            before = bracket.whitespace_before
            if isinstance(before, cst.ParenthesizedWhitespace):
                before = before.with_changes(first_line=carried)
            else:
                before = cst.ParenthesizedWhitespace(first_line=carried, indent=True)
            updated = updated.with_changes(**{_CLOSING[type(original)]: bracket.with_changes(whitespace_before=before)})
        return updated
    if isinstance(original, cst.Tuple):
        elements, _, _ = _repair_sequence(original.elements, updated.elements, ops, False)
        return updated.with_changes(elements=elements)
    if isinstance(original, (cst.FunctionDef, cst.ClassDef)) and any(_removed(d, ops) for d in original.decorators):
        return _repair_decorators(original, updated, ops)
    return updated


def _repair_sequence(original: Sequence[cst.CSTNode], updated: Sequence[cst.CSTNode],
                     ops: Mapping[cst.CSTNode, NodeOps], is_args: bool
                     ) -> tuple[Sequence[cst.CSTNode], cst.TrailingWhitespace | None, Any]:
    """Commas and line comments around removed elements.

    The whitespace after an element's comma holds, in order: the comment on that element's own
    line (which stays with it), comment lines above the next element (which go with the next
    element), and the next element's indentation. Returns the new elements; for brackets that
    own their closing line break, the own-line comment to move before the closing bracket; and
    when the first elements went, the whitespace (with comment lines) the opening bracket
    must now end with.
    """
    if not any(_removed(o, ops) for o in original):
        return updated, None, None
    result = list(updated)
    carried = opening = None
    survivors = 0
    for index, element in enumerate(original):
        if not _removed(element, ops):
            survivors += 1
            continue
        if survivors == 0:
            # Removing the first elements: comment lines above the next one move up to the
            # opening bracket (the bracket keeps its layout otherwise).
            after = element.comma.whitespace_after if isinstance(element.comma, cst.Comma) else None
            if isinstance(after, cst.ParenthesizedWhitespace) and any(line.comment for line in after.empty_lines):
                opening = after
            continue
        previous = result[survivors - 1]
        if any(not _removed(o, ops) for o in original[index + 1:]):
            # In the middle: comment lines above the removed element go with it.
            if isinstance(previous.comma, cst.Comma) and isinstance(element.comma, cst.Comma):
                previous = previous.with_changes(comma=previous.comma.with_changes(
                    whitespace_after=_merge_lines(previous.comma.whitespace_after, element.comma.whitespace_after)))
        elif index == len(original) - 1:
            previous, carried = _take_ending(previous, element, is_args)
        result[survivors - 1] = previous
    return result, carried, opening


def _take_ending(previous: cst.CSTNode, last: cst.CSTNode, is_args: bool
                 ) -> tuple[cst.CSTNode, cst.TrailingWhitespace | None]:
    """``previous`` becomes the last element: it ends the way the removed last element did."""
    mine = previous.comma.whitespace_after if isinstance(previous.comma, cst.Comma) else None
    if not is_args:
        # Literals: the closing bracket owns the line break, so an own-line comment moves there.
        carried = mine.first_line if _inline_comment(mine) else None
        comma = last.comma
        if isinstance(comma, cst.Comma) and mine is not None:
            rest = comma.whitespace_after
            comma = comma.with_changes(whitespace_after=_merge_lines(mine, rest) if carried is None or
                                       isinstance(rest, cst.ParenthesizedWhitespace) else rest)
            if isinstance(rest, cst.ParenthesizedWhitespace):
                carried = None
        return previous.with_changes(comma=comma), carried
    if isinstance(last.comma, cst.Comma):
        comma = last.comma
        if mine is not None:
            comma = comma.with_changes(whitespace_after=_merge_lines(mine, comma.whitespace_after))
        return previous.with_changes(comma=comma, whitespace_after_arg=last.whitespace_after_arg), None
    ending = last.whitespace_after_arg
    if mine is not None:
        ending = _merge_lines(mine, ending)
    return previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=ending), None


def _inline_comment(whitespace: Any) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and whitespace.first_line.comment is not None


def _merge_lines(keep: Any, rest: Any) -> Any:
    """Whitespace with ``keep``'s own-line comment and everything after the first line from ``rest``."""
    if isinstance(rest, cst.ParenthesizedWhitespace):
        if isinstance(keep, cst.ParenthesizedWhitespace):
            return rest.with_changes(first_line=keep.first_line)
        return rest
    if _inline_comment(keep):  # the comment needs its line break; keep the old line layout
        return keep.with_changes(empty_lines=[])
    return rest


def _repair_decorators(original: cst.FunctionDef | cst.ClassDef, updated: cst.FunctionDef | cst.ClassDef,
                       ops: Mapping[cst.CSTNode, NodeOps]) -> cst.CSTNode:
    survivors = iter(updated.decorators)
    decorators: list[cst.Decorator] = []
    carried: list[cst.EmptyLine] = []
    for decorator in original.decorators:
        if _removed(decorator, ops):
            carried += [line for line in decorator.leading_lines if line.comment is not None]
            continue
        kept = next(survivors)
        if carried:
            kept = kept.with_changes(leading_lines=[*carried, *kept.leading_lines])
            carried = []
        decorators.append(kept)
    changes: dict[str, Any] = {"decorators": decorators}
    if carried:
        changes["lines_after_decorators"] = [*carried, *updated.lines_after_decorators]
        if not decorators:  # no decorator left: the comments go before the def itself
            changes = {"decorators": [], "leading_lines": [*updated.leading_lines, *carried],
                       "lines_after_decorators": updated.lines_after_decorators}
    return updated.with_changes(**changes)


