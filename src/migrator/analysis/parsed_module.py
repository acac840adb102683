"""A parsed Python module: one ``ast`` parse, its text, structure, imports, calls and string
values, computed once and shared by all rules. ``analysis.python.ModuleFacts`` adds the DAGs and
tasks (``analysis/dags.py``) on top of it.

Names are resolved through the module's imports (``from x import Y as Z``, ``import a.b as c``,
``import airflow`` then ``airflow.contrib...``), never matched as text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Self

from migrator.analysis.facts import decorator_target, task_decorator_kind
from migrator.analysis.grammar import newest_target_python, parse_module
from migrator.analysis.jinja import has_template, template_names
from migrator.analysis.literals import UNKNOWN
from migrator.analysis.module_text import ModuleText
from migrator.analysis.source import Problem, SourceText, decode_python, read_bytes

IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

# Messages CPython's parser gives for Python 2 syntax, and line patterns only Python 2 accepts.
_PY2_MESSAGES = (
    "Missing parentheses in call to 'print'",
    "Missing parentheses in call to 'exec'",
    "multiple exception types must be parenthesized",
    "leading zeros in decimal integer literals are not permitted",
)
_PY2_LINE = re.compile(
    r"^\s*(print\s+[\"'\w]|exec\s+[\"']|except\s+[\w.]+\s*,\s*\w+\s*:|raise\s+\w+\s*,\s*)"
    r"|\b\d+L\b|`[^`]+`|<>"
)



@dataclass(frozen=True)
class ImportedName:
    """One name bound by an import statement."""

    qualname: str  # what the local name refers to, e.g. "airflow.operators.bash_operator.BashOperator"
    local: str  # the name bound in the module ("" for a plain ``import a.b``, which binds "a")
    node: ast.stmt  # the Import / ImportFrom statement
    alias: ast.alias
    is_from: bool
    guarded: bool  # inside a ``try`` whose handlers catch ImportError
    in_fallback: bool  # inside such a ``try``'s except handler


class ParsedModule(ModuleText):
    """A parsed module, or the problem that stopped it from being parsed."""

    def __init__(self, path: str, source: SourceText | None, tree: ast.Module | None,
                 problem: Problem | None = None, *, module_name: str = "") -> None:
        self.path = path  # POSIX path relative to the project root
        self.source = source
        self.tree = tree
        self.problem = problem
        self.module_name = module_name  # dotted name as importable from its source root
        self._merged: dict[tuple[type, ...], list] = {}  # nodes_of's lookups of several types

    # -- construction -------------------------------------------------------------------------

    # ``python`` is the (major, minor) of the Python the module runs on, whose grammar it is
    # read with (migrator.analysis.grammar); by default the newest any MWAA target runs.

    @classmethod
    def from_file(cls, root: Path, path: Path, module_name: str = "",
                  python: tuple[int, int] | None = None) -> Self:
        return cls.from_read(path.relative_to(root).as_posix(), read_bytes(path), module_name, python)

    @classmethod
    def from_read(cls, rel: str, data: bytes | Problem, module_name: str = "",
                  python: tuple[int, int] | None = None) -> Self:
        """From what ``read_bytes`` gave: the file's bytes, or why there are none."""
        if isinstance(data, Problem):
            return cls(rel, None, None, data, module_name=module_name)
        return cls.from_bytes(rel, data, module_name, python)

    @classmethod
    def from_bytes(cls, rel: str, data: bytes, module_name: str = "",
                   python: tuple[int, int] | None = None) -> Self:
        source = decode_python(data)
        if isinstance(source, Problem):
            return cls(rel, None, None, source, module_name=module_name)
        return cls.from_source(rel, source, module_name, python)

    @classmethod
    def from_source(cls, rel: str, source: SourceText, module_name: str = "",
                    python: tuple[int, int] | None = None) -> Self:
        try:
            tree = parse_module(source.text, rel, python or newest_target_python())
        except SyntaxError as exc:
            return cls(rel, source, None, _syntax_problem(exc, source.text), module_name=module_name)
        except (RecursionError, MemoryError):
            return cls(rel, source, None,
                       Problem("too-complex", "expressions nested too deeply for the parser"),
                       module_name=module_name)
        return cls(rel, source, tree, module_name=module_name)

    # -- structure ------------------------------------------------------------------------------

    @cached_property
    def _index(self) -> tuple[list[ast.AST], dict[ast.AST, ast.AST], dict[type, list[ast.AST]]]:
        """One walk of the tree, shared by every analysis: all nodes (in ``ast.walk`` order),
        each node's parent, and the nodes of each type. Rules run on thousands of files; each
        extra walk of every tree costs more than all the lookups together."""
        nodes: list[ast.AST] = []
        parents: dict[ast.AST, ast.AST] = {}
        by_type: dict[type, list[ast.AST]] = {}
        if self.tree is None:
            return nodes, parents, by_type
        nodes.append(self.tree)
        append = nodes.append
        # child_nodes inlined: the hottest loop of a cold scan, a third faster without the calls.
        for node in nodes:  # grows as it goes: breadth first, in ast.walk order
            cls = type(node)
            same = by_type.get(cls)
            if same is None:
                by_type[cls] = [node]
            else:
                same.append(node)
            fields = _CHILD_FIELDS.get(cls)
            if fields is None:
                fields = _CHILD_FIELDS[cls] = _child_fields(cls)
            for name, holds in fields:
                if holds is _MANY:
                    for item in getattr(node, name, ()):
                        if item is not None:
                            parents[item] = node
                            append(item)
                elif holds is _ONE:
                    value = getattr(node, name, None)
                    if value is not None:
                        parents[value] = node
                        append(value)
                else:
                    value = getattr(node, name, None)
                    for item in value if isinstance(value, list) else (value,):
                        if isinstance(item, ast.AST):
                            parents[item] = node
                            append(item)
        return nodes, parents, by_type

    @property
    def all_nodes(self) -> list[ast.AST]:
        return self._index[0]

    @property
    def parents(self) -> dict[ast.AST, ast.AST]:
        return self._index[1]

    def nodes_of(self, *types: type) -> list:
        """Nodes of the given types, in ``ast.walk`` order, without walking the tree again.
        The list is shared: callers read it."""
        by_type = self._index[2]
        if len(types) == 1:
            return by_type.get(types[0], [])
        merged = self._merged.get(types)
        if merged is None:  # several rules ask for the same types: merged once
            present = [by_type[t] for t in types if t in by_type]
            if len(present) == 1:
                merged = present[0]
            else:
                merged = sorted([n for nodes in present for n in nodes], key=self._positions.__getitem__)
            self._merged[types] = merged
        return merged

    @cached_property
    def _positions(self) -> dict[ast.AST, int]:
        return dict(zip(self.all_nodes, range(len(self.all_nodes))))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node

    def top_level(self, node: ast.AST) -> ast.stmt | None:
        """The module-level statement ``node`` is part of (None for the module itself)."""
        parents, tree = self.parents, self.tree
        while (parent := parents.get(node)) is not None and parent is not tree:
            node = parent
        return node if parent is tree else None

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return ancestor
        return None

    def executing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None:
        """The function whose body runs ``node``. Unlike ``enclosing_function``, a function's
        decorators and default values belong to the scope that defines it: they run at def time."""
        return self._execution(node)[0]

    def _execution(self, node: ast.AST) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None, bool]:
        """``executing_function(node)``, and whether an ``if __name__ == "__main__":`` between the
        two keeps ``node`` from running when that function (or the module) runs."""
        child = node
        guarded = False
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.Lambda) and child is ancestor.body:
                return ancestor, guarded
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)) and child in ancestor.body:
                return ancestor, guarded
            if isinstance(ancestor, ast.If) and _is_main_guard(ancestor.test):
                guarded = True
            child = ancestor
        return None, guarded

    def runs_at_import(self, node: ast.AST) -> bool:
        """True when ``node`` executes when the module is imported (i.e. at DAG parse time):
        module-level code (except ``if __name__ == "__main__":``), class bodies, and the bodies
        of functions that such code calls, such as DAG factories and ``@dag`` functions."""
        function, guarded = self._execution(node)
        if function is None:
            return not guarded
        return function in self.import_time_functions

    @cached_property
    def function_defs(self) -> dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]:
        """Every function defined in the module (any depth), by name."""
        table: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        if self.tree is None:
            return table
        for node in self.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
            table.setdefault(node.name, []).append(node)
        return table

    @cached_property
    def import_time_functions(self) -> frozenset[ast.AST]:
        """Functions called, directly or through each other, from code that runs at import.

        A ``@task``-decorated function is not run by calling it (the call builds a task), so
        it and what only it calls stay out.
        """
        if self.tree is None:
            return frozenset()
        # The calls each scope runs itself (None: the module), from one look at every call:
        # nested function and lambda bodies are other scopes, a main guard runs nothing.
        calls_by_scope: dict[ast.AST | None, list[ast.Call]] = {}
        for call in self.nodes_of(ast.Call):
            function, guarded = self._execution(call)
            if not guarded:
                calls_by_scope.setdefault(function, []).append(call)
        running: set[ast.AST] = set()
        pending: list[ast.AST | None] = [None]
        while pending:
            for call in calls_by_scope.get(pending.pop(), ()):
                if not isinstance(call.func, ast.Name) or call.func.id in self.bindings:
                    continue
                for function in self.function_defs.get(call.func.id, ()):
                    if function not in running and not self._is_task_function(function):
                        running.add(function)
                        pending.append(function)
        return frozenset(running)

    def _is_task_function(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Decorated with ``@task`` / ``@task.<kind>``: calling it builds a task, its body runs in one."""
        return any(task_decorator_kind(self.qualname(decorator_target(d))) for d in function.decorator_list)

    # -- imports --------------------------------------------------------------------------------

    @cached_property
    def imports(self) -> list[ImportedName]:
        if self.tree is None:
            return []
        found: list[ImportedName] = []
        # A package's __init__.py is the package itself: its relative imports start there.
        is_package = self.path.rpartition("/")[2] == "__init__.py"
        package = self.module_name if is_package else self.module_name.rpartition(".")[0]
        for node in self.nodes_of(ast.Import, ast.ImportFrom):
            guarded, in_fallback = self._import_guard(node)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.append(ImportedName(alias.name, alias.asname or "", node, alias, False,
                                              guarded, in_fallback))
                continue
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(p for p in (*parts, base) if p)
            for alias in node.names:
                if alias.name == "*":
                    continue
                qual = f"{base}.{alias.name}" if base else alias.name
                found.append(ImportedName(qual, alias.asname or alias.name, node, alias, True,
                                          guarded, in_fallback))
        return found

    def _import_guard(self, node: ast.AST) -> tuple[bool, bool]:
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.Try):
                catches = any(catches_import_error(h) for h in ancestor.handlers)
                if catches:
                    return True, any(child is h for h in ancestor.handlers)
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                break
            child = ancestor
        return False, False

    @cached_property
    def bindings(self) -> dict[str, str]:
        """Local name -> qualified name, for names bound by imports anywhere in the module.

        When a name is bound twice (a try/except ImportError shim), the first binding wins: that
        is the path the code prefers, and the one a target Airflow will execute if it exists.
        """
        table: dict[str, str] = {}
        for imported in self.imports:
            if imported.local:
                table.setdefault(imported.local, imported.qualname)
            else:  # ``import a.b.c`` binds ``a``
                top = imported.qualname.split(".", 1)[0]
                table.setdefault(top, top)
        return table

    def qualname(self, node: ast.AST) -> str | None:
        """Resolve ``Name``/``Attribute`` chains through imports to a dotted path."""
        if isinstance(node, ast.Name):
            return self.bindings.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    @cached_property
    def imports_airflow(self) -> bool:
        return any(i.qualname == "airflow" or i.qualname.startswith("airflow.") for i in self.imports)

    # -- calls ----------------------------------------------------------------------------------

    @cached_property
    def calls(self) -> list[tuple[ast.Call, str | None]]:
        """Every call in the module with the qualified name of what it calls (None if unknown)."""
        if self.tree is None:
            return []
        return [(n, self.qualname(n.func)) for n in self.nodes_of(ast.Call)]

    @cached_property
    def name_uses(self) -> list[tuple[ast.expr, str]]:
        """Every outermost Name/Attribute expression that resolves through an import."""
        if self.tree is None:
            return []
        uses: list[tuple[ast.expr, str]] = []
        inner: set[int] = set()
        for node in self.nodes_of(ast.Attribute, ast.Name):
            if isinstance(node, ast.Attribute) and id(node) not in inner:
                qual = self.qualname(node)
                if qual:
                    uses.append((node, qual))
                    value = node.value
                    while isinstance(value, ast.Attribute):
                        inner.add(id(value))
                        value = value.value
                    inner.add(id(value))
            elif isinstance(node, ast.Name) and id(node) not in inner and isinstance(node.ctx, ast.Load):
                qual = self.bindings.get(node.id)
                if qual:
                    uses.append((node, qual))
        return uses

    # -- values and strings -----------------------------------------------------------------------

    @cached_property
    def constants(self) -> dict[str, ast.expr]:
        """Module-level names assigned exactly once (``ROOT = "/data"``): their value expressions.

        A name assigned again anywhere in the module body (a ``try``/``except`` fallback, a loop)
        has no single value and is left out.
        """
        if self.tree is None:
            return {}
        values: dict[str, ast.expr] = {}
        counts: dict[str, int] = {}
        for node in _module_level_statements(self.tree):
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets, value = [node.target], node.value
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                targets = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else \
                    [i.optional_vars for i in node.items if i.optional_vars is not None]
            for target in targets:
                for leaf in walk(target):
                    if isinstance(leaf, ast.Name):
                        counts[leaf.id] = counts.get(leaf.id, 0) + 1
                        if isinstance(target, ast.Name) and value is not None and \
                                not isinstance(node, ast.AugAssign):
                            values[leaf.id] = value
        return {name: value for name, value in values.items() if counts.get(name) == 1}

    def scope_constants(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
        """Names a function assigns exactly once (parameters excluded): their value expressions."""
        cache: dict[ast.AST, dict[str, ast.expr]] = self.__dict__.setdefault("_scope_constants", {})
        if function in cache:
            return cache[function]
        arguments = function.args
        parameters = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
        parameters.update(a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None)
        values: dict[str, ast.expr] = {}
        counts: dict[str, int] = {}
        stack: list[ast.AST] = list(function.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    counts[node.id] = counts.get(node.id, 0) + 1
                continue  # no children
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                values[node.targets[0].id] = node.value
            stack.extend(child_nodes(node))
        result = {n: v for n, v in values.items() if counts.get(n) == 1 and n not in parameters}
        cache[function] = result
        # Names the function binds but that have no single value (reassigned, loop variables).
        self.__dict__.setdefault("_scope_rebound", {})[function] = frozenset(
            {n for n in counts if n not in result} | parameters)
        return result

    def scope_rebound(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
        """Parameters and names a function assigns more than once."""
        self.scope_constants(function)
        return self.__dict__["_scope_rebound"][function]

    @cached_property
    def docstrings(self) -> frozenset[ast.AST]:
        """String statements that only document: docstrings and bare string expressions."""
        if self.tree is None:
            return frozenset()
        return frozenset(node.value for node in self.nodes_of(ast.Expr)
                         if isinstance(node.value, (ast.Constant, ast.JoinedStr))
                         and isinstance(getattr(node.value, "value", ""), str))

    @cached_property
    def string_literals(self) -> list[tuple[ast.Constant | ast.JoinedStr, str]]:
        """Every string literal (an f-string counts once, its unknown parts as ``UNKNOWN``) with
        its value; docstrings are left out."""
        if self.tree is None:
            return []
        inside_fstring: set[int] = set()
        found: list[tuple[ast.Constant | ast.JoinedStr, str]] = []
        for node in self.nodes_of(ast.JoinedStr):
            if isinstance(node, ast.JoinedStr):
                inside_fstring.update(id(v) for v in node.values)
                for value in node.values:
                    if isinstance(value, ast.FormattedValue) and value.format_spec is not None:
                        inside_fstring.update(id(v) for v in ast.walk(value.format_spec))
        for node in self.nodes_of(ast.Constant, ast.JoinedStr):
            if node in self.docstrings or id(node) in inside_fstring:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((node, node.value))
            elif isinstance(node, ast.JoinedStr):
                # Only the literal parts: a placeholder's value is reported where it is written.
                found.append((node, "".join(
                    v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else UNKNOWN
                    for v in node.values)))
        return found

    @cached_property
    def template_reads(self) -> list[tuple[ast.Constant | ast.JoinedStr, str, list]]:
        """(literal, its text, the Jinja context names it reads) for every templated literal."""
        found = []
        for node, text in self.string_literals:
            if has_template(text):
                names = template_names(text)
                if names:
                    found.append((node, text, names))
        return found



# The fields of each node class that hold child nodes, and what each holds: a list of nodes,
# one node (or None), or, for a class whose signature could not be read, either (looked at).
# ``ctx`` (Load, Store, Del) is left out: the parser shares one instance of each, so they are
# no one's children and a quarter of all nodes.
_MANY, _ONE, _EITHER = "many", "one", "either"
_CHILD_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}
_NOT_NODES = frozenset({"identifier", "string", "int", "constant", "expr_context"})


def _child_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """Read from the ASDL signature CPython gives each node class as its docstring
    ("Call(expr func, expr* args, keyword* keywords)"): a walk then looks at no name, string or
    number field."""
    if not cls._fields:
        return ()
    name, _, signature = (cls.__doc__ or "").partition("\n")[0].partition("(")
    fields = [part.split(" ") for part in signature.removesuffix(")").split(", ")]
    if (name != cls.__name__ or not signature.endswith(")") or any(len(part) != 2 for part in fields)
            or [field for _, field in fields] != list(cls._fields)):
        return tuple((field, _EITHER) for field in cls._fields if field != "ctx")
    return tuple((field, _MANY if kind.endswith("*") else _ONE) for kind, field in fields
                 if kind.rstrip("*?") not in _NOT_NODES)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes(node)`` without the shared load/store contexts, read from the
    fields :func:`_child_fields` names: no generator, no look at name or number fields."""
    cls = type(node)
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = _child_fields(cls)
    found: list[ast.AST] = []
    append = found.append
    for name, holds in fields:
        if holds is _MANY:
            for item in getattr(node, name, ()):
                if item is not None:  # a dict's ** entry, a keyword-only argument without default
                    append(item)
        elif holds is _ONE:
            value = getattr(node, name, None)
            if value is not None:
                append(value)
        else:  # a class whose signature was not read: look at what the field holds
            value = getattr(node, name, None)
            for item in value if isinstance(value, list) else (value,):
                if isinstance(item, ast.AST):
                    append(item)
    return found


def walk(node: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(node))`` without the shared load/store contexts (in the same order), for
    about half the cost: the walks rules make below one node."""
    nodes = [node]
    for current in nodes:  # grows as it goes: breadth first
        nodes.extend(child_nodes(current))
    return nodes


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__")


def _module_level_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Statements that run at module level, looking into if/try/with blocks but not into
    functions or classes."""
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            stack.extend(reversed(node.body + getattr(node, "orelse", [])))
        elif isinstance(node, ast.Try):
            stack.extend(reversed(node.body + [s for h in node.handlers for s in h.body]
                                  + node.orelse + node.finalbody))


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in IMPORT_ERRORS for t in types)


def _syntax_problem(exc: SyntaxError, text: str) -> Problem:
    line = exc.lineno or 1
    message = exc.msg or "invalid syntax"
    if "null bytes" in message:
        return Problem("binary", "contains NUL bytes; a binary file, not Python source", line)
    if any(hint in message for hint in _PY2_MESSAGES) or any(
        _PY2_LINE.search(raw) for raw in text.splitlines()[:2000]
    ):
        return Problem("python2", f"Python 2 source ({message})", line, exc.offset or 1)
    return Problem("syntax", f"syntax error: {message}", line, exc.offset or 1)
