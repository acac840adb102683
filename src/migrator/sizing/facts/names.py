"""Name resolution for sizing: module constants, function-local assignments and the bindings a
loop or factory call gives, so an argument written through a variable reads as its value."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from contextlib import contextmanager

from migrator.analysis.dags import call_kwargs
from migrator.analysis.python import ModuleFacts


class Names:
    """Simple name resolution: ``X = <expr>`` in the module body or the enclosing function."""

    def __init__(self, module: ModuleFacts) -> None:
        self.module = module
        self._module_level = self._assignments(module.tree.body if module.tree else [])
        self._function_level: dict[ast.AST, dict[str, ast.expr]] = {}
        self.env: dict[str, ast.expr] = {}

    @staticmethod
    def _assignments(body: Iterable[ast.stmt]) -> dict[str, ast.expr]:
        table: dict[str, ast.expr] = {}
        for stmt in body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                table[stmt.targets[0].id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
                table[stmt.target.id] = stmt.value
        return table

    def _function_table(self, function: ast.AST) -> dict[str, ast.expr]:
        if function not in self._function_level:
            statements = [n for n in ast.walk(function) if isinstance(n, (ast.Assign, ast.AnnAssign))
                          and self.module.enclosing_function(n) is function]
            self._function_level[function] = self._assignments(statements)
        return self._function_level[function]

    @contextmanager
    def bound(self, env: dict[str, ast.expr]):
        """Resolve names through ``env`` first (one copy of a DAG built in a loop or factory)."""
        saved, self.env = self.env, env
        try:
            yield
        finally:
            self.env = saved

    def resolve(self, node: ast.expr | None, depth: int = 0) -> ast.expr | None:
        """Follow names, ``cfg["key"]``, ``cfg.get("key", default)`` and f-strings of constants
        to the expression they stand for (depth-limited); what cannot be followed comes back."""
        for _ in range(8):
            if depth > 10 or node is None:
                return node
            if isinstance(node, ast.Name):
                found = self.env.get(node.id)
                if found is None:
                    function = self.module.enclosing_function(node)
                    found = self._function_table(function).get(node.id) if function else None
                if found is None:
                    found = self._module_level.get(node.id)
                if found is None or found is node:
                    return node
                node = found
            elif isinstance(node, ast.Subscript):
                found = _item(self.resolve(node.value, depth + 1), self.constant(node.slice))
                if found is None:
                    return node
                node = found
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "get" and node.args and not node.keywords):
                container = self.resolve(node.func.value, depth + 1)
                if not isinstance(container, ast.Dict):
                    return node
                found = _item(container, self.constant(node.args[0]))
                node = found if found is not None else (node.args[1] if len(node.args) > 1 else ast.Constant(None))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
                  and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
                  and not node.keywords):
                values = [self.resolve(a, depth + 1) for a in node.args]
                if not all(isinstance(v, ast.Constant) and not isinstance(v.value, bool) for v in values):
                    return node
                try:
                    return ast.Constant(node.func.value.value.format(*(v.value for v in values)))
                except (IndexError, KeyError, ValueError):
                    return node
            elif isinstance(node, ast.JoinedStr):
                parts = []
                for value in node.values:
                    if isinstance(value, ast.FormattedValue):
                        if value.format_spec is not None or value.conversion not in (-1, None):
                            return node
                        value = self.resolve(value.value, depth + 1)
                    if not isinstance(value, ast.Constant) or isinstance(value.value, bool):
                        return node
                    parts.append(str(value.value))
                return ast.Constant("".join(parts))
            else:
                return node
            depth += 1
        return node

    def constant(self, node: ast.expr | None):
        resolved = self.resolve(node)
        return resolved.value if isinstance(resolved, ast.Constant) else None

    def mapping(self, node: ast.expr | None) -> dict[str, ast.expr]:
        """A ``{...}`` literal or ``dict(...)`` call (after resolving names) as str -> expr."""
        resolved = self.resolve(node)
        if isinstance(resolved, ast.Dict):
            return {k.value: v for k, v in zip(resolved.keys, resolved.values)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        if isinstance(resolved, ast.Call) and isinstance(resolved.func, ast.Name) and resolved.func.id == "dict":
            return call_kwargs(resolved)
        return {}


def _item(container: ast.expr | None, key: object) -> ast.expr | None:
    """``container[key]`` for a dict literal with constant keys, or a list/tuple literal."""
    if isinstance(container, ast.Dict):
        for k, v in zip(container.keys, container.values):
            if isinstance(k, ast.Constant) and k.value == key:
                return v
    elif (isinstance(container, (ast.List, ast.Tuple)) and isinstance(key, int) and not isinstance(key, bool)
          and -len(container.elts) <= key < len(container.elts)
          and not any(isinstance(e, ast.Starred) for e in container.elts)):
        return container.elts[key]
    return None


def _last_name(qualname: str | None) -> str:
    return (qualname or "").rsplit(".", 1)[-1]


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - ast.unparse handles parsed trees
        return "<expression>"


