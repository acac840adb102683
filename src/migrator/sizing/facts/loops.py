"""How many copies of a DAG or task loops and factory calls make: a literal, a ``range`` or a
module constant is counted; anything else is an estimate and says so."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from migrator.analysis.python import ModuleFacts
from migrator.sizing.defaults import UNKNOWN_LOOP_ITERATIONS
from migrator.sizing.facts.names import Names, _unparse


@dataclass
class Count:
    value: int
    estimated: bool = False
    note: str = ""

    def times(self, other: Count) -> Count:
        notes = "; ".join(n for n in (self.note, other.note) if n)
        return Count(self.value * other.value, self.estimated or other.estimated, notes)

    def plus(self, other: Count) -> Count:
        notes = "; ".join(n for n in (self.note, other.note) if n)
        return Count(self.value + other.value, self.estimated or other.estimated, notes)


MAX_VARIANTS_PER_LOOP = 100  # larger literal loops are counted, not expanded one by one
MAX_VARIANTS = 200


@dataclass
class Variant:
    """One way a DAG definition runs: the names its loops and factory calls bind, and how many
    DAGs it makes that way."""

    env: dict[str, ast.expr]
    count: Count
    uncalled: bool = False  # built by a function this file never calls

    def times(self, other: Count) -> Variant:
        return Variant(self.env, self.count.times(other), self.uncalled)


def _merged(variants: list[Variant]) -> Variant:
    notes = "; ".join(dict.fromkeys(v.count.note for v in variants if v.count.note))
    return Variant({}, Count(sum(v.count.value for v in variants), any(v.count.estimated for v in variants),
                             notes), any(v.uncalled for v in variants))


def _elements(node: ast.expr | None, names: Names) -> list[ast.expr] | None:
    """The elements a literal iterates over (dict keys; ``.items()`` as key/value tuples)."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None if any(isinstance(e, ast.Starred) for e in node.elts) else list(node.elts)
    if isinstance(node, ast.Dict):
        return None if any(k is None for k in node.keys) else list(node.keys)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
        container = names.resolve(node.func.value)
        if isinstance(container, ast.Dict) and all(k is not None for k in container.keys):
            if node.func.attr == "items":
                return [ast.Tuple([k, v], ast.Load()) for k, v in zip(container.keys, container.values)]
            if node.func.attr == "keys":
                return list(container.keys)
            if node.func.attr == "values":
                return list(container.values)
    return None


def _bind(target: ast.expr, value: ast.expr, env: dict[str, ast.expr]) -> None:
    if isinstance(target, ast.Name):
        env[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
        for sub_target, sub_value in zip(target.elts, value.elts):
            _bind(sub_target, sub_value, env)


def _parameters(function: ast.AST, call: ast.Call, names: Names) -> dict[str, ast.expr]:
    """A function's parameters bound to what one call passes, resolved in the caller's bindings."""
    arguments = getattr(function, "args", None)
    if arguments is None:
        return {}
    positional = [*arguments.posonlyargs, *arguments.args]
    env: dict[str, ast.expr] = {}
    defaults = arguments.defaults
    for parameter, default in zip(positional[len(positional) - len(defaults):], defaults):
        env[parameter.arg] = default
    for parameter, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if default is not None:
            env[parameter.arg] = default
    passed = dict(zip((p.arg for p in positional), call.args))
    passed.update({k.arg: k.value for k in call.keywords if k.arg})
    for name, value in passed.items():
        resolved = names.resolve(value)
        # Keep only what no longer depends on the caller's local names.
        if resolved is not None and not isinstance(resolved, ast.Name):
            env[name] = resolved
        else:
            env.pop(name, None)
    return env


def _iterable_size(names: Names, node: ast.expr) -> int | None:
    node = names.resolve(node)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None if any(isinstance(e, ast.Starred) for e in node.elts) else len(node.elts)
    if isinstance(node, ast.Dict):
        return None if any(k is None for k in node.keys) else len(node.keys)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return len(node.value)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "range" and node.args and not node.keywords:
            bounds = [names.constant(a) for a in node.args]
            if all(isinstance(b, int) for b in bounds):
                return len(range(*bounds)) if len(bounds) <= 3 else None
            return None
        if isinstance(func, ast.Name) and func.id in ("enumerate", "sorted", "list", "tuple", "reversed", "set") and node.args:
            return _iterable_size(names, node.args[0])
        if isinstance(func, ast.Name) and func.id == "zip" and node.args:
            sizes = [_iterable_size(names, a) for a in node.args]
            return min(sizes) if all(s is not None for s in sizes) else None
        if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values") and not node.args:
            return _iterable_size(names, func.value)
    return None


def loops_between(module: ModuleFacts, names: Names, node: ast.AST, boundary: ast.AST | None,
                  stop: frozenset[int] = frozenset()) -> Count:
    """How many times ``node`` runs per execution of ``boundary`` (None: the module), by loops.

    Walking up from ``node`` also stops at any node whose id is in ``stop``.
    """
    count = Count(1)
    child = node
    for ancestor in module.ancestors(node):
        if ancestor is boundary or id(ancestor) in stop:
            break
        iterables: list[ast.expr] = []
        if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child is not ancestor.iter and child not in ancestor.orelse:
            iterables = [ancestor.iter]
        elif isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            iterables = [g.iter for g in ancestor.generators if child is not g.iter]
        elif isinstance(ancestor, ast.While):
            count = count.times(Count(UNKNOWN_LOOP_ITERATIONS, True, "a while loop"))
        for iterable in iterables:
            size = _iterable_size(names, iterable)
            if size is None:
                count = count.times(Count(UNKNOWN_LOOP_ITERATIONS, True,
                                          f"a loop over `{_unparse(iterable)[:60]}`"))
            else:
                count = count.times(Count(size))
        child = ancestor
    return count


