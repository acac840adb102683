"""Helpers for codemod before/after tests: locate edits the way rules report them, apply, compare.

A rule reports the span of an ``ast`` node; tests name that span by its source text (``at``),
which is exactly what the node covers, so each case reads like the code it fixes.
"""

from __future__ import annotations

import ast
import inspect
from itertools import count

from migrator.codemods import FIX_TYPES, Edit, FileResult, apply_edits

from migrator.findings import Fix, FixSafety, Location

_keys = count()


def source(text: str) -> str:
    return inspect.cleandoc(text) + "\n"


def span(code: str, text: str, nth: int = 0) -> Location:
    """The location of the ``nth`` occurrence of ``text`` in ``code`` (1-based, exclusive end)."""
    offset = -1
    for _ in range(nth + 1):
        offset = code.index(text, offset + 1)
    before = code[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    end = code[: offset + len(text)]
    end_line = end.count("\n") + 1
    end_column = len(end) - (end.rfind("\n") + 1) + 1
    return Location(line, column, end_line, end_column)


def fix_of(kind: str, **params) -> Fix:
    """The fix of ``kind`` with ``params`` (safe: the codemod, not the rule, is under test)."""
    return FIX_TYPES[kind](safety=FixSafety.SAFE, description=kind, **params)


def edit(code: str, kind: str, at: str, nth: int = 0, **params) -> Edit:
    return Edit(next(_keys), fix_of(kind, **params), span(code, at, nth))


def fix(code: str, *edits: Edit) -> FileResult:
    result = apply_edits(code, list(edits))
    ast.parse(result.text)  # every fixed file must still be Python
    return result


def check(before: str, after: str, *edit_specs: tuple) -> FileResult:
    """Apply ``(kind, at, params)`` specs to ``before``; every edit must apply and give ``after``."""
    code = source(before)
    edits = [edit(code, kind, at, **params) for kind, at, params in edit_specs]
    result = fix(code, *edits)
    assert not result.refused, result.refused
    assert result.applied == {e.key for e in edits}
    assert result.text == source(after), "\n" + result.text
    return result


def refused(before: str, kind: str, at: str, **params) -> str:
    """Apply one edit that must be refused; returns the reason and checks nothing changed."""
    code = source(before)
    one = edit(code, kind, at, **params)
    result = fix(code, one)
    assert result.text == code
    assert one.key in result.refused, result.applied
    return result.refused[one.key]
