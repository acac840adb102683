"""The 3.12-only constructs the scanner found, rewritten into 3.11 syntax in place (every other
character where it was): parameter lists blanked, f-string quotes swapped, or an f-string turned
into a tuple of its expressions."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from migrator.analysis.grammar.scanner import _Field, _scan, _String

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class NewerSyntax:
    """A construct of Python 3.12's grammar that Python 3.11 does not have."""

    what: str  # "a type alias statement", ...
    line: int
    column: int  # 1-based, in characters


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
