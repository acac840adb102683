"""The values of string literals as the source spells them: the marker for a part not known
statically, whole-word search, and where each character of a literal's value sits in its source."""

from __future__ import annotations

import re
from functools import lru_cache

# Stands for a part of a string whose value is not known statically (a variable, a call).
UNKNOWN = "\ufffc"


@lru_cache(maxsize=1024)
def word_pattern(needle: str) -> re.Pattern[str]:
    """``needle`` as a whole word when it starts like one (``db`` not inside ``dbx``), else as text."""
    if needle[:1].isalnum() or needle[:1] == "_":
        return re.compile(rf"(?<![\w]){re.escape(needle)}(?![\w])")
    return re.compile(re.escape(needle))


# One string token of a literal: prefix, opening quote (its body runs to the same quote).
_STRING_START = re.compile(r"""([rRuU]?)('\'\'|\"\"\"|'|")""")
_SIMPLE_ESCAPES = frozenset("\\'\"abfnrtv")
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_OCTAL = frozenset("01234567")


def _escape(source: str, position: int) -> tuple[int, int]:
    """(characters of the value, characters of the source) of the escape at ``position``."""
    escape = source[position + 1:position + 2]
    if escape == "\n":
        return 0, 2  # a line continuation
    if escape in _SIMPLE_ESCAPES and escape:
        return 1, 2
    if escape in _HEX_ESCAPES:
        return 1, 2 + _HEX_ESCAPES[escape]
    if escape == "N":
        return 1, source.find("}", position) + 1 - position
    if escape in _OCTAL and escape:
        digits = 1
        while digits < 3 and source[position + 1 + digits:position + 2 + digits] in _OCTAL:
            digits += 1
        return 1, 1 + digits
    return 2, 2  # an unknown escape keeps its backslash


def literal_value_spans(source: str) -> tuple[list[int], list[int]] | None:
    """For the source of a string literal (one token, or several concatenated; not an f-string
    or bytes), where each character of its value starts and ends in the source; None for
    anything else. One pass: mapping findings inside a long literal back to the source by
    searching for each would scan the literal once per finding."""
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    while position < len(source):
        char = source[position]
        if char == "#":  # a comment between concatenated parts
            position = source.find("\n", position) % (len(source) + 1)
            continue
        if char.isspace() or char in "\\()":
            position += 1
            continue
        token = _STRING_START.match(source, position)
        if token is None:
            return None
        raw, quote = token.group(1) in ("r", "R"), token.group(2)
        position = token.end()
        while not source.startswith(quote, position):
            if position >= len(source):
                return None
            if source[position] != "\\":
                value_chars, source_chars = 1, 1
            elif raw:  # the backslash and what follows it are both value
                value_chars = source_chars = min(2, len(source) - position)
            else:
                value_chars, source_chars = _escape(source, position)
            if value_chars == 1:
                starts.append(position)
                ends.append(position + source_chars)
            elif value_chars == 2:
                starts += [position, position + 1]
                ends += [position + 1, position + 2]
            position += max(source_chars, 1)
        position += len(quote)
    return starts, ends

