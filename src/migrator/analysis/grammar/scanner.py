"""A scan of Python 3.12's lexical structure that ``ast`` on 3.11 cannot give: where each string
and f-string starts and ends, the fields and nested strings of f-strings, and the parameter lists
of ``type``, ``def`` and ``class`` statements."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
