"""A module's source text and positions in it: lines, node locations in characters (``ast``
counts UTF-8 bytes), segments, and where a word or a character of a literal's value sits."""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Hashable
from functools import cached_property

from migrator.analysis.literals import literal_value_spans, word_pattern
from migrator.analysis.source import SourceText
from migrator.findings import Location

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NEWLINE = re.compile("\n")


class ModuleText:
    """The text half of ``ParsedModule``; ``source`` is None for a file that could not be read."""

    source: SourceText | None

    def memo(self, key: Hashable, compute):
        """``compute(self)`` once per module: analyses that rules share without a property here."""
        cache: dict = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute(self)
        return cache[key]


    @cached_property
    def lines(self) -> list[str]:
        # Only the line breaks Python's tokenizer knows: str.splitlines() also splits on form
        # feeds and other separators, which would shift every line number after them.
        return _LINE_BREAK.split(self.source.text) if self.source else []

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def _char_column(self, line: int, byte_offset: int) -> int:
        text = self.line_text(line)
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))

    def location(self, node: ast.AST) -> Location:
        """1-based span of ``node``; ast's UTF-8 byte offsets become character columns."""
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        col = self._char_column(line, getattr(node, "col_offset", 0))
        end_col = self._char_column(end_line, getattr(node, "end_col_offset", None) or 0)
        return Location(line, col + 1, end_line, max(end_col + 1, 1))

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (character-accurate, across lines)."""
        start = self.location(node)
        if start.line == start.end_line:
            return self.line_text(start.line)[start.column - 1:start.end_column - 1]
        parts = [self.line_text(start.line)[start.column - 1:]]
        parts += [self.line_text(n) for n in range(start.line + 1, start.end_line)]
        parts.append(self.line_text(start.end_line)[:start.end_column - 1])
        return "\n".join(parts)

    def _segment_breaks(self, node: ast.AST) -> tuple[Location, str, list[int]]:
        """``location(node)``, ``segment(node)`` and the offsets of its line breaks, once per
        node: a long literal with thousands of findings is not re-read for each of them."""
        def compute(_module: ModuleText) -> tuple[Location, str, list[int]]:
            text = self.segment(node)
            return self.location(node), text, [match.start() for match in _NEWLINE.finditer(text)]

        return self.memo(("segment", id(node)), compute)

    def span_in(self, node: ast.AST, start: int, end: int) -> Location:
        """Location of characters ``start:end`` of ``segment(node)``."""
        base, text, breaks = self._segment_breaks(node)
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))

        def position(offset: int) -> tuple[int, int]:
            before = bisect_left(breaks, offset)  # line breaks before the offset
            column = offset - breaks[before - 1] if before else base.column + offset
            return base.line + before, column

        line, column = position(start)
        end_line, end_column = position(end)
        return Location(line, column, end_line, end_column)

    def locate_text(self, node: ast.AST, needle: str, occurrence: int = 0) -> Location:
        """Where the ``occurrence``-th ``needle`` (as a whole word) sits inside ``node``'s source;
        the node's own location when the source spells it differently (escapes, line joins)."""
        def compute(_module: ModuleText) -> list[tuple[int, int]]:
            return [match.span() for match in word_pattern(needle).finditer(self._segment_breaks(node)[1])]

        matches = self.memo(("needle-in-source", id(node), needle), compute)
        if occurrence < len(matches):
            return self.span_in(node, *matches[occurrence])
        return self.location(node)

    def value_span(self, node: ast.AST, start: int, end: int) -> Location | None:
        """Location of characters ``start:end`` of the value of the string literal ``node``,
        mapped through its source (prefixes, quotes, escapes, implicit concatenation); None
        when the source does not map (an f-string part, bytes)."""
        spans = self.memo(("value-spans", id(node)),
                          lambda _module: literal_value_spans(self._segment_breaks(node)[1]))
        value = getattr(node, "value", None)
        if spans is None or not isinstance(value, str) or len(spans[0]) != len(value) \
                or not 0 <= start < end <= len(value):
            return None
        return self.span_in(node, spans[0][start], spans[1][end - 1])
