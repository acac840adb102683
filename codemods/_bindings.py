"""A census of the names a module binds, from ``ast``: what spares most fixes a scope analysis.

LibCST's scope analysis answers every binding question exactly, but costs more than the rest
of a typical file's fix together. Most questions a fix asks are about one kind of name: bound
once in the whole module, by a top-level ``from pkg.mod import Name [as alias]`` or
``import pkg.mod as alias``, and never assigned, deleted, declared global or used as a
parameter anywhere. Every use of such a name refers to that import, in any scope, so the
answers need no scope tree. ``Planner`` asks the census first and the scope analysis for
everything else (dotted ``import a.b``, names bound twice, star imports, names a string
annotation may read).
"""

from __future__ import annotations

import ast
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass, field

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# A run of word characters and non-ASCII ones (combining marks are not \w): where identifiers
# NFKC may change are. Maximal runs, so that a search is linear in the text.
_WORDS_AND_NON_ASCII = re.compile(r"[\w\x80-\U0010ffff]+")


@dataclass
class ModuleBindings:
    """Names of one module: every name it binds or reads, and its import-only names."""

    # With a star import any name may be bound by it: ``bound`` is then incomplete and
    # ``import_only`` empty.
    star_import: bool = False

    # First line (decorators included) of each top-level statement, and whether it imports.
    statements: list[tuple[int, bool]] = field(default_factory=list)
    # First line of each module-level line of statements, as LibCST's ``Module.body`` holds
    # them (``a = 1; b = 2`` is one).
    line_starts: list[int] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # every name bound or read, in any scope
    bound: set[str] = field(default_factory=set)  # every name bound, in any scope
    import_only: dict[str, str] = field(default_factory=dict)  # local name -> qualname it imports

    @classmethod
    def of(cls, text: str) -> ModuleBindings | None:
        """The census of ``text``; None when ``ast`` cannot read it or would spell a name
        differently from the source (the scope analysis decides then)."""
        if not text.isascii() and _normalization_changes_a_word(text):
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        census = cls()
        census.statements = [(min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", ())]),
                              isinstance(s, (ast.Import, ast.ImportFrom))) for s in tree.body]
        previous_end = 0
        for (first, _), statement in zip(census.statements, tree.body, strict=True):
            if first > previous_end:  # else it follows a ``;`` on the line before's last line
                census.line_starts.append(first)
            previous_end = statement.end_lineno
        bound: Counter[str] = Counter()
        strings: set[str] = set()

        def bind(name: str | None) -> None:
            if name:
                bound[name] += 1
                census.names.add(name)

        for node in _nodes(tree):
            kind = type(node)
            if kind is ast.Name:
                census.names.add(node.id)
                if type(node.ctx) is not ast.Load:
                    bind(node.id)
            elif kind is ast.Constant:
                if isinstance(node.value, str):
                    strings.add(node.value)  # ``__all__`` entries name bindings too
            elif kind is ast.arg:
                bind(node.arg)
                census._annotation_words(node.annotation, strings)
            elif kind in _DEFINITIONS:
                bind(node.name)
                census._annotation_words(getattr(node, "returns", None), strings)
            elif kind is ast.AnnAssign:
                census._annotation_words(node.annotation, strings)
            elif kind is ast.Import:
                for alias in node.names:
                    bind(alias.asname or alias.name.split(".")[0])
            elif kind is ast.ImportFrom:
                for alias in node.names:
                    census.star_import |= alias.name == "*"
                    bind(alias.asname or alias.name)
            elif kind is ast.Global or kind is ast.Nonlocal:
                for name in node.names:
                    bind(name)
            elif kind in _NAMED_BINDERS:
                bind(node.name)
            elif kind is ast.MatchMapping:
                bind(node.rest)
        census.bound = set(bound)
        if census.star_import:
            return census
        for local, qualname in _top_level_imports(tree):
            if bound[local] == 1 and local not in strings:
                census.import_only[local] = qualname
        return census

    def _annotation_words(self, annotation: ast.expr | None, strings: set[str]) -> None:
        """Names a string annotation (``x: "Dataset"``) reads: LibCST counts them as uses."""
        if annotation is None:
            return
        for node in ast.walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = _IDENTIFIER.findall(node.value)
                self.names.update(words)
                strings.update(words)


_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_NAMED_BINDERS = frozenset({ast.ExceptHandler, ast.MatchAs, ast.MatchStar})


def _nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` but the load/store markers, in no particular order (``ast.walk``
    with its generators per node cost a third of the census)."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                stack += [item for item in value if isinstance(item, ast.AST)]
            elif isinstance(value, ast.AST) and name != "ctx":
                stack.append(value)
    return found


def _normalization_changes_a_word(text: str) -> bool:
    """Whether a word of ``text`` changes under NFKC, as ``ast`` changes identifiers (``ª`` is
    ``a`` to it) while LibCST keeps them as written."""
    return any(not word.isascii() and unicodedata.normalize("NFKC", word) != word
               for word in _WORDS_AND_NON_ASCII.findall(text))


def _top_level_imports(tree: ast.Module) -> list[tuple[str, str]]:
    """(local, qualname) of the module-level imports whose local name is one identifier."""
    found = []
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            found += [(a.asname or a.name, f"{statement.module}.{a.name}") for a in statement.names]
        elif isinstance(statement, ast.Import):
            found += [(a.asname, a.name) for a in statement.names if a.asname]
    return found
