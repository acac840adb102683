"""Python source parsed for the grammar of the target's Python, whatever Python runs the tool.

MWAA runs Python 3.11 (Airflow up to 2.10) or 3.12 (2.11 and 3.x); the tool runs on 3.11 or
later. ``ast`` only knows its own interpreter's grammar, so on 3.11 a DAG using Python 3.12
syntax (PEP 695 ``type X = ...`` / ``def f[T]()`` / ``class C[T]``, PEP 701 f-strings with
nested same quotes, backslashes or comments in their braces) would not parse, and nothing else
in it would be analysed. When ``ast`` cannot read a module for a 3.12 target, a scan of the
3.12 lexical structure locates the 3.12-only constructs and they are rewritten into 3.11 syntax
*in place*, every other character where it was, so ``ast`` reads the rest with exact positions:

- ``type X[T] = V`` becomes ``...; X    = V`` (an assignment; the parameters blanked);
- ``def f[T](x)`` / ``class C[T]:`` lose their parameter list to spaces (a parameter list over
  several lines keeps its lines, joined by backslashes);
- a 3.12-only f-string whose only 3.12 feature is strings in its braces quoted like itself
  (``f"{d["k"]}"``, the common case) gets those strings quoted the other way (``f"{d['k']}"``);
- any other 3.12-only f-string (with the strings it is concatenated with) becomes a
  parenthesised tuple of its expressions, ``f"{x # note\n}!"`` -> ``(  x,      \n  )``: calls,
  names and nested strings keep their places; its literal text is blanked.

For a 3.11 target the opposite holds: 3.12 syntax is an error there. On a 3.11 host ``ast``
says so itself (the message then names the construct and the target's Python); on a newer
host ``ast``'s ``feature_version`` rejects PEP 695, and the f-strings that may be PEP 701 ones
are checked with the host's tokenizer, which marks where each f-string's braces are.
"""

from __future__ import annotations

import ast
import sys
import warnings
from functools import cache
from typing import TYPE_CHECKING

from migrator.compat import mwaa_versions

if TYPE_CHECKING:
    from migrator.analysis.grammar.rewrite import NewerSyntax

# The scanner and rewriter (migrator.analysis.grammar.rewrite) load with the first module that
# needs them: one ast refused, or an f-string to check on a newer host.

__all__ = ["FIRST_WITH_NEW_SYNTAX", "HOST_PYTHON", "newest_target_python", "parse_module", "python_version"]


HOST_PYTHON = sys.version_info[:2]
FIRST_WITH_NEW_SYNTAX = (3, 12)


def python_version(text: str) -> tuple[int, int]:
    """``"3.12"`` -> ``(3, 12)``."""
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


@cache
def newest_target_python() -> tuple[int, int]:
    """The newest Python an MWAA target runs: the grammar to read a module with when no target
    is given (inventories, bundles), so that no target's module is refused."""

    return max(python_version(version.python) for version in mwaa_versions())


def parse_module(text: str, filename: str, python: tuple[int, int]) -> ast.Module:
    """``ast.parse(text)`` for a module that runs on ``python``.

    Raises ``SyntaxError`` as ``ast.parse`` does; for 3.12 syntax on an older target, with a
    message that names the construct and the target's Python.
    """
    with warnings.catch_warnings():
        # Invalid escape sequences in old DAG code are not our findings to make.
        warnings.simplefilter("ignore")
        if HOST_PYTHON > python:
            tree = ast.parse(text, filename=filename, feature_version=python)
            if python < FIRST_WITH_NEW_SYNTAX and _may_hold_new_fstrings(tree, text):
                construct = _new_fstring_by_tokens(text)
                if construct is not None:
                    raise SyntaxError(_too_new(construct, python), (filename, construct.line, construct.column, None))
            return tree
        try:
            return ast.parse(text, filename=filename)
        except SyntaxError as error:
            if HOST_PYTHON >= python:  # the host's grammar is the target's
                if python < FIRST_WITH_NEW_SYNTAX:
                    _refuse_newer(text, python, error)
                raise
            rewritten = _in_older_syntax(text)
            if rewritten is None:
                raise
            # A syntax error left is a real one: its position is the same in both texts.
            return ast.parse(rewritten, filename=filename)


def _refuse_newer(text: str, python: tuple[int, int], error: SyntaxError) -> None:
    """Raise a SyntaxError naming the first 3.12-only construct of ``text``, if it has one."""
    from migrator.analysis.grammar.rewrite import _newer_syntax

    found = _newer_syntax(text)
    if found is None or not found.constructs:
        return
    first = found.constructs[0]
    raise SyntaxError(_too_new(first, python), (error.filename, first.line, first.column, None)) from None


def _too_new(construct: NewerSyntax, python: tuple[int, int]) -> str:
    return (f"{construct.what} is Python {FIRST_WITH_NEW_SYNTAX[0]}.{FIRST_WITH_NEW_SYNTAX[1]} syntax; "
            f"the target runs Python {python[0]}.{python[1]}")


def _in_older_syntax(text: str) -> str | None:
    """``text`` with its 3.12-only constructs rewritten in place (see the module doc), or None
    when the scan cannot follow it or it has none."""
    from migrator.analysis.grammar.rewrite import _newer_syntax

    found = _newer_syntax(text)
    return found.rewritten if found is not None and found.constructs else None


def _may_hold_new_fstrings(tree: ast.Module, text: str) -> bool:
    """Whether an f-string of ``tree`` (parsed by a 3.12+ host) may use PEP 701: its source
    holds a backslash, a ``#``, a line break or its own quote between braces. A cheap test:
    only then is the module tokenized."""
    from migrator.analysis.grammar.rewrite import _LINE_BREAK

    lines = _LINE_BREAK.split(text)
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr) or node.end_lineno is None:
            continue
        segment = _segment(lines, node)
        prefix = len(segment) - len(segment.lstrip("rRfFbBuU"))
        quote = segment[prefix:prefix + 3]
        quote = quote if quote in ('"""', "'''") else segment[prefix:prefix + 1]
        body = segment[prefix + len(quote):len(segment) - len(quote)]
        if "{" in body and (quote in body or "\\" in body or "#" in body
                            or (len(quote) == 1 and node.lineno != node.end_lineno)):
            return True
    return False


def _new_fstring_by_tokens(text: str) -> NewerSyntax | None:
    """The first f-string that only Python 3.12 reads, from the tokens of a 3.12+ host
    (FSTRING_START/MIDDLE/END mark the literal parts; every other token between them is in
    braces): one holding, in its braces, a comment, a line break in a one-line f-string, a
    backslash, or a quote of an f-string around it."""
    import io
    import tokenize

    from migrator.analysis.grammar.rewrite import NewerSyntax

    def clashes(string: str, quotes: list[str]) -> bool:
        return "\\" in string or any(quote in string for quote in quotes)

    what = "an f-string with quotes, backslashes or comments in its braces"
    quotes: list[str] = []  # of the f-strings the token is in, outermost first
    starts: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.FSTRING_START:
                if quotes and clashes(token.string, quotes):
                    return NewerSyntax(what, starts[0].start[0], starts[0].start[1] + 1)
                quotes.append(token.string.lstrip("rRfFbBuU"))
                starts.append(token)
            elif token.type == tokenize.FSTRING_END:
                quotes.pop()
                starts.pop()
            elif not quotes:
                continue
            elif token.type == tokenize.FSTRING_MIDDLE:  # literal text; of a nested f-string, in braces
                if len(quotes) > 1 and clashes(token.string, quotes[:-1]):
                    return NewerSyntax(what, starts[0].start[0], starts[0].start[1] + 1)
            elif token.type == tokenize.COMMENT or clashes(token.string, quotes) or (
                    token.type == tokenize.NL and any(len(quote) == 1 for quote in quotes)):
                return NewerSyntax(what, starts[0].start[0], starts[0].start[1] + 1)
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _segment(lines: list[str], node: ast.AST) -> str:
    """The source of ``node`` (ast's columns are UTF-8 byte offsets)."""
    def column(line: int, offset: int) -> int:
        text = lines[line - 1]
        return offset if text.isascii() else len(text.encode()[:offset].decode(errors="replace"))

    first, last = node.lineno, node.end_lineno
    start, end = column(first, node.col_offset), column(last, node.end_col_offset)
    if first == last:
        return lines[first - 1][start:end]
    return "\n".join([lines[first - 1][start:], *lines[first:last - 1], lines[last - 1][:end]])


#
# A scanner of Python 3.12's lexical structure (strings and f-strings with their braces,
# brackets, comments, statement starts), one pass with explicit stacks. LibCST's native parser
# knows the grammar too, but it crashes the process on deeply nested input (a 5,000-deep
# bracket, a 100,000-long "not not ...") and takes minutes on long operator chains; the
# modules that reach this code are the ones ``ast`` refused, hostile ones included.
