"""The rewriting of Python 3.12 syntax for an older ``ast``, done with LibCST's native parser.

``migrator.analysis.grammar`` scans the text itself: LibCST crashes the process on deeply
nested input, which hostile modules have. On ordinary modules LibCST's tree is the reference
the scan is held to (tests/test_python_grammar.py).
"""

from __future__ import annotations

import re

from migrator.analysis.grammar.rewrite import NewerSyntax, _as_tuple, _blank_joined

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def newer_syntax(text: str):
    """((what, line, column) of each 3.12-only construct, ``text`` rewritten without them), or
    None when LibCST cannot parse it."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = cst.parse_module(text)
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]
    found: list[NewerSyntax] = []
    blanked: list[tuple[int, int]] = []  # type parameter lists
    keywords: list[int] = []  # "type" of type aliases
    tuples: list[tuple[int, int, list[tuple[int, int]]]] = []  # string groups -> their expressions
    swapped: list[int] = []  # quote characters of strings in f-string braces, to quote the other way

    def span(node) -> tuple[int, int]:
        where = positions[node]
        return starts[where.start.line - 1] + where.start.column, starts[where.end.line - 1] + where.end.column

    def quote_offsets(string) -> tuple[int, int]:
        start, end = span(string)
        return start + len(string.prefix), end - 1

    def note(what: str, node) -> None:
        where = positions[node].start
        found.append(NewerSyntax(what, where.line, where.column + 1))

    class Collector(cst.CSTVisitor):
        def on_visit(self, node) -> bool:
            if isinstance(node, cst.TypeAlias):
                note("a type alias statement", node)
                keywords.append(span(node)[0])
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.TypeAlias)) and node.type_parameters:
                note("a type parameter list", node.type_parameters)
                blanked.append(span(node.type_parameters))
            if not isinstance(node, (cst.FormattedString, cst.ConcatenatedString)):
                return True
            parts = _string_parts(node)
            expressions = [e for part in parts if isinstance(part, cst.FormattedString) for e in _expressions(part)]
            newer = [part for part in parts if isinstance(part, cst.FormattedString) and not _fits_older_fstring(part)]
            if newer:
                note("an f-string with quotes, backslashes or comments in its braces", node)
                swaps = [_quote_swaps(part) for part in newer]
                if all(swap is not None for swap in swaps):
                    swapped.extend(offset for swap in swaps for string in swap for offset in quote_offsets(string))
                    return False  # the swapped strings are simple: nothing 3.12-only left inside
                start, end = span(node)
                tuples.append((start, end, [span(expression) for expression in expressions]))
            for expression in expressions:  # they may hold more; the group is handled whole
                expression.visit(self)
            return False

    module.visit(Collector())
    chars = list(text)
    for offset in swapped:
        chars[offset] = "'" if chars[offset] == '"' else '"'
    for start, end, items in tuples:
        _as_tuple(chars, start, end, items)
    for start in keywords:
        chars[start:start + 4] = "...;"  # "type X = V" -> "...; X = V"
    for start, end in sorted(blanked, reverse=True):  # from the end: a blank line may gain a character
        _blank_joined(chars, start, end)
    return sorted((c.what, c.line, c.column) for c in found), "".join(chars)


def _string_parts(node) -> list:
    """The strings of a (possibly concatenated) string expression, left to right."""
    import libcst as cst

    if isinstance(node, cst.ConcatenatedString):
        return [*_string_parts(node.left), *_string_parts(node.right)]
    return [node]


def _expressions(node) -> list:
    """The expressions of an f-string's fields, those of their format specs included."""
    import libcst as cst

    found = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringExpression):
            found.append(part.expression)
            found += _expressions(cst.FormattedString(parts=part.format_spec or ()))
    return found


def _quote_swaps(node) -> list | None:
    """The strings in the braces of the f-string ``node`` to quote the other way so that Python
    3.11 reads it, when that is all it takes (single-quoted strings holding no quote, backslash
    or line break, and nothing else 3.12-only in the braces); None otherwise."""
    import libcst as cst

    if len(node.end) != 1:
        return None
    other = "'" if node.end == '"' else '"'
    strings: list = []

    class Strings(cst.CSTVisitor):
        def visit_FormattedString(self, inner) -> bool:
            strings.append(None)  # an f-string in the braces: more than a quote swap
            return False

        def visit_SimpleString(self, string) -> None:
            if string.quote == node.end:
                strings.append(string)

    module = cst.Module(body=[])
    for part in node.parts:
        if isinstance(part, cst.FormattedStringExpression):
            part.visit(Strings())
    if not strings or None in strings or any(set(s.raw_value) & {"'", '"', "\\", "\n", "\r"} for s in strings):
        return None
    for part in node.parts:
        if isinstance(part, cst.FormattedStringExpression):
            inside = module.code_for_node(part)[1:-1]
            for string in strings:
                inside = inside.replace(module.code_for_node(string), string.prefix + other + string.raw_value + other)
            if node.end in inside or "\\" in inside or "#" in inside or "\n" in inside:
                return None
    return strings


def _fits_older_fstring(node) -> bool:
    """Whether Python 3.11 reads this f-string: its fields hold no backslash, no comment, no
    line break (unless triple-quoted) and not its own quote."""
    import libcst as cst

    quote = node.end
    module = cst.Module(body=[])
    for part in node.parts:
        if isinstance(part, cst.FormattedStringExpression):
            inside = module.code_for_node(part)[1:-1]
            if quote in inside or "\\" in inside or "#" in inside or (len(quote) == 1 and "\n" in inside):
                return False
    return True
