"""Helpers shared by the code rules: where inside a literal a finding points, call shapes."""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts, word_pattern
from migrator.analysis.strings import StaticString
from migrator.findings import Location


def location_in_literal(module: ModuleFacts, node: ast.AST, text: str, start: int, end: int) -> Location:
    """Location of ``text[start:end]``, where ``text`` is the value of the literal ``node``.

    The value and the source differ (quotes, escapes, concatenation): a string literal's value
    is mapped onto its source; in an f-string the fragment is looked up in the source (the same
    occurrence of the same text). When the source spells it differently the whole literal is the
    location.
    """
    needle = text[start:end]
    if not needle.strip():
        return module.location(node)
    if getattr(node, "value", None) == text:
        mapped = module.value_span(node, start, end)
        if mapped is not None:
            return mapped
    # Where the needle occurs in the value, once per literal and needle (not per finding).
    starts = module.memo(("needle-in-value", id(node), needle),
                         lambda _module: [match.start() for match in word_pattern(needle).finditer(text)])
    return module.locate_text(node, needle, bisect_left(starts, start))


def location_in_static(module: ModuleFacts, value: StaticString, start: int, end: int,
                       fallback: ast.AST) -> tuple[ast.AST, Location]:
    """The literal holding ``value.text[start:end]`` and the location of that part of it."""
    node, inner = value.origin(start)
    if node is None:
        return fallback, module.location(fallback)
    piece_text = next(p.text for p in value.pieces if p.node is node)
    length = min(end - start, len(piece_text) - inner)
    return node, location_in_literal(module, node, piece_text, inner, inner + length)


def call_arguments(call: ast.Call) -> Iterator[tuple[str | None, ast.expr]]:
    """(keyword name or None for positional, value) of every argument."""
    for arg in call.args:
        yield None, arg.value if isinstance(arg, ast.Starred) else arg
    for keyword in call.keywords:
        yield keyword.arg, keyword.value


def short_name(qualname: str | None) -> str:
    return (qualname or "").rsplit(".", 1)[-1]


def inside(module: ModuleFacts, node: ast.AST, containers: set[ast.AST] | frozenset[ast.AST]) -> bool:
    """True when ``node`` is one of ``containers`` or nested in one of them."""
    if not containers:  # most modules have none: no walk up the tree
        return False
    if node in containers:
        return True
    return any(a in containers for a in module.ancestors(node))


class FrozenMapping(dict):
    """A dict that can sit in fix data: findings are frozen and hashed, fix data is JSON."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def _refuse(self, *args, **kwargs):
        raise TypeError("FrozenMapping is read-only")

    def __reduce__(self):
        # pickle (worker processes, the scan cache) would rebuild a dict subclass item by item
        # through the refused __setitem__; rebuild it from a plain dict instead.
        return (type(self), (dict(self),))

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _refuse  # type: ignore[assignment]
