"""Where a finding's node is: positions and parents per top-level statement, computed (one
codegen pass each) only for the statements an edit looks into."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from itertools import pairwise
from operator import itemgetter

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata.position_provider import NEWLINE_RE

from migrator.findings import Location

from ._imports import top_level_statements

# -- positions -------------------------------------------------------------------------------


def _span(location: Location) -> tuple[tuple[int, int], tuple[int, int]]:
    """A finding's location in LibCST coordinates (1-based lines, 0-based columns)."""
    start = (location.line, max(location.column - 1, 0))
    end = (location.end_line, max(location.end_column - 1, 0))
    return start, max(end, start)


def _extent(start: tuple[int, int], end: tuple[int, int]) -> int:
    return (end[0] - start[0]) * 100_000 + (end[1] - start[1])


# A node's range as LibCST's PositionProvider gives it: ((line, column), (line, column)), 1-based
# lines, 0-based columns, end exclusive. Kept as tuples: building CodeRange objects cost more
# than comparing them.
Range = tuple[tuple[int, int], tuple[int, int]]


def match_score(location: Location, node_range: Range) -> tuple[int, int] | None:
    """How well a node's range matches a location: lower is better, None = unrelated.

    Exact spans win; then the smallest node containing the location (a finding on a keyword's
    value belongs to the keyword); then nodes inside the location, nearest its start first (a
    finding on a whole call finds the one keyword it is about).
    """
    (ls, le), (ns, ne) = _span(location), node_range
    if (ls, le) == (ns, ne):
        return (0, 0)
    if ns <= ls and le <= ne:
        return (1, _extent(ns, ne))
    if ls <= ns and ne <= le:
        return (2, _extent(ls, ns))
    if ns < le and ls < ne:
        return (3, _extent(ls, ns) if ls <= ns else _extent(ns, ls))
    return None


# -- positions and parents, per top-level statement -----------------------------------------


class _Syntactic:
    """LibCST's ``record_syntactic_position`` (the range ``PositionProvider`` reports for nodes
    that have one, e.g. a statement without its leading comments) as a plain context manager:
    LibCST's generator-based one, entered for every node, cost more than the layout itself."""

    __slots__ = ("end_node", "node", "start", "start_node", "state")

    def __init__(self, state: _LayoutState, node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc_info: object) -> None:
        state = self.state
        ranges = state.ranges
        start = ranges[self.start_node][0] if self.start_node is not None else self.start
        end = ranges[self.end_node][1] if self.end_node is not None else (state.line, state.column)
        ranges[self.node] = (start, end)


class _LayoutState(CodegenState):
    """Codegen that records what LibCST's ``PositionProvider`` and ``ParentNodeProvider`` would
    give, in one pass and without the text: each node's range (syntactic where LibCST records
    one, else whitespace-inclusive) and parent, and the nodes in the order they are laid out.

    ``CodegenState`` (what ``Module.code_for_node`` builds) is not exported by LibCST; the layout
    oracle tests hold this class to LibCST's own providers on whatever LibCST is installed."""

    def __init__(self, module: cst.Module, line: int, ranges: dict[cst.CSTNode, Range],
                 parents: dict[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line, self.column = line, 0
        self.ranges, self.parents = ranges, parents
        self.open: list[tuple[cst.CSTNode, tuple[int, int]]] = [(module, (1, 0))]
        self.laid_out: list[cst.CSTNode] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.column += len(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.parents[node] = self.open[-1][0]
        self.open.append((node, (self.line, self.column)))

    def after_codegen(self, node: cst.CSTNode) -> None:
        _, start = self.open.pop()
        if node not in self.ranges:  # a syntactic range recorded inside wins
            self.ranges[node] = (start, (self.line, self.column))
        self.laid_out.append(node)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


class _LineCounter(CodegenState):
    """Codegen that only counts the lines a node's code spans (``code_for_node`` builds the
    text, and enters a generator-based context manager per node, to the same end)."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.lines = 0

    def add_indent_tokens(self) -> None:
        pass

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            self.lines += len(NEWLINE_RE.findall(value))

    def record_syntactic_position(self, node: cst.CSTNode, **_anchors: cst.CSTNode | None) -> nullcontext:
        return _NOTHING_TO_RECORD


_NOTHING_TO_RECORD = nullcontext()


def _line_count(module: cst.Module, node: cst.CSTNode) -> int:
    counter = _LineCounter(module)
    node._codegen(counter)
    return counter.lines


class Layout:
    """Positions (LibCST's ``PositionProvider`` ranges) and parents of the module's nodes.

    A fix touches a few statements of a file; laying out the whole module costs more than the
    rest of the fix together. Each top-level statement is laid out the first time an edit
    looks inside it, or asks a parent of a statement of one of its lines (an import the fix
    removes); a node from elsewhere (a scope reference) lays out the rest. The statements'
    line spans come from the ``ast`` census (without it, they are counted only as far down the
    file as an edit needs).
    """

    def __init__(self, module: cst.Module, line_starts: Sequence[int] | None = None) -> None:
        """``line_starts``: the first line of each statement of the body, leading lines aside,
        from ``ast`` (``FixCommand.line_starts``): the spans are then known without counting
        the statements' lines."""
        self.module = module
        self._ranges: dict[cst.CSTNode, Range] = {}
        self.parents: dict[cst.CSTNode, cst.CSTNode] = dict.fromkeys(module.body, module)
        self.statement_nodes: dict[int, list[cst.CSTNode]] = {}  # statement index -> its nodes
        # Lines [first, end) of the first statements, leading comments and blank lines included.
        self._spans: list[tuple[int, int]] = []
        self._next_line = 1 + len(module.header)
        if line_starts is not None:
            self._spans_from(line_starts)

    def _spans_from(self, line_starts: Sequence[int]) -> None:
        """Every span at once: a statement starts its leading lines above its first line and
        ends where the next one starts; the last one's lines are counted. Kept when consistent."""
        body = self.module.body
        if not body or len(line_starts) != len(body):
            return
        bounds = [first - len(statement.leading_lines) for first, statement in zip(line_starts, body, strict=True)]
        bounds.append(bounds[-1] + _line_count(self.module, body[-1]))
        if bounds[0] != self._next_line or any(first >= end for first, end in pairwise(bounds)):
            return
        self._spans, self._next_line = list(pairwise(bounds)), bounds[-1]

    @property
    def positions(self) -> Mapping[cst.CSTNode, Range]:
        return self._ranges

    def span(self, index: int) -> tuple[int, int]:
        """Lines [first, end) of statement ``index``; ``len(body)`` gives the footer's start."""
        body = self.module.body
        while len(self._spans) <= min(index, len(body) - 1):
            end = self._next_line + _line_count(self.module, body[len(self._spans)])
            self._spans.append((self._next_line, end))
            self._next_line = end
        return self._spans[index] if index < len(body) else (self._next_line, self._next_line)

    def overlapping(self, location: Location) -> list[int]:
        """Indexes of the top-level statements whose lines meet the location's."""
        spans, count = self._spans, len(self.module.body)
        while len(spans) < count and (not spans or spans[-1][1] <= location.end_line):
            self.span(len(spans))  # down to the first statement past the location
        found = []
        # Spans are contiguous: the first that ends below the location's first line, onwards.
        for index in range(bisect_right(spans, location.line, key=itemgetter(1)), len(spans)):
            if spans[index][0] > location.end_line:
                break
            found.append(index)
        return found

    def statement(self, index: int) -> list[cst.CSTNode]:
        if index not in self.statement_nodes:
            state = _LayoutState(self.module, self.span(index)[0], self._ranges, self.parents)
            self.module.body[index]._codegen(state)
            self.statement_nodes[index] = state.laid_out
        return self.statement_nodes[index]

    def statements_matching(self, source: str, pattern: re.Pattern[str]) -> list[int]:
        """Indexes of the statements whose text (``source`` is the module's) matches."""
        lines = NEWLINE_RE.split(source)
        spans = [self.span(index) for index in range(len(self.module.body))]
        return [i for i, (first, end) in enumerate(spans) if pattern.search("\n".join(lines[first - 1:end - 1]))]

    def code_of(self, new: cst.Module, source: str) -> str:
        """``new.code``, with the text of the leading and trailing statements ``new`` shares
        with the parsed module copied from ``source`` (printing all of a module a fix touched
        in three lines cost more than the fix)."""
        old, body = self.module.body, new.body
        if (new.header is not self.module.header or new.footer is not self.module.footer
                or new.has_trailing_newline is not self.module.has_trailing_newline
                or new.default_newline != self.module.default_newline
                or new.default_indent != self.module.default_indent):
            return new.code
        same = min(len(old), len(body))
        prefix = next((i for i in range(same) if body[i] is not old[i]), same)
        suffix = next((i for i in range(same - prefix) if body[-1 - i] is not old[-1 - i]), same - prefix)
        if prefix == len(old) == len(body):
            return source
        if not body or (suffix == 0 and not self.module.has_trailing_newline):
            return new.code  # LibCST's own rules for empty modules and a missing last newline
        lines = lines_with_ends(source)
        start, resume = self.span(prefix)[0], self.span(len(old) - suffix)[0]
        # Between the first and last changes, a statement the pass left as it was is copied too
        # (the last one only with its newline: a file may end without one).
        copyable = len(old) if self.module.has_trailing_newline else len(old) - 1
        kept = {id(statement): index for index, statement in enumerate(old[:copyable])}
        middle = []
        for statement in body[prefix:len(body) - suffix]:
            index = kept.get(id(statement))
            if index is not None and old[index] is statement:
                first, end = self.span(index)
                middle += lines[first - 1:end - 1]
            else:
                middle.append(new.code_for_node(statement))
        return "".join(lines[:start - 1]) + "".join(middle) + "".join(lines[resume - 1:])

    def everything(self) -> None:
        for index in range(len(self.module.body)):
            self.statement(index)

    def position(self, node: cst.CSTNode) -> Range:
        if node not in self._ranges:
            self._lay_out_holder(node)
        return self._ranges[node]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if node not in self.parents and node is not self.module:
            self._lay_out_holder(node)
        return self.parents.get(node)

    def _lay_out_holder(self, node: cst.CSTNode) -> None:
        """Lay out the top-level statement holding ``node``: found at once for a statement of a
        module-level line (an import a fix removes, found from the module's body), else by
        laying out everything."""
        for index, statement in enumerate(self.module.body):
            if any(node is small for line in top_level_statements([statement]) for small in line.body):
                self.statement(index)
                return
        self.everything()


def lines_with_ends(text: str) -> list[str]:
    """``text`` cut into lines the way LibCST counts them (``\\n``, ``\\r\\n`` or ``\\r``)."""
    pieces = _NEWLINE_SPLIT.split(text)
    return [pieces[i] + pieces[i + 1] for i in range(0, len(pieces) - 1, 2)] + [pieces[-1]]


_NEWLINE_SPLIT = re.compile(f"({NEWLINE_RE.pattern})")

