"""Environment variables DAG code reads while it is parsed, without a fallback.

``os.environ["X"]`` raises ``KeyError`` when X is unset; ``os.getenv("X")`` and
``os.environ.get("X")`` without a default give ``None``. On-prem the variable came from the
host, a compose file or a Kubernetes secret; on MWAA only what the bundle's startup.sh exports,
and what MWAA itself sets, exist.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from migrator.analysis.dags import const_str
from migrator.analysis.python import ModuleFacts

_ENVIRON = "os.environ"
_GETTERS = frozenset({"os.getenv", "os.environ.get"})
# Handlers under which a missing variable is the code's own business.
_HANDLED = frozenset({"KeyError", "LookupError", "Exception", "BaseException", "TypeError"})


class EnvRead(NamedTuple):
    name: str
    line: int
    raises: bool  # os.environ["X"]: KeyError; else the value is None


def parse_time_env_reads(module: ModuleFacts) -> list[EnvRead]:
    """Reads of a literal variable name, without a default, that run at import (parse) time,
    sit in no ``try`` that handles the failure and, for ``getenv``, break on None."""
    reads: list[EnvRead] = []
    for node in module.nodes_of(ast.Subscript, ast.Call):
        if isinstance(node, ast.Subscript):
            if not isinstance(node.ctx, ast.Load) or module.qualname(node.value) != _ENVIRON:
                continue
            name, raises = const_str(node.slice), True
        else:
            if module.qualname(node.func) not in _GETTERS or len(node.args) != 1 or node.keywords \
                    or not _fails_on_none(module, node):
                continue
            name, raises = const_str(node.args[0]), False
        if name and module.runs_at_import(node) and not _handled(module, node):
            reads.append(EnvRead(name, node.lineno, raises))
    return reads


# Callables that take None as well as a string.
_NONE_TOLERANT = frozenset({"str", "bool", "repr", "print", "isinstance", "type", "id", "format"})


def _fails_on_none(module: ModuleFacts, read: ast.Call) -> bool:
    """Whether the value of ``os.getenv("X")`` is used right there in a way None breaks
    (``json.loads(...)``, ``.split()``, ``[0]``, ``+``); a value kept in a name, compared or
    tested for truth may be meant to be None, and is not judged."""
    parent = module.parents.get(read)
    if isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is read:
        return True
    if isinstance(parent, ast.BinOp) and not isinstance(parent.op, ast.Mod):
        return True
    if isinstance(parent, ast.Call) and read in parent.args:
        return (module.qualname(parent.func) or getattr(parent.func, "id", "")) not in _NONE_TOLERANT
    return False


def _handled(module: ModuleFacts, node: ast.AST) -> bool:
    for ancestor in module.ancestors(node):
        if isinstance(ancestor, ast.Try) and any(_catches(handler.type) for handler in ancestor.handlers):
            return True
    return False


def _catches(kind: ast.expr | None) -> bool:
    if kind is None:
        return True  # a bare except
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(n, ast.Name) and n.id in _HANDLED for n in names)
