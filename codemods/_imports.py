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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.helpers import get_full_name_for_node

from ._nodes import dotted

ImportRequest = tuple[str, str | None]  # module, and the object imported from it (None: the module)


def add_imports(tree: cst.Module, requests: Sequence[ImportRequest]) -> cst.Module:
    body = list(tree.body)
    start = 1 if body and docstring_or_strict_flag(body[0]) else 0
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


def docstring_or_strict_flag(statement: cst.CSTNode) -> bool:
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


def top_level_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Statements at module level, including those inside module-level try/if blocks."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield statement
        elif isinstance(statement, cst.Try):
            yield from top_level_statements(statement.body.body)
            for handler in statement.handlers:
                yield from top_level_statements(handler.body.body)
        elif isinstance(statement, cst.If):
            yield from top_level_statements(statement.body.body)

def import_from_module(node: cst.ImportFrom) -> str | None:
    """The absolute module of a ``from`` import; None for relative imports."""
    if node.relative or node.module is None:
        return None
    return get_full_name_for_node(node.module)

def import_parts(node: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, str, str | None, str | None]]:
    """(alias, module, name, asname) for each alias of an Import/ImportFrom."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
            yield alias, get_full_name_for_node(alias.name), None, asname
    elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        module_path = import_from_module(node)
        if module_path is None:
            return
        for alias in node.names:
            asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
            yield alias, module_path, get_full_name_for_node(alias.name), asname

def binds(module_path: str, name: str | None, asname: str | None) -> str:
    """The scope name an import alias binds (a plain ``import a.b`` is the dotted ``a.b``)."""
    return asname or name or module_path

@dataclass
class ImportEdit:
    """Every change planned for one import statement, applied together: names moved to other
    modules (``from`` imports) and names dropped (duplicates, or unused after the pass)."""

    statement: cst.Import | cst.ImportFrom
    moves: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)  # index -> (module, name, asname)
    drops: set[int] = field(default_factory=set)

    def snapshot(self) -> Any:
        return dict(self.moves), set(self.drops)

    def restore(self, saved: Any) -> None:
        self.moves, self.drops = dict(saved[0]), set(saved[1])

    def apply(self, node: cst.CSTNode) -> cst.CSTNode | cst.FlattenSentinel | cst.RemovalSentinel:
        line = node if isinstance(node, cst.SimpleStatementLine) else None
        statement = line.body[0] if line is not None else node
        aliases = list(statement.names)
        kept = [a for i, a in enumerate(aliases) if i not in self.moves and i not in self.drops]
        groups: dict[str, list[cst.ImportAlias]] = {}
        for index in sorted(self.moves):
            module_path, name, asname = self.moves[index]
            groups.setdefault(module_path, []).append(aliases[index].with_changes(
                name=cst.Name(name),
                asname=cst.AsName(name=cst.Name(asname)) if asname and asname != name else None))
        statements: list[cst.BaseSmallStatement] = []
        if kept:
            statements.append(statement.with_changes(names=_end_like(kept, aliases[-1], statement)))
        for module_path, group in groups.items():
            if not statements:  # the first statement keeps the original's layout and comments
                statements.append(statement.with_changes(
                    module=dotted(module_path), relative=(), names=_end_like(group, aliases[-1], statement)))
            else:  # a statement of its own: plain layout, comments stay with the original
                fresh = [cst.ImportAlias(name=a.name, asname=a.asname) for a in group]
                statements.append(cst.ImportFrom(module=dotted(module_path), names=_end_like(fresh, None, None)))
        if not statements:
            return cst.RemovalSentinel.REMOVE
        if line is None:
            return statements[0] if len(statements) == 1 else cst.FlattenSentinel(statements)
        lines = [line.with_changes(body=[statements[0]])]
        lines += [cst.SimpleStatementLine(body=[s]) for s in statements[1:]]
        return lines[0] if len(lines) == 1 else cst.FlattenSentinel(lines)

def _end_like(aliases: list[cst.ImportAlias], original_last: cst.ImportAlias | None,
              statement: cst.CSTNode | None) -> list[cst.ImportAlias]:
    """A rebuilt alias list ends the way the original did: a trailing comma only inside
    parentheses, separators between the others."""
    parenthesised = isinstance(statement, cst.ImportFrom) and statement.lpar is not None
    last_comma = original_last.comma if original_last is not None and parenthesised else cst.MaybeSentinel.DEFAULT
    fixed = []
    for index, alias in enumerate(aliases):
        if index < len(aliases) - 1:
            if not isinstance(alias.comma, cst.Comma):
                alias = alias.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        else:
            alias = alias.with_changes(comma=last_comma)
        fixed.append(alias)
    return fixed

def import_bindings(node: cst.CSTNode) -> Iterator[tuple[str, str]]:
    """(local name, qualname) bound by an import statement."""
    for _, module_path, name, asname in import_parts(node):
        if name is None:
            if asname:
                yield asname, module_path
            else:
                top = module_path.split(".")[0]
                yield top, top
        else:
            yield asname or name, f"{module_path}.{name}"
