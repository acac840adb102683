"""Adding the imports a file's fixes need, after the module's leading import block.

Placement and merging follow LibCST's ``AddImportsVisitor``, so a fix reads like any LibCST
codemod's: an import the leading block already has is not repeated; names from a module
the block already imports from join that statement, in front and sorted; the rest become new
statements right after the block (``import m`` sorted by module, then one ``from m import ...``
per module, names sorted), and the first statement after them gets a blank line above it. The
visitor itself is not used because setting up its matchers cost more per file than most
files' whole fix. Fixes add neither aliases nor ``__future__`` imports, so neither is handled.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node

ImportRequest = tuple[str, str | None]  # module, and the object imported from it (None: the module)


def add_imports(tree: cst.Module, requests: Sequence[ImportRequest]) -> cst.Module:
    body = list(tree.body)
    start = 1 if body and _docstring_or_strict_flag(body[0]) else 0
    end = start
    while end < len(body) and is_import_line(body[end]):
        end += 1
    wanted = _Wanted(requests)
    for line in body[start:end]:
        wanted.discard_present(line.body[0])
    for index in range(start, end):  # names joining an existing ``from m import`` statement
        statement = body[index].body[0]
        if isinstance(statement, cst.ImportFrom):
            joined = wanted.join(statement)
            if joined is not statement:
                body[index] = body[index].with_changes(body=[joined])
    new_lines = [cst.parse_statement(text, config=tree.config_for_parsing) for text in wanted.statements()]
    if not new_lines:
        return tree.with_changes(body=body)
    rest = body[end:]
    if rest:
        rest[0] = _with_blank_line_above(rest[0])
    return tree.with_changes(body=[*body[:end], *new_lines, *rest])


class _Wanted:
    """The requested imports not yet in the module, grouped the way they are written."""

    def __init__(self, requests: Sequence[ImportRequest]) -> None:
        self.modules = {module for module, name in requests if name is None}
        self.names: dict[str, set[str]] = {}  # module -> names to import from it
        for module, name in sorted(requests, key=lambda r: r[0]):
            if name is not None:
                self.names.setdefault(module, set()).add(name)

    def discard_present(self, statement: cst.Import | cst.ImportFrom) -> None:
        if isinstance(statement, cst.Import):
            self.modules.difference_update(a.evaluated_name for a in statement.names if a.asname is None)
            return
        module = _absolute_module(statement)
        if module is None:
            return
        if isinstance(statement.names, cst.ImportStar):
            self.names.pop(module, None)
            return
        present = {alias.evaluated_name for alias in statement.names if alias.asname is None}
        if module in self.names:
            self.names[module] -= present
            if not self.names[module]:
                del self.names[module]

    def join(self, statement: cst.ImportFrom) -> cst.ImportFrom:
        module = _absolute_module(statement)
        if isinstance(statement.names, cst.ImportStar) or module is None:
            return statement
        if module not in self.names:
            return statement
        added = [cst.ImportAlias(name=cst.Name(name)) for name in sorted(self.names.pop(module))]
        return statement.with_changes(names=[*added, *statement.names])

    def statements(self) -> list[str]:
        return [*(f"import {module}" for module in sorted(self.modules)),
                *(f"from {module} import {', '.join(sorted(names))}" for module, names in self.names.items())]


def _absolute_module(statement: cst.ImportFrom) -> str | None:
    if statement.relative or statement.module is None:
        return None
    return get_full_name_for_node(statement.module)


def is_import_line(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], (cst.Import, cst.ImportFrom)))


def _docstring_or_strict_flag(statement: cst.CSTNode) -> bool:
    """A leading docstring or ``__strict__ = ...``: imports go after it."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Expr):
        return isinstance(small.value, cst.SimpleString)
    return (isinstance(small, cst.Assign) and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == "__strict__")


def _with_blank_line_above(statement: cst.BaseStatement) -> cst.BaseStatement:
    lines = statement.leading_lines
    if lines and lines[0].comment is None:
        return statement
    return statement.with_changes(leading_lines=(cst.EmptyLine(), *lines))
