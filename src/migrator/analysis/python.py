"""Facts about one Python module, computed once from a single ``ast`` parse and shared by all rules.

Names are resolved through the module's imports (``from x import Y as Z``, ``import a.b as c``,
``import airflow`` then ``airflow.contrib...``), never matched as text.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from migrator.analysis.source import Problem, SourceText, decode_python, read_bytes
from migrator.findings import Location

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


class ModuleFacts:
    """A parsed module, or the problem that stopped it from being parsed."""

    def __init__(self, path: str, source: SourceText | None, tree: ast.Module | None,
                 problem: Problem | None = None, *, module_name: str = "") -> None:
        self.path = path  # POSIX path relative to the project root
        self.source = source
        self.tree = tree
        self.problem = problem
        self.module_name = module_name  # dotted name as importable from its source root

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_file(cls, root: Path, path: Path, module_name: str = "") -> ModuleFacts:
        rel = path.relative_to(root).as_posix()
        data = read_bytes(path)
        if isinstance(data, Problem):
            return cls(rel, None, None, data, module_name=module_name)
        return cls.from_bytes(rel, data, module_name)

    @classmethod
    def from_bytes(cls, rel: str, data: bytes, module_name: str = "") -> ModuleFacts:
        source = decode_python(data)
        if isinstance(source, Problem):
            return cls(rel, None, None, source, module_name=module_name)
        return cls.from_source(rel, source, module_name)

    @classmethod
    def from_source(cls, rel: str, source: SourceText, module_name: str = "") -> ModuleFacts:
        try:
            with warnings.catch_warnings():
                # Invalid escape sequences in old DAG code are not our findings to make.
                warnings.simplefilter("ignore")
                tree = ast.parse(source.text, filename=rel)
        except SyntaxError as exc:
            return cls(rel, source, None, _syntax_problem(exc, source.text), module_name=module_name)
        except (RecursionError, MemoryError):
            return cls(rel, source, None,
                       Problem("too-complex", "expressions nested too deeply for the parser"),
                       module_name=module_name)
        return cls(rel, source, tree, module_name=module_name)

    # -- text -----------------------------------------------------------------------------------

    @cached_property
    def lines(self) -> list[str]:
        return self.source.text.splitlines() if self.source else []

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

    # -- structure ------------------------------------------------------------------------------

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        parents: dict[ast.AST, ast.AST] = {}
        if self.tree is None:
            return parents
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                parents[child] = parent
        return parents

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return ancestor
        return None

    def runs_at_import(self, node: ast.AST) -> bool:
        """True when ``node`` executes when the module is imported (i.e. at DAG parse time)."""
        return self.enclosing_function(node) is None

    # -- imports --------------------------------------------------------------------------------

    @cached_property
    def imports(self) -> list[ImportedName]:
        if self.tree is None:
            return []
        found: list[ImportedName] = []
        package = self.module_name.rpartition(".")[0]
        for node in ast.walk(self.tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
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
                catches = any(_catches_import_error(h) for h in ancestor.handlers)
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
        return [(n, self.qualname(n.func)) for n in ast.walk(self.tree) if isinstance(n, ast.Call)]

    @cached_property
    def name_uses(self) -> list[tuple[ast.expr, str]]:
        """Every outermost Name/Attribute expression that resolves through an import."""
        if self.tree is None:
            return []
        uses: list[tuple[ast.expr, str]] = []
        inner: set[int] = set()
        for node in ast.walk(self.tree):
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


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
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
