"""What every codemod shares: finding a finding's node, staging edits, and the one LibCST pass.

A finding points at a span of source (1-based line and character column, exclusive end, as
``ast`` sees it). ``FixCommand`` parses the file once with LibCST, asks each codemod to *plan*
its edit against that tree (locating nodes by position, reading bindings), then transforms the
tree once, applying every planned node operation on the way up. New imports are added after
the pass (``_imports``). Imports the edits leave unused are removed in the pass itself,
decided from the bindings: every use of the binding is replaced or removed by a planned
operation. (LibCST's ``RemoveImportsVisitor`` re-analyses the whole transformed module, which
tripled the cost of a fix, and keeps ``import a.b.c`` while ``a`` is used anywhere, which on
Airflow 3 leaves an import that fails.)

Metadata is the expensive part of a fix, so each piece is computed only where an edit needs
it: positions and parents per top-level statement (``_Layout``); bindings from an ``ast``
census of the module (``_bindings``), with LibCST's scope analysis only for the names the
census cannot answer for; and the transform descends only into what an operation touches.

Each edit is a transaction: if its codemod raises ``CannotFix`` nothing it staged is kept, and
an edit whose node operation contradicts another edit's is refused rather than half-applied.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    Assignment,
    GlobalScope,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)
from libcst.metadata.position_provider import NEWLINE_RE

from migrator.findings import Fix, Location

from ._bindings import ModuleBindings
from ._imports import ImportRequest, add_imports, is_import_line

NodeResult = cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel
NodeOp = Callable[[cst.CSTNode], NodeResult]


@dataclass(frozen=True)
class Edit:
    """One fix to apply: a finding's fix at its location.

    ``key`` is the caller's handle for the edit; results are reported by key.
    """

    key: Hashable
    fix: Fix
    location: Location


class CannotFix(Exception):
    """This fix cannot be applied here; the message says why and is shown to the user."""


class NeedWholeModule(Exception):
    """The pass was given the top of the file only, and an edit needs to see the rest."""


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


class _Layout:
    """Positions (LibCST's ``PositionProvider`` ranges) and parents of the module's nodes.

    A fix touches a few statements of a file; laying out the whole module costs more than the
    rest of the fix together. Each top-level statement is laid out the first time an edit
    looks inside it; a node from elsewhere (a scope reference) lays out the rest. Even the
    statements' line spans are counted only as far down the file as an edit needs.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._ranges: dict[cst.CSTNode, Range] = {}
        self.parents: dict[cst.CSTNode, cst.CSTNode] = dict.fromkeys(module.body, module)
        self.statement_nodes: dict[int, list[cst.CSTNode]] = {}  # statement index -> its nodes
        # Lines [first, end) of the first statements, leading comments and blank lines included.
        self._spans: list[tuple[int, int]] = []
        self._next_line = 1 + len(module.header)

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
        found = []
        for index in range(len(self.module.body)):
            first, end = self.span(index)
            if first > location.end_line:
                break
            if location.line < end:
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
        middle = "".join(new.code_for_node(statement) for statement in body[prefix:len(body) - suffix])
        return "".join(lines[:start - 1]) + middle + "".join(lines[resume - 1:])

    def everything(self) -> None:
        for index in range(len(self.module.body)):
            self.statement(index)

    def position(self, node: cst.CSTNode) -> Range:
        if node not in self._ranges:
            self.everything()
        return self._ranges[node]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if node not in self.parents and node is not self.module:
            self.everything()
        return self.parents.get(node)


# -- staged operations ------------------------------------------------------------------------


@dataclass
class _NodeOps:
    tags: list[tuple[Hashable, Hashable]] = field(default_factory=list)  # (edit key, tag)
    ops: list[NodeOp] = field(default_factory=list)
    remove: bool = False


@dataclass
class _Staged:
    """What one edit wants to do; merged into the plan only if the whole edit succeeds."""

    ops: list[tuple[cst.CSTNode, Hashable, NodeOp | None]] = field(default_factory=list)
    add_imports: list[ImportRequest] = field(default_factory=list)
    forgets: list[tuple[cst.CSTNode, int]] = field(default_factory=list)  # (import statement, alias)
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> qualname it will bind
    states: dict[tuple[cst.CSTNode, str], Any] = field(default_factory=dict)


REMOVE = "remove"


class Planner:
    """The planning side of one file's pass: node lookup, binding facts and staged edits."""

    def __init__(self, command: FixCommand, module: cst.Module) -> None:
        self.command = command
        self.module = module
        self.layout = _Layout(module)
        self._scopes: Mapping[cst.CSTNode, Scope | None] | None = None
        self._ops: dict[cst.CSTNode, _NodeOps] = {}
        self._state: dict[tuple[cst.CSTNode, str], Any] = {}
        self._staged: _Staged | None = None
        self._edit: Edit | None = None
        self.planned_bindings: dict[str, str] = {}  # names new imports will bind, module level
        self._forgets: list[tuple[cst.CSTNode, int]] = []
        self._by_type: dict[type, list[cst.CSTNode]] | None = None
        self._names: set[str] | None = None

    # -- metadata ---------------------------------------------------------------------------

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.layout.parent(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parent = self.parent(node)
        while parent is not None:
            yield parent
            parent = self.parent(parent)

    @property
    def scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        """LibCST's scope analysis of the whole module, made on the first question about a
        binding (many files' fixes never ask one)."""
        if self._scopes is None:
            self._whole_module()
            self._scopes = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(ScopeProvider)
        return self._scopes

    def scope(self, node: cst.CSTNode) -> Scope | None:
        return self.scopes.get(node)

    @property
    def bindings(self) -> ModuleBindings | None:
        """The ``ast`` census of the module's names, which answers most binding questions
        without the scope analysis (see ``_bindings``)."""
        return self.command.census

    def _whole_module(self) -> None:
        if self.command.rest is not None:
            raise NeedWholeModule

    def _import_only(self, local: str) -> str | None:
        """The qualname ``local`` imports when the module binds it only by that one import."""
        return self.bindings.import_only.get(local) if self.bindings is not None else None

    def qualnames(self, node: cst.CSTNode) -> set[str]:
        """What a Name/Attribute refers to through imports (asked of the scope for the few
        candidate nodes; QualifiedNameProvider would compute it for every node up front).

        Like LibCST's answer it goes by the dotted name, so ``x.DummyOperator`` names what the
        name ``DummyOperator`` is bound to."""
        full = get_full_name_for_node(node)
        head = full.partition(".")[0] if full else ""
        imported = self._import_only(head)
        if imported is not None and not self._in_import(node):
            return {imported + full[len(head):]}
        scope = self.scope(node)
        return {q.name for q in scope.get_qualified_names_for(node)} if scope is not None else set()

    def _in_import(self, node: cst.CSTNode) -> bool:
        return any(isinstance(a, (cst.Import, cst.ImportFrom)) for a in self.ancestors(node))

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # -- finding nodes ----------------------------------------------------------------------

    def nodes(self, *types: type) -> list[cst.CSTNode]:
        """Every node of ``types`` in the module (lays the whole module out)."""
        self._whole_module()
        if self._by_type is None:
            self.layout.everything()
            self._by_type = {}
            for node in self.layout.positions:
                self._by_type.setdefault(type(node), []).append(node)
        return [n for t in types for n in self._by_type.get(t, ())]

    def at(self, location: Location, *types: type) -> list[cst.CSTNode]:
        """Nodes of ``types`` that overlap ``location`` (cheap position test first: codemods
        then read bindings and qualified names of these few only)."""
        positions = self.layout.positions
        return [node for index in self.layout.overlapping(location) for node in self.layout.statement(index)
                if type(node) in types and match_score(location, positions[node]) is not None]

    def named_import(self, location: Location, name: str) -> tuple[str, cst.CSTNode]:
        """(``name``, the import statement) of the import at ``location`` that binds ``name``;
        CannotFix when none does."""
        aliases = [a for a in self.at(location, cst.ImportAlias)
                   if (a.asname.name.value if a.asname else get_full_name_for_node(a.name)) == name]
        alias = self.locate(location, aliases, f"import of {name}")
        return name, self.parent(alias)

    def locate(self, location: Location, candidates: Iterable[cst.CSTNode], what: str) -> cst.CSTNode:
        """The candidate that best matches ``location``; CannotFix when none or a tie."""
        scored = []
        for node in candidates:
            score = match_score(location, self.layout.position(node))
            if score is not None:
                scored.append((score, node))
        if not scored:
            raise CannotFix(f"no {what} at line {location.line}")
        scored.sort(key=lambda item: item[0])
        if len(scored) > 1 and scored[0][0] == scored[1][0] and scored[0][1] is not scored[1][1]:
            raise CannotFix(f"more than one {what} at line {location.line}; fix it by hand")
        return scored[0][1]

    def all_names(self) -> set[str]:
        """Every name bound or read in any scope of the module (for collision checks).

        Attribute names and keyword names are not bindings, so ``bo.BashOperator`` does not
        make ``BashOperator`` taken.
        """
        if self._names is None and self.bindings is not None:
            self._names = self.bindings.names
        if self._names is None:
            names: set[str] = set()
            for scope in {s for s in self.scopes.values() if s is not None}:
                names.update(assignment.name.split(".")[0] for assignment in scope.assignments)
                for access in scope.accesses:
                    head = get_full_name_for_node(access.node)
                    if head:
                        names.add(head.split(".")[0])
            self._names = names
        return self._names | set(self.planned_bindings)

    # -- bindings ---------------------------------------------------------------------------

    def import_statement(self, name_node: cst.Name) -> cst.Import | cst.ImportFrom | None:
        """The import that binds the name used at ``name_node`` (None if not one import)."""
        if self._import_only(name_node.value) is not None:
            return self._top_level_import(name_node.value)
        scope = self.scope(name_node)
        if scope is None:
            return None
        found = [a for a in scope[name_node.value]
                 if isinstance(a, Assignment) and isinstance(a.node, (cst.Import, cst.ImportFrom))]
        return found[0].node if len(found) == 1 else None

    def _top_level_import(self, local: str) -> cst.Import | cst.ImportFrom | None:
        for statement in _top_level_statements(self.module.body):
            for small in getattr(statement, "body", ()):
                if any(bound == local for bound, _ in import_bindings(small)):
                    return small
        return None

    def import_references(self, statement: cst.Import | cst.ImportFrom, local: str,
                          exclusive: bool = False) -> list[cst.CSTNode] | None:
        """The uses of the binding of ``local`` that ``statement`` makes; None when it does not
        make exactly one, or (``exclusive``) when a use may also reach another binding."""
        if self._import_only(local) is not None and self._top_level_import(local) is statement:
            return self._uses(local)
        scope = self.scope(statement)
        binding = [a for a in (scope.assignments[local] if scope is not None else ())
                   if isinstance(a, Assignment) and a.node is statement]
        if len(binding) != 1:
            return None
        accesses = list(binding[0].references)
        if exclusive and any(len(access.referents) != 1 for access in accesses):
            return None
        return [access.node for access in accesses]

    def _uses(self, local: str) -> list[cst.CSTNode]:
        """Every read of an import-only name: its Name nodes outside imports, attribute names
        and keyword names (only the statements whose text has the word are laid out)."""
        word = re.compile(rf"(?<!\w){re.escape(local)}(?!\w)")
        if self.command.rest is not None and word.search(self.command.rest):
            raise NeedWholeModule
        uses = []
        for index in self.layout.statements_matching(self.command.source, word):
            for node in self.layout.statement(index):
                if type(node) is cst.Name and node.value == local and self._is_read(node):
                    uses.append(node)
        return uses

    def _is_read(self, name: cst.Name) -> bool:
        parent = self.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            return False
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            return False
        if isinstance(parent, cst.MatchKeywordElement) and parent.key is name:
            return False
        return not self._in_import(name)

    def module_imports(self) -> dict[str, str]:
        """Module-level local name -> qualname bound by an import (first binding wins)."""
        table: dict[str, str] = {}
        for statement in _top_level_statements(self.module.body):
            for small in getattr(statement, "body", ()):
                for local, qualname in import_bindings(small):
                    table.setdefault(local, qualname)
        return table

    def reference_to(self, qualname: str, at: cst.CSTNode) -> cst.BaseExpression:
        """An expression that refers to ``qualname`` at ``at``, scheduling the import it needs.

        Reuses a module-level import of the same object; else imports the object by name
        (``from pkg.mod import Name``) when that name is free in the module; else imports the
        module and spells the full dotted path.
        """
        module_path, _, name = qualname.rpartition(".")
        if not module_path:
            raise CannotFix(f"{qualname!r} is not a dotted path")
        existing = {**self.module_imports(), **self.planned_bindings}
        for local, bound in existing.items():
            if bound == qualname and not self.shadowed(local, at):
                return cst.Name(local)
        if name not in self.all_names() or existing.get(name) == qualname:
            self.add_import(module_path, name)
            self.stage_binding(name, qualname)
            return cst.Name(name)
        top = module_path.split(".")[0]
        if top not in self.all_names() or existing.get(top, "").split(".")[0] == top:
            self.add_import(module_path)
            return dotted(qualname)
        raise CannotFix(f"cannot import {qualname}: the names {name!r} and {top!r} are taken")

    def shadowed(self, local: str, at: cst.CSTNode) -> bool:
        """Whether a function or class scope around ``at`` rebinds the module-level name ``local``."""
        if self._import_only(local) is not None:
            return False
        scope = self.scope(at)
        while scope is not None and not isinstance(scope, GlobalScope):
            if scope.assignments[local]:
                return True
            scope = scope.parent
        return False

    def forget_import(self, statement: cst.CSTNode, local: str) -> None:
        """Remove the import binding ``local`` if the pass leaves it unused (decided at the end)."""
        for index, (_, module_path, name, asname) in enumerate(_import_parts(statement)):
            if _binds(module_path, name, asname) == local:
                self._staged.forgets.append((statement, index))

    def forget_binding_of(self, name_node: cst.CSTNode) -> None:
        """Remove the import behind a Name/Attribute use if the pass leaves it unused.

        For a dotted use (``airflow.contrib.hooks.aws_hook.AwsHook``) that is the ``import`` of
        the longest module path the use goes through, not every import binding ``airflow``.
        """
        head = name_node
        while isinstance(head, cst.Attribute):
            head = head.value
        if not isinstance(head, cst.Name):
            return
        full = get_full_name_for_node(name_node) or head.value
        if self._import_only(head.value) is not None:
            self.forget_import(self._top_level_import(head.value), head.value)
            return
        census = self.bindings
        if census is not None and not census.star_import and head.value not in census.bound:
            return  # nothing binds it (``True``, a builtin): no import to forget
        scope = self.scope(head)
        best: Assignment | None = None
        while scope is not None:
            for assignment in scope.assignments:
                if not isinstance(assignment, Assignment) or not isinstance(assignment.node, (cst.Import, cst.ImportFrom)):
                    continue
                through = full == assignment.name or full.startswith(assignment.name + ".")
                if through and (best is None or len(assignment.name) > len(best.name)):
                    best = assignment
            if best is not None or isinstance(scope, GlobalScope):
                break
            scope = scope.parent
        if best is not None:
            self.forget_import(best.node, best.name)

    def import_edit(self, statement: cst.Import | cst.ImportFrom) -> ImportEdit:
        """The shared rewrite of one import statement (moved names, dropped names)."""
        line = self.parent(statement)
        target = line if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else statement
        if self._staged is None:  # outside an edit: removal of unused imports at the end
            slot = (target, "import")
            if slot not in self._state:
                self._state[slot] = ImportEdit(statement)
                entry = self._ops.setdefault(target, _NodeOps())
                entry.ops.append(self._state[slot].apply)
            return self._state[slot]
        return self.shared(target, "import", lambda: ImportEdit(statement))

    def remove_unused_imports(self) -> None:
        """Drop every forgotten import binding the pass leaves unused.

        A binding is unused when each of its uses is removed or replaced by code that no
        longer names it. An import rewritten in place (a moved or renamed object) also stays
        while any planned code names what it now binds: renamed uses of a duplicate import,
        or a class replacement that reuses it.
        """
        produced = self._names_written()
        for statement, index in dict.fromkeys(self._forgets):
            edit = self._state.get((self._import_target(statement), "import"))
            if edit is not None and index in edit.drops:
                continue
            _, module_path, name, asname = list(_import_parts(statement))[index]
            local = _binds(module_path, name, asname)
            names = {local}
            if edit is not None and index in edit.moves:
                _, new_name, new_asname = edit.moves[index]
                names.add(new_asname or new_name)
                if (new_asname or new_name) in produced:
                    continue
            uses = self.import_references(statement, local)
            if uses is None or not all(self._use_gone(node, names) for node in uses):
                continue
            edit = self.import_edit(statement)
            edit.moves.pop(index, None)
            edit.drops.add(index)

    def _names_written(self) -> set[str]:
        """Names the planned operations write: renamed names, and names in replacement code."""
        names: set[str] = set()
        for entry in self._ops.values():
            for _, tag in entry.tags:
                if isinstance(tag, tuple) and tag[0] == "rename":
                    names.add(str(tag[1]))
                elif isinstance(tag, tuple) and tag[0] == "expr":
                    names.update(re.findall(r"(?<![\w.])[A-Za-z_]\w*", str(tag[1])))
        return names

    def _import_target(self, statement: cst.CSTNode) -> cst.CSTNode:
        line = self.parent(statement)
        return line if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else statement

    def _use_gone(self, node: cst.CSTNode, names: set[str]) -> bool:
        """Whether the pass removes this use, or replaces it with code naming none of ``names``
        (the binding's local name, and its new name when the import is rewritten in place).

        A node's last operation decides (operations apply in order): a class swap after a
        rename leaves the swap's code.
        """
        def spells(code: str) -> bool:
            return any(re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", code) for n in names)

        for current in (node, *self.ancestors(node)):
            entry = self._ops.get(current)
            if entry is None:
                continue
            if entry.remove:
                return True
            for _, tag in reversed(entry.tags):
                if not isinstance(tag, tuple):
                    continue
                if tag[0] == "expr":  # replaced by new code: gone unless that code names it
                    return not spells(str(tag[1]))
                if tag[0] == "rename" and current is node:
                    return str(tag[1]) not in names
                if tag[0] == "module" and current is node:
                    return True
        return False

    def imported_elsewhere(self, local: str, qualname: str, besides: cst.CSTNode) -> bool:
        """True when another import in the same block as ``besides`` binds ``local`` to ``qualname``.

        Only the same block counts: an import in a ``try`` body and its ``except ImportError``
        fallback are alternatives, not duplicates.
        """
        line = self.parent(besides)
        block = self.parent(line) if line is not None else None
        body = getattr(block, "body", ())
        for statement in body if isinstance(body, Sequence) else ():
            for small in getattr(statement, "body", ()) if isinstance(statement, cst.SimpleStatementLine) else ():
                if small is not besides and (local, qualname) in set(import_bindings(small)):
                    return True
        return isinstance(block, cst.Module) and self.planned_bindings.get(local) == qualname

    # -- staging ----------------------------------------------------------------------------

    @property
    def edit(self) -> Edit:
        assert self._edit is not None
        return self._edit

    def replace(self, node: cst.CSTNode, tag: Hashable, op: NodeOp) -> None:
        """Transform ``node``; edits with equal tags on one node are the same change."""
        self._staged.ops.append((node, tag, op))

    def remove(self, node: cst.CSTNode) -> None:
        """Remove ``node`` (an argument, dict entry or decorator) from its parent."""
        self._staged.ops.append((node, REMOVE, None))

    def add_import(self, module_path: str, name: str | None = None) -> None:
        self._staged.add_imports.append((module_path, name))

    def stage_binding(self, local: str, qualname: str) -> None:
        self._staged.bindings[local] = qualname

    def shared(self, node: cst.CSTNode, key: str, factory: Callable[[], Any]) -> Any:
        """Per-node state several edits build up together (e.g. one import statement's rewrite).

        The state object is the caller's to mutate; it must have ``apply(node)`` (the node
        operation, run once), ``snapshot()`` and ``restore(saved)``. Creation is staged like
        everything else, so a refused edit leaves no state behind.
        """
        slot = (node, key)
        if slot in self._state:
            return self._state[slot]
        if slot in self._staged.states:
            return self._staged.states[slot]
        state = factory()
        self._staged.states[slot] = state
        return state

    def run(self, edit: Edit, plan: Callable[[Edit, Planner], None]) -> str | None:
        """Plan one edit as a transaction; returns None when staged, else why it was refused."""
        self._staged, self._edit = _Staged(), edit
        snapshot = {slot: _copy_state(state) for slot, state in self._state.items()}
        try:
            plan(edit, self)
            self._commit(edit)
        except CannotFix as exc:
            for slot, saved in snapshot.items():
                _restore_state(self._state[slot], saved)
            return str(exc) or "cannot apply this fix here"
        finally:
            self._staged, self._edit = None, None
        return None

    def _commit(self, edit: Edit) -> None:
        staged = self._staged
        # Check every operation first so a conflicting edit leaves nothing behind.
        for node, tag, op in staged.ops:
            current = self._ops.get(node)
            if current is None:
                continue
            if current.remove and tag != REMOVE:
                raise CannotFix("the code it changes is removed by another fix")
            if tag == REMOVE and current.ops:
                raise CannotFix("the code it removes is changed by another fix")
            if tag != REMOVE and any(t[1] != tag and _same_kind(t[1], tag) for t in current.tags):
                raise CannotFix("another fix changes the same code differently")
        for slot, state in staged.states.items():  # shared state: one operation, built by many edits
            self._state[slot] = state
            entry = self._ops.setdefault(slot[0], _NodeOps())
            entry.ops.append(state.apply)
            entry.tags.append((edit.key, ("shared", slot[1])))
        for node, tag, op in staged.ops:
            entry = self._ops.setdefault(node, _NodeOps())
            if tag == REMOVE:
                entry.remove = True
            elif any(t[1] == tag for t in entry.tags):
                continue  # the same change, already planned by another edit
            else:
                entry.ops.append(op)
            entry.tags.append((edit.key, tag))
        self.command.imports_to_add.extend(staged.add_imports)
        self._forgets.extend(staged.forgets)
        self.planned_bindings.update(staged.bindings)

    @property
    def operations(self) -> dict[cst.CSTNode, _NodeOps]:
        return self._ops


def lines_with_ends(text: str) -> list[str]:
    """``text`` cut into lines the way LibCST counts them (``\\n``, ``\\r\\n`` or ``\\r``)."""
    pieces = _NEWLINE_SPLIT.split(text)
    return [pieces[i] + pieces[i + 1] for i in range(0, len(pieces) - 1, 2)] + [pieces[-1]]


_NEWLINE_SPLIT = re.compile(f"({NEWLINE_RE.pattern})")


def _same_kind(tag_a: Hashable, tag_b: Hashable) -> bool:
    """Tags are (kind, value) tuples; two ops of one kind with different values conflict."""
    return (isinstance(tag_a, tuple) and isinstance(tag_b, tuple) and tag_a[:1] == tag_b[:1]
            and tag_a[0] != "shared")


def _copy_state(state: Any) -> Any:
    return state.snapshot() if hasattr(state, "snapshot") else None


def _restore_state(state: Any, saved: Any) -> None:
    if hasattr(state, "restore"):
        state.restore(saved)


# -- the pass ---------------------------------------------------------------------------------


class FixCommand:
    """Plans every edit of one file, then applies them all in a single LibCST transform.

    Not a LibCST codemod command: their matcher machinery costs more to set up per file than
    a small file's whole fix."""

    def __init__(self, source: str, edits: Sequence[Edit],
                 planners: Mapping[type[Fix], Callable[[Edit, Planner], None]],
                 order: Callable[[Edit], Any], census: ModuleBindings | None = None,
                 rest: str | None = None) -> None:
        self.imports_to_add: list[ImportRequest] = []
        self.planner: Planner | None = None
        self.source = source  # the whole file's text
        self.census = census if census is not None else ModuleBindings.of(source)
        # The text after the parsed top of the file (None: the whole file was parsed). Questions
        # about it raise NeedWholeModule.
        self.rest = rest
        self.edits = edits
        self.planners = planners
        self.order = order
        self.refused: dict[Hashable, str] = {}
        self.staged: set[Hashable] = set()

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """The pass (its metadata computed on demand, see ``Planner``), then the new imports."""
        tree = self.transform_module_impl(tree)
        return add_imports(tree, self.imports_to_add) if self.imports_to_add else tree

    def code(self, new: cst.Module, parsed: str) -> str:
        """The text of ``new``, the module this command's pass returned from ``parsed``."""
        return self.planner.layout.code_of(new, parsed) if self.planner else new.code

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        planner = self.planner = Planner(self, tree)
        for edit in sorted(self.edits, key=self.order):
            plan = self.planners.get(type(edit.fix))
            if plan is None:
                self.refused[edit.key] = f"no codemod for fix kind {edit.fix.kind!r}"
                continue
            reason = planner.run(edit, plan)
            if reason is None:
                self.staged.add(edit.key)
            else:
                self.refused[edit.key] = reason
        planner.remove_unused_imports()
        if not planner.operations:
            return tree
        return tree.visit(_ApplyOperations(planner.operations, planner.layout))


class _ApplyOperations(cst.CSTTransformer):
    """The transform itself: a plain transformer (the codemod command's matcher machinery
    costs more than the edits), applying each node's operations on the way up."""

    def __init__(self, ops: Mapping[cst.CSTNode, _NodeOps], layout: _Layout) -> None:
        super().__init__()
        self._ops = ops
        self._produced: dict[cst.CSTNode, int] = {}  # statement -> statements it became (0 = removed)
        # Only the ancestors of operated nodes are descended into; everything else stays as is.
        self._touched: set[cst.CSTNode] = set()
        for node in ops:
            parent = layout.parent(node)
            while parent is not None and parent not in self._touched:
                self._touched.add(parent)
                parent = layout.parent(parent)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node in self._touched

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> NodeResult:
        if original_node not in self._touched and original_node not in self._ops:
            return updated_node
        result = updated_node
        if isinstance(result, cst.CSTNode):
            result = _repair_removals(original_node, result, self._ops)
            if isinstance(original_node, (cst.Module, cst.IndentedBlock)) and self._produced:
                result = self._keep_leading_lines(original_node, result)
        entry = self._ops.get(original_node)
        if entry is None:
            return result
        if entry.remove:
            result = cst.RemovalSentinel.REMOVE
        else:
            for op in entry.ops:
                if not isinstance(result, cst.CSTNode):
                    break
                result = op(result)
        if isinstance(original_node, cst.BaseStatement):
            self._produced[original_node] = (0 if isinstance(result, cst.RemovalSentinel) else
                                             len(result.nodes) if isinstance(result, cst.FlattenSentinel) else 1)
        return result

    def _keep_leading_lines(self, original: cst.Module | cst.IndentedBlock, updated: cst.CSTNode) -> cst.CSTNode:
        """A removed statement's blank lines and comments above it stay, above what follows."""
        body = list(updated.body)
        position, carried = 0, []
        for statement in original.body:
            produced = self._produced.get(statement, 1)
            if produced == 0:
                carried += list(statement.leading_lines)
                continue
            if carried and position < len(body):
                following = body[position]
                if not is_import_line(following):
                    # A comment over a removed import labelled it (or its group, which ends
                    # here): it would mislabel the code that follows.
                    carried = [line for line in carried if line.comment is None]
                own = list(following.leading_lines)
                if own:  # its own separation wins; only the removed lines' comments join it
                    first_comment = next((i for i, line in enumerate(carried) if line.comment), len(carried))
                    carried = carried[first_comment:]
                body[position] = following.with_changes(leading_lines=[*carried, *own])
                carried = []
            position += produced
        return updated.with_changes(body=body) if body != list(updated.body) else updated


def _removed(node: cst.CSTNode, ops: Mapping[cst.CSTNode, _NodeOps]) -> bool:
    entry = ops.get(node)
    return entry is not None and entry.remove


_OPENING = {cst.Dict: "lbrace", cst.Set: "lbrace", cst.List: "lbracket"}
_CLOSING = {cst.Dict: "rbrace", cst.Set: "rbrace", cst.List: "rbracket"}


def _repair_removals(original: cst.CSTNode, updated: cst.CSTNode,
                     ops: Mapping[cst.CSTNode, _NodeOps]) -> cst.CSTNode:
    """Keep commas, the brackets' whitespace and comments right after removals.

    LibCST drops a removed element with its own comma, so removing the last argument of
    ``f(a, b=1)`` would leave ``f(a, )``: the new last element takes over the removed last
    element's comma and trailing whitespace instead. A removed decorator's own comment lines
    move to whatever follows it.
    """
    if isinstance(original, cst.Call):
        args, _, opening = _repair_sequence(original.args, updated.args, ops, True)
        updated = updated.with_changes(args=args)
        if opening is not None:
            updated = updated.with_changes(
                whitespace_before_args=_merge_lines(updated.whitespace_before_args, opening))
        return updated
    if isinstance(original, (cst.Dict, cst.Set, cst.List)):
        elements, carried, opening = _repair_sequence(original.elements, updated.elements, ops, False)
        updated = updated.with_changes(elements=elements)
        if opening is not None:
            bracket = getattr(updated, _OPENING[type(original)])
            updated = updated.with_changes(**{_OPENING[type(original)]: bracket.with_changes(
                whitespace_after=_merge_lines(bracket.whitespace_after, opening))})
        if carried is not None:
            # The comment after the new last element's comma now sits before the closing bracket.
            bracket = getattr(updated, _CLOSING[type(original)])
            before = bracket.whitespace_before
            if isinstance(before, cst.ParenthesizedWhitespace):
                before = before.with_changes(first_line=carried)
            else:
                before = cst.ParenthesizedWhitespace(first_line=carried, indent=True)
            updated = updated.with_changes(**{_CLOSING[type(original)]: bracket.with_changes(whitespace_before=before)})
        return updated
    if isinstance(original, cst.Tuple):
        elements, _, _ = _repair_sequence(original.elements, updated.elements, ops, False)
        return updated.with_changes(elements=elements)
    if isinstance(original, (cst.FunctionDef, cst.ClassDef)) and any(_removed(d, ops) for d in original.decorators):
        return _repair_decorators(original, updated, ops)
    return updated


def _repair_sequence(original: Sequence[cst.CSTNode], updated: Sequence[cst.CSTNode],
                     ops: Mapping[cst.CSTNode, _NodeOps], is_args: bool
                     ) -> tuple[Sequence[cst.CSTNode], cst.TrailingWhitespace | None, Any]:
    """Commas and line comments around removed elements.

    The whitespace after an element's comma holds, in order: the comment on that element's own
    line (which stays with it), comment lines above the next element (which go with the next
    element), and the next element's indentation. Returns the new elements; for brackets that
    own their closing line break, the own-line comment to move before the closing bracket; and
    when the first elements went, the whitespace (with comment lines) the opening bracket
    must now end with.
    """
    if not any(_removed(o, ops) for o in original):
        return updated, None, None
    result = list(updated)
    carried = opening = None
    survivors = 0
    for index, element in enumerate(original):
        if not _removed(element, ops):
            survivors += 1
            continue
        if survivors == 0:
            # Removing the first elements: comment lines above the next one move up to the
            # opening bracket (the bracket keeps its layout otherwise).
            after = element.comma.whitespace_after if isinstance(element.comma, cst.Comma) else None
            if isinstance(after, cst.ParenthesizedWhitespace) and any(line.comment for line in after.empty_lines):
                opening = after
            continue
        previous = result[survivors - 1]
        if any(not _removed(o, ops) for o in original[index + 1:]):
            # In the middle: comment lines above the removed element go with it.
            if isinstance(previous.comma, cst.Comma) and isinstance(element.comma, cst.Comma):
                previous = previous.with_changes(comma=previous.comma.with_changes(
                    whitespace_after=_merge_lines(previous.comma.whitespace_after, element.comma.whitespace_after)))
        elif index == len(original) - 1:
            previous, carried = _take_ending(previous, element, is_args)
        result[survivors - 1] = previous
    return result, carried, opening


def _take_ending(previous: cst.CSTNode, last: cst.CSTNode, is_args: bool
                 ) -> tuple[cst.CSTNode, cst.TrailingWhitespace | None]:
    """``previous`` becomes the last element: it ends the way the removed last element did."""
    mine = previous.comma.whitespace_after if isinstance(previous.comma, cst.Comma) else None
    if not is_args:
        # Literals: the closing bracket owns the line break, so an own-line comment moves there.
        carried = mine.first_line if _inline_comment(mine) else None
        comma = last.comma
        if isinstance(comma, cst.Comma) and mine is not None:
            rest = comma.whitespace_after
            comma = comma.with_changes(whitespace_after=_merge_lines(mine, rest) if carried is None or
                                       isinstance(rest, cst.ParenthesizedWhitespace) else rest)
            if isinstance(rest, cst.ParenthesizedWhitespace):
                carried = None
        return previous.with_changes(comma=comma), carried
    if isinstance(last.comma, cst.Comma):
        comma = last.comma
        if mine is not None:
            comma = comma.with_changes(whitespace_after=_merge_lines(mine, comma.whitespace_after))
        return previous.with_changes(comma=comma, whitespace_after_arg=last.whitespace_after_arg), None
    ending = last.whitespace_after_arg
    if mine is not None:
        ending = _merge_lines(mine, ending)
    return previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=ending), None


def _inline_comment(whitespace: Any) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and whitespace.first_line.comment is not None


def _merge_lines(keep: Any, rest: Any) -> Any:
    """Whitespace with ``keep``'s own-line comment and everything after the first line from ``rest``."""
    if isinstance(rest, cst.ParenthesizedWhitespace):
        if isinstance(keep, cst.ParenthesizedWhitespace):
            return rest.with_changes(first_line=keep.first_line)
        return rest
    if _inline_comment(keep):  # the comment needs its line break; keep the old line layout
        return keep.with_changes(empty_lines=[])
    return rest


def _repair_decorators(original: cst.FunctionDef | cst.ClassDef, updated: cst.FunctionDef | cst.ClassDef,
                       ops: Mapping[cst.CSTNode, _NodeOps]) -> cst.CSTNode:
    survivors = iter(updated.decorators)
    decorators: list[cst.Decorator] = []
    carried: list[cst.EmptyLine] = []
    for decorator in original.decorators:
        if _removed(decorator, ops):
            carried += [line for line in decorator.leading_lines if line.comment is not None]
            continue
        kept = next(survivors)
        if carried:
            kept = kept.with_changes(leading_lines=[*carried, *kept.leading_lines])
            carried = []
        decorators.append(kept)
    changes: dict[str, Any] = {"decorators": decorators}
    if carried:
        changes["lines_after_decorators"] = [*carried, *updated.lines_after_decorators]
        if not decorators:  # no decorator left: the comments go before the def itself
            changes = {"decorators": [], "leading_lines": [*updated.leading_lines, *carried],
                       "lines_after_decorators": updated.lines_after_decorators}
    return updated.with_changes(**changes)


# -- small helpers codemods share ---------------------------------------------------------------


def preferred_quote(planner: Planner) -> str:
    """The quote character most one-line string literals in the module use (new code matches
    it). Read from the tokens: laying out the whole tree to count them cost more than the fix."""
    single = double = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(planner.command.source).readline):
            if token.type == tokenize.STRING:
                body = token.string.lstrip("rRbBuU")
                if body[:1] in ("'", '"') and body[:3] not in ("'''", '"""'):  # f-strings keep their f
                    single += body[0] == "'"
                    double += body[0] == '"'
    except (tokenize.TokenError, SyntaxError):
        pass  # the counts so far decide
    return "'" if single > double else '"'


def locate_argument(planner: Planner, edit: Edit, name: str) -> cst.Arg | cst.DictElement:
    """The keyword argument ``name=`` or the dict entry ``"name": ...`` at the edit's location.

    Both shapes carry operator and DAG arguments: ``DAG(schedule_interval=...)`` and
    ``default_args = {"task_concurrency": 2}`` (or ``dict(task_concurrency=2)``).
    """
    candidates = [n for n in planner.at(edit.location, cst.Arg) if n.keyword is not None and n.keyword.value == name]
    candidates += [n for n in planner.at(edit.location, cst.DictElement) if string_value(n.key) == name]
    return planner.locate(edit.location, candidates, f"argument {name!r}")


def sibling_names(planner: Planner, node: cst.Arg | cst.DictElement) -> set[str]:
    """The other keyword names (or string keys) of the call or dict holding ``node``."""
    parent = planner.parent(node)
    if isinstance(parent, cst.Call):
        return {a.keyword.value for a in parent.args if a.keyword is not None and a is not node}
    if isinstance(parent, cst.Dict):
        return {v for e in parent.elements if isinstance(e, cst.DictElement) and e is not node
                for v in [string_value(e.key)] if v is not None}
    return set()



def dotted(qualname: str) -> cst.BaseExpression:
    """``a.b.c`` as a Name/Attribute chain."""
    parts = qualname.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def is_identifier(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def string_value(node: cst.CSTNode) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, else None."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def with_string_value(node: cst.SimpleString, value: str) -> cst.SimpleString:
    """The same literal (prefix and quotes kept) holding ``value``."""
    quote = node.quote
    raw = "r" in node.prefix.lower()
    body = value if raw else value.replace("\\", "\\\\")
    if len(quote) == 1:
        body = body.replace(quote, "\\" + quote) if not raw else body
    return node.with_changes(value=f"{node.prefix}{quote}{body}{quote}")


def _top_level_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Statements at module level, including those inside module-level try/if blocks."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield statement
        elif isinstance(statement, cst.Try):
            yield from _top_level_statements(statement.body.body)
            for handler in statement.handlers:
                yield from _top_level_statements(handler.body.body)
        elif isinstance(statement, cst.If):
            yield from _top_level_statements(statement.body.body)


def import_from_module(node: cst.ImportFrom) -> str | None:
    """The absolute module of a ``from`` import; None for relative imports."""
    if node.relative or node.module is None:
        return None
    return get_full_name_for_node(node.module)


def _import_parts(node: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, str, str | None, str | None]]:
    """(alias, module, name, asname) for each alias of an Import/ImportFrom."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
            yield alias, get_full_name_for_node(alias.name), None, asname
    elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        module_path = import_from_module(node)
        if module_path is None:
            return
        for alias in node.names:
            asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
            yield alias, module_path, get_full_name_for_node(alias.name), asname


def _binds(module_path: str, name: str | None, asname: str | None) -> str:
    """The scope name an import alias binds (a plain ``import a.b`` is the dotted ``a.b``)."""
    return asname or name or module_path


@dataclass
class ImportEdit:
    """Every change planned for one import statement, applied together: names moved to other
    modules (``from`` imports) and names dropped (duplicates, or unused after the pass)."""

    statement: cst.Import | cst.ImportFrom
    moves: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)  # index -> (module, name, asname)
    drops: set[int] = field(default_factory=set)

    def snapshot(self) -> Any:
        return dict(self.moves), set(self.drops)

    def restore(self, saved: Any) -> None:
        self.moves, self.drops = dict(saved[0]), set(saved[1])

    def apply(self, node: cst.CSTNode) -> cst.CSTNode | cst.FlattenSentinel | cst.RemovalSentinel:
        line = node if isinstance(node, cst.SimpleStatementLine) else None
        statement = line.body[0] if line is not None else node
        aliases = list(statement.names)
        kept = [a for i, a in enumerate(aliases) if i not in self.moves and i not in self.drops]
        groups: dict[str, list[cst.ImportAlias]] = {}
        for index in sorted(self.moves):
            module_path, name, asname = self.moves[index]
            groups.setdefault(module_path, []).append(aliases[index].with_changes(
                name=cst.Name(name),
                asname=cst.AsName(name=cst.Name(asname)) if asname and asname != name else None))
        statements: list[cst.BaseSmallStatement] = []
        if kept:
            statements.append(statement.with_changes(names=_end_like(kept, aliases[-1], statement)))
        for module_path, group in groups.items():
            if not statements:  # the first statement keeps the original's layout and comments
                statements.append(statement.with_changes(
                    module=dotted(module_path), relative=(), names=_end_like(group, aliases[-1], statement)))
            else:  # a statement of its own: plain layout, comments stay with the original
                fresh = [cst.ImportAlias(name=a.name, asname=a.asname) for a in group]
                statements.append(cst.ImportFrom(module=dotted(module_path), names=_end_like(fresh, None, None)))
        if not statements:
            return cst.RemovalSentinel.REMOVE
        if line is None:
            return statements[0] if len(statements) == 1 else cst.FlattenSentinel(statements)
        lines = [line.with_changes(body=[statements[0]])]
        lines += [cst.SimpleStatementLine(body=[s]) for s in statements[1:]]
        return lines[0] if len(lines) == 1 else cst.FlattenSentinel(lines)


def _end_like(aliases: list[cst.ImportAlias], original_last: cst.ImportAlias | None,
              statement: cst.CSTNode | None) -> list[cst.ImportAlias]:
    """A rebuilt alias list ends the way the original did: a trailing comma only inside
    parentheses, separators between the others."""
    parenthesised = isinstance(statement, cst.ImportFrom) and statement.lpar is not None
    last_comma = original_last.comma if original_last is not None and parenthesised else cst.MaybeSentinel.DEFAULT
    fixed = []
    for index, alias in enumerate(aliases):
        if index < len(aliases) - 1:
            if not isinstance(alias.comma, cst.Comma):
                alias = alias.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        else:
            alias = alias.with_changes(comma=last_comma)
        fixed.append(alias)
    return fixed


def import_bindings(node: cst.CSTNode) -> Iterator[tuple[str, str]]:
    """(local name, qualname) bound by an import statement."""
    for _, module_path, name, asname in _import_parts(node):
        if name is None:
            if asname:
                yield asname, module_path
            else:
                top = module_path.split(".")[0]
                yield top, top
        else:
            yield asname or name, f"{module_path}.{name}"
