"""The planning side of one file's pass: node lookup, binding facts, and each edit's staged
operations, kept only when the whole edit succeeds."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    Assignment,
    GlobalScope,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)

from migrator.findings import Location

from ._bindings import ModuleBindings
from ._core import CannotFix, Edit, NeedWholeModule, NodeOp
from ._imports import (
    ImportEdit,
    ImportRequest,
    binds,
    import_bindings,
    import_parts,
    top_level_statements,
)
from ._layout import Layout, match_score
from ._nodes import dotted
from ._staging import REMOVE, NodeOps, Staged, copy_state, names_written, restore_state, same_kind


class PassState(Protocol):
    """What a planner reads from, and adds to, the pass it plans for (``_pass.FixCommand``)."""

    source: str
    census: ModuleBindings | None
    rest: str | None  # the part of the file after the parsed top, or None: the whole file is parsed
    line_starts: list[int] | None  # the first line of each statement of the parsed module, if known
    imports_to_add: list[ImportRequest]


class Planner:
    """The planning side of one file's pass: node lookup, binding facts and staged edits."""

    def __init__(self, command: PassState, module: cst.Module) -> None:
        self.command = command
        self.module = module
        self.layout = Layout(module, command.line_starts)
        self._scopes: Mapping[cst.CSTNode, Scope | None] | None = None
        self._ops: dict[cst.CSTNode, NodeOps] = {}
        self._state: dict[tuple[cst.CSTNode, str], Any] = {}
        self._staged: Staged | None = None
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

    def sole_import_line(self, location: Location, name: str) -> tuple[cst.ImportFrom, cst.SimpleStatementLine] | None:
        """The ``from x import name`` at ``location`` and its line, when it imports that one name
        and is alone on a module-level line (so the line can be replaced whole); else None."""
        _, statement = self.named_import(location, name)
        line = self.parent(statement)
        if (isinstance(statement, cst.ImportFrom) and isinstance(statement.names, (list, tuple))
                and len(statement.names) == 1 and isinstance(line, cst.SimpleStatementLine)
                and len(line.body) == 1 and self.parent(line) is self.module):
            return statement, line
        return None

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
        for statement in top_level_statements(self.module.body):
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
        for statement in top_level_statements(self.module.body):
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
        for index, (_, module_path, name, asname) in enumerate(import_parts(statement)):
            if binds(module_path, name, asname) == local:
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
                entry = self._ops.setdefault(target, NodeOps())
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
        produced = names_written(self._ops)
        for statement, index in dict.fromkeys(self._forgets):
            edit = self._state.get((self._import_target(statement), "import"))
            if edit is not None and index in edit.drops:
                continue
            _, module_path, name, asname = list(import_parts(statement))[index]
            local = binds(module_path, name, asname)
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
        self._staged, self._edit = Staged(), edit
        snapshot = {slot: copy_state(state) for slot, state in self._state.items()}
        try:
            plan(edit, self)
            self._commit(edit)
        except CannotFix as exc:
            for slot, saved in snapshot.items():
                restore_state(self._state[slot], saved)
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
            if tag != REMOVE and any(t[1] != tag and same_kind(t[1], tag) for t in current.tags):
                raise CannotFix("another fix changes the same code differently")
        for slot, state in staged.states.items():  # shared state: one operation, built by many edits
            self._state[slot] = state
            entry = self._ops.setdefault(slot[0], NodeOps())
            entry.ops.append(state.apply)
            entry.tags.append((edit.key, ("shared", slot[1])))
        for node, tag, op in staged.ops:
            entry = self._ops.setdefault(node, NodeOps())
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
    def operations(self) -> dict[cst.CSTNode, NodeOps]:
        return self._ops
