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
import re
import sys
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache

HOST_PYTHON = sys.version_info[:2]
FIRST_WITH_NEW_SYNTAX = (3, 12)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class NewerSyntax:
    """A construct of Python 3.12's grammar that Python 3.11 does not have."""

    what: str  # "a type alias statement", ...
    line: int
    column: int  # 1-based, in characters


def python_version(text: str) -> tuple[int, int]:
    """``"3.12"`` -> ``(3, 12)``."""
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


@cache
def newest_target_python() -> tuple[int, int]:
    """The newest Python an MWAA target runs: the grammar to read a module with when no target
    is given (inventories, bundles), so that no target's module is refused."""
    from migrator.compat import mwaa_versions

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
    found = _newer_syntax(text)
    return found.rewritten if found is not None and found.constructs else None


def _may_hold_new_fstrings(tree: ast.Module, text: str) -> bool:
    """Whether an f-string of ``tree`` (parsed by a 3.12+ host) may use PEP 701: its source
    holds a backslash, a ``#``, a line break or its own quote between braces. A cheap test:
    only then is the module tokenized."""
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


# -- finding and rewriting 3.12-only constructs ------------------------------------------------------
#
# A scanner of Python 3.12's lexical structure (strings and f-strings with their braces,
# brackets, comments, statement starts), one pass with explicit stacks. LibCST's native parser
# knows the grammar too, but it crashes the process on deeply nested input (a 5,000-deep
# bracket, a 100,000-long "not not ...") and takes minutes on long operator chains; the
# modules that reach this code are the ones ``ast`` refused, hostile ones included.

_PREFIX = re.compile(r"(?i)(?:rb|br|fr|rf|[rubf])?(?:\'\'\'|\"\"\"|\'|\")")
_NAME = re.compile(r"[^\W\d]\w*")
_SPACE = re.compile(r"[ \t\f]*")


@dataclass(eq=False)
class _String:
    start: int  # of its prefix
    quote_start: int
    quote: str
    raw: bool
    formatted: bool
    end: int = -1  # after its closing quote
    fields: list[_Field] = field(default_factory=list)  # an f-string's replacement fields


@dataclass(eq=False)
class _Field:
    start: int  # the "{"
    expression: tuple[int, int] = (-1, -1)
    end: int = -1  # after the "}"
    strings: list[_String] = field(default_factory=list)  # the strings in its braces
    nested: list[_Field] = field(default_factory=list)  # the fields of its format spec


@dataclass(eq=False)
class _Code:
    """Code: the module's, or that of an f-string's braces (``field``)."""

    field: _Field | None
    depth: int = 0  # of brackets
    first: int = -1  # where its first and last token start and end (a field's expression)
    last: int = -1
    groups: list[list[_String]] = field(default_factory=list)  # implicitly concatenated strings
    adjacent: bool = False  # the last token was a string: a string now joins its group


@dataclass(eq=False)
class _Literal:
    """The literal text of an f-string, or of a format spec (``field``)."""

    string: _String
    field: _Field | None = None


@dataclass
class _Rewrite:
    constructs: list[NewerSyntax] = field(default_factory=list)
    rewritten: str = ""


def _newer_syntax(text: str) -> _Rewrite | None:
    """The 3.12-only constructs of ``text`` and ``text`` rewritten without them; None when
    the scanner cannot follow the text (an unclosed string or replacement field)."""
    scanned = _scan(text)
    if scanned is None:
        return None
    aliases, parameters, groups = scanned
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    def position(offset: int) -> tuple[int, int]:
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    found = [NewerSyntax("a type alias statement", *position(offset)) for offset in aliases]
    found += [NewerSyntax("a type parameter list", *position(start)) for start, _ in parameters]
    chars = list(text)
    for group in groups:
        newer = [string for string in group if string.formatted and not _fits_older_fstring(text, string)]
        if not newer:
            continue
        found.append(NewerSyntax("an f-string with quotes, backslashes or comments in its braces",
                                 *position(group[0].start)))
        swaps = [_quote_swaps(text, string) for string in newer]
        if all(swap is not None for swap in swaps):
            for string in (string for swap in swaps for string in swap):
                other = "'" if string.quote == '"' else '"'
                chars[string.quote_start] = chars[string.end - 1] = other
        else:
            items = [f.expression for string in group for f in _all_fields(string) if f.expression[0] >= 0]
            _as_tuple(chars, group[0].start, group[-1].end, items)
    for offset in aliases:
        chars[offset:offset + 4] = "...;"  # "type X = V" -> "...; X = V"
    for start, end in sorted(parameters, reverse=True):  # from the end: a blank line may gain a character
        _blank_joined(chars, start, end)
    return _Rewrite(sorted(found, key=lambda c: (c.line, c.column)), "".join(chars))


def _scan(text: str) -> tuple[list[int], list[tuple[int, int]], list[list[_String]]] | None:
    """(offsets of ``type`` in type alias statements, spans of type parameter lists, groups of
    implicitly concatenated strings), or None for text the scan cannot follow."""
    aliases: list[int] = []
    parameters: list[tuple[int, int]] = []
    groups: list[list[_String]] = []
    stack: list[_Code | _Literal] = [_Code(None)]
    statement_start = True
    parameters_at = -1  # where the "[" of a type parameter list is expected
    opened: list[tuple[int, int]] = []  # (offset, bracket depth) of type parameter lists being read
    position, size = 0, len(text)
    while position < size:
        context = stack[-1]
        if isinstance(context, _Literal):
            position = _literal(text, position, context, stack, groups)
            if position < 0:
                return None
            continue
        code, char = context, text[position]
        if char in " \t\f":
            position += 1
        elif char == "#":
            position = _LINE_END.search(text, position).start()
        elif char == "\\" and text[position + 1:position + 2] in ("\n", "\r"):
            position += 3 if text[position + 1:position + 3] == "\r\n" else 2
        elif char in "\r\n":
            if code.field is None and code.depth == 0:
                statement_start, code.adjacent, parameters_at = True, False, -1
            position += 1
        elif (token := _string_start(text, position)) is not None:
            prefix, quote = token
            string = _String(position, position + len(prefix), quote, "r" in prefix.lower(), "f" in prefix.lower())
            if code.field is not None:
                code.field.strings.append(string)
            if code.adjacent and code.groups:
                code.groups[-1].append(string)
            else:
                code.groups.append([string])
            code.adjacent, statement_start = True, False
            code.first = position if code.first < 0 else code.first
            if string.formatted:
                stack.append(_Literal(string))
                position = string.quote_start + len(quote)
                continue
            string.end = _string_end(text, string.quote_start + len(quote), quote)
            if string.end < 0:
                return None
            position = code.last = string.end
        elif (name := _NAME.match(text, position)) is not None:
            word = name.group()
            if statement_start and code.field is None and code.depth == 0:
                parameters_at = _parameters_at(text, name.end(), word, aliases, position)
            statement_start = word == "async"
            code.adjacent = False
            code.first = position if code.first < 0 else code.first
            position = code.last = name.end()
        elif char in "([{":
            if position == parameters_at:
                opened.append((position, code.depth))
            code.depth += 1
            code.adjacent = statement_start = False
            code.first = position if code.first < 0 else code.first
            position = code.last = position + 1
        elif char == "}" and code.field is not None and code.depth == 0:
            _end_field(code, position + 1, stack, groups)
            position += 1
        elif char in ")]}":
            code.depth -= 1
            if opened and opened[-1][1] == code.depth and char == "]":
                parameters.append((opened.pop()[0], position + 1))
            code.adjacent = False
            position = code.last = position + 1
        elif code.field is not None and code.depth == 0 and char in "!:=" and _ends_expression(text, position):
            if code.field.expression[0] < 0 and code.first >= 0:
                code.field.expression = (code.first, code.last)
            if char == ":":
                stack.append(_Literal(_literal_owner(stack), code.field))
            position += 1
        else:
            statement_start = char in ";:" and code.field is None and code.depth == 0
            code.adjacent = False
            code.first = position if code.first < 0 else code.first
            position = code.last = position + 1
    if len(stack) != 1:
        return None
    groups.extend(stack[0].groups)
    return aliases, parameters, groups


_LINE_END = re.compile(r"[\r\n]|$")


def _string_start(text: str, position: int) -> tuple[str, str] | None:
    """(prefix, quote) of a string token starting at ``position``, or None."""
    if position and ("a" + text[position - 1]).isidentifier():
        return None  # inside a name: "elif" is no prefix "f"
    match = _PREFIX.match(text, position)
    if match is None:
        return None
    token = match.group()
    quote = token[-3:] if token[-3:] in ("\'\'\'", '\"\"\"') else token[-1]
    return token[:-len(quote)], quote


def _string_end(text: str, position: int, quote: str) -> int:
    """The offset after the quote closing a plain string whose body starts at ``position``;
    -1 when it is not closed. A backslash always hides the next character from the search."""
    stop = re.compile(rf"[{re.escape(quote[0])}\\\r\n]")
    while (match := stop.search(text, position)) is not None:
        at, char = match.start(), match.group()
        if char == "\\":
            position = at + (3 if text[at + 1:at + 3] == "\r\n" else 2)
        elif char in "\r\n":
            if len(quote) == 1:
                return -1
            position = at + 1
        elif text.startswith(quote, at):
            return at + len(quote)
        else:
            position = at + 1
    return -1


_LITERAL_STOP = re.compile(r"[{}\\\r\n'\"]")


def _literal(text: str, position: int, context: _Literal, stack: list, groups: list) -> int:
    """Read an f-string's literal text (or a format spec's) from ``position`` to the next field,
    the end of the spec or of the f-string; the position to go on from, or -1."""
    string = context.string
    match = _LITERAL_STOP.search(text, position)
    if match is None:
        return -1
    at, char = match.start(), match.group()
    if char == "\\":
        if not string.raw and text[at + 1:at + 3] == "N{":  # \N{NAME}: its braces are no field
            close = text.find("}", at)
            return -1 if close < 0 else close + 1
        return at + (3 if text[at + 1:at + 3] == "\r\n" else 2)
    if char in "\r\n":
        return -1 if len(string.quote) == 1 else at + 1
    if char in "'\"":
        if context.field is None and text.startswith(string.quote, at):
            string.end = at + len(string.quote)
            stack.pop()
            parent = stack[-1]
            parent.last = string.end
            return string.end
        return at + 1
    if char == "{":
        if context.field is None and text[at + 1:at + 2] == "{":
            return at + 2
        field_ = _Field(at)
        (context.field.nested if context.field is not None else string.fields).append(field_)
        stack.append(_Code(field_))
        return at + 1
    if context.field is not None:  # the "}" closing the field whose format spec this is
        stack.pop()
        _end_field(stack[-1], at + 1, stack, groups)
        return at + 1
    return at + (2 if text[at + 1:at + 2] == "}" else 1)


def _end_field(code: _Code, end: int, stack: list, groups: list) -> None:
    """Close the replacement field whose code ``code`` is (on top of ``stack``)."""
    if code.field.expression[0] < 0 and code.first >= 0:
        code.field.expression = (code.first, code.last)
    code.field.end = end
    groups.extend(code.groups)
    stack.pop()


def _literal_owner(stack: list) -> _String:
    """The f-string whose field is being read (the nearest literal context below the top)."""
    return next(context.string for context in reversed(stack) if isinstance(context, _Literal))


def _ends_expression(text: str, position: int) -> bool:
    """Whether the "!", ":" or "=" at ``position`` (at the top level of a field) ends its
    expression: a conversion, a format spec, a "=" that is no operator's."""
    char, after, before = text[position], text[position + 1:position + 2], text[position - 1:position]
    if char == "!":
        return after != "="
    if char == ":":
        return after != "="  # ":=" is an assignment expression
    return after != "=" and before not in ("=", "!", "<", ">", ":")


def _parameters_at(text: str, after: int, word: str, aliases: list[int], start: int) -> int:
    """At a statement's first word: where a type parameter list's "[" would be (-1: none)
    after ``def NAME``, ``class NAME`` or ``type NAME``; a type alias is noted."""
    if word not in ("def", "class", "type"):
        return -1
    name = _NAME.match(text, _SPACE.match(text, after).end())
    if name is None:
        return -1
    following = _SPACE.match(text, name.end()).end()
    next_char = text[following:following + 1]
    if word == "type":
        if next_char not in ("[", "=") or text[following:following + 2] == "==":
            return -1
        aliases.append(start)
    return following if next_char == "[" else -1


def _all_fields(string: _String) -> list[_Field]:
    """An f-string's fields and those of their format specs."""
    found, pending = [], list(string.fields)
    while pending:
        current = pending.pop(0)
        found.append(current)
        pending.extend(current.nested)
    return sorted(found, key=lambda f: f.start)


def _fits_older_fstring(text: str, string: _String) -> bool:
    """Whether Python 3.11 reads this f-string: its braces hold no backslash, no comment, no
    line break (unless it is triple-quoted) and not its own quote."""
    for current in string.fields:
        inside = text[current.start + 1:current.end - 1]
        if string.quote in inside or "\\" in inside or "#" in inside or (
                len(string.quote) == 1 and ("\n" in inside or "\r" in inside)):
            return False
    return True


def _quote_swaps(text: str, string: _String) -> list[_String] | None:
    """The strings in the braces of ``string`` to quote the other way so that Python 3.11
    reads it, when that is all it takes (one-line strings holding no quote, backslash or line
    break, no f-string among them, nothing else 3.12-only in the braces); None otherwise."""
    if len(string.quote) != 1:
        return None
    other = "'" if string.quote == '"' else '"'
    inner = [s for f in _all_fields(string) for s in f.strings]
    swaps = [s for s in inner if s.quote == string.quote]
    if not swaps or any(s.formatted for s in inner) or any(
            set(text[s.quote_start + 1:s.end - 1]) & {"'", '"', "\\", "\n", "\r"} for s in swaps):
        return None
    chars = list(text[string.start:string.end])  # the f-string alone: a module may have thousands
    for s in swaps:
        chars[s.quote_start - string.start] = chars[s.end - 1 - string.start] = other
    return swaps if _fits_older_fstring("".join(chars), _shifted(string, -string.start)) else None


def _shifted(string: _String, by: int) -> _String:
    """``string`` with its fields' offsets moved by ``by`` (for a check on a slice)."""
    moved = _String(string.start + by, string.quote_start + by, string.quote, string.raw, string.formatted,
                    string.end + by)
    moved.fields = [_Field(f.start + by, end=f.end + by) for f in string.fields]
    return moved


def _blank_joined(chars: list[str], start: int, end: int) -> None:
    """Spaces over ``start:end`` with each line break kept behind a backslash, so that what
    follows stays on the same logical line (``def f\\`` ... `` (x):``)."""
    index = end - 1
    while index >= start:
        char = chars[index]
        if char == "\n" or (char == "\r" and chars[index + 1:index + 2] != ["\n"]):
            line_end = index - 1 if char == "\n" and index > start and chars[index - 1] == "\r" else index
            if line_end > start and chars[line_end - 1] not in "\r\n":
                chars[line_end - 1] = "\\"
                index = line_end - 2
                continue
            chars.insert(line_end, "\\")  # an empty line of the list: nothing else is on it
            index = line_end - 1
            continue
        chars[index] = " "
        index -= 1


def _as_tuple(chars: list[str], start: int, end: int, items: list[tuple[int, int]]) -> None:
    """The string group at ``start:end`` as ``(item, item, )``: every item kept where it is,
    the rest blanked (line breaks kept: they are inside the parentheses)."""
    kept = {index for item_start, item_end in items for index in range(item_start, item_end)}
    for index in range(start, end):
        if index not in kept and chars[index] not in "\r\n":
            chars[index] = " "
    for item_start, item_end in items:
        if "".join(chars[item_start:item_end]).rstrip().endswith(","):
            continue  # a tuple item already ends with its comma
        comma = item_end
        while chars[comma] in "\r\n":
            comma += 1
        chars[comma] = ","
    chars[start], chars[end - 1] = "(", ")"
