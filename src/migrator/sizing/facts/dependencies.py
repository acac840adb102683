"""Task dependencies (``>>``, ``<<``, ``chain``, ``cross_downstream``, ``set_upstream`` /
``set_downstream``, TaskFlow arguments, task groups) as each task's ``upstream``, for a run's
critical path."""

from __future__ import annotations

import ast
import itertools

from migrator.analysis.python import ModuleFacts
from migrator.sizing.facts.model import _Scope, _TaskSite
from migrator.sizing.facts.names import _last_name


def link_dependencies(module: ModuleFacts, scope_sites: dict[int, tuple[_Scope, int]],
                      sites: list[_TaskSite]) -> None:
    """Fill ``upstream`` of every task from the module's dependency statements."""
    tree = module.tree
    if tree is None:
        return
    site_of_node = {id(s.node): i for i, s in enumerate(sites)}
    # A mapped call's task is also reachable through its .expand(...) call.
    for i, site in enumerate(sites):
        if site.mapped is not None:
            site_of_node.setdefault(id(site.mapped), i)
    bindings: dict[str, list[tuple[int, ast.AST | None, list[int]]]] = {}
    groups: dict[int, list[int]] = {}  # id(TaskGroup with-statement) -> sites inside

    def bind(name: str, stmt: ast.AST, values: list[int]) -> None:
        if values:
            bindings.setdefault(name, []).append(
                (getattr(stmt, "lineno", 0), module.enclosing_function(stmt), values))

    def lookup(name: ast.Name) -> list[int]:
        function = module.enclosing_function(name)
        line = getattr(name, "lineno", 0)
        candidates = [b for b in bindings.get(name.id, []) if b[1] is function and b[0] <= line]
        if not candidates:
            candidates = [b for b in bindings.get(name.id, []) if b[1] is None]
        return candidates[-1][2] if candidates else []

    def value(node: ast.AST | None) -> list[int]:
        if node is None:
            return []
        if id(node) in site_of_node:
            return [site_of_node[id(node)]]
        if isinstance(node, ast.Name):
            return lookup(node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [v for e in node.elts for v in value(e)]
        if isinstance(node, ast.Starred):
            return value(node.value)
        if isinstance(node, ast.Attribute) and node.attr == "output":
            return value(node.value)
        if isinstance(node, ast.Subscript):
            return value(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
            return value(node.right)
        return []

    def argument_tasks(node: ast.expr, depth: int = 0) -> list[int]:
        """Tasks whose output an argument passes on, also through plain helper calls."""
        found = value(node)
        if found or depth > 3:
            return found
        if isinstance(node, ast.Call):
            return [v for a in [*node.args, *(k.value for k in node.keywords)]
                    for v in argument_tasks(a, depth + 1)]
        if isinstance(node, ast.Dict):
            return [v for a in node.values if a is not None for v in argument_tasks(a, depth + 1)]
        return []

    edges: list[tuple[int, int]] = []

    def link(ups: list[int], downs: list[int]) -> None:
        edges.extend((u, d) for u in ups for d in downs if u != d)

    # Pass 1: task groups and bindings, in source order.
    ordered = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.With))),
                     key=lambda n: (n.lineno, n.col_offset))
    for node in ordered:
        if isinstance(node, ast.With):
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and _last_name(module.qualname(expr.func)) == "TaskGroup":
                    inside = [i for i, s in enumerate(sites)
                              if any(a is node for a in module.ancestors(s.node))]
                    groups[id(node)] = inside
                    if isinstance(item.optional_vars, ast.Name):
                        bind(item.optional_vars.id, node, inside)
            continue
        values = value(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                bind(target.id, node, values)
            elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)):
                for t, v in zip(target.elts, node.value.elts):
                    if isinstance(t, ast.Name):
                        bind(t.id, node, value(v))

    # Pass 2: dependency statements and TaskFlow arguments.
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.RShift):
                link(left, right)
            else:
                link(right, left)
        elif isinstance(node, ast.Call):
            func = node.func
            name = _last_name(module.qualname(func)) or (func.id if isinstance(func, ast.Name) else "")
            if isinstance(func, ast.Attribute) and func.attr in ("set_downstream", "set_upstream") and node.args:
                this, other = value(func.value), value(node.args[0])
                link(this, other) if func.attr == "set_downstream" else link(other, this)
            elif name in ("chain", "chain_linear"):
                groups_in_order = [value(a) for a in node.args]
                for ups, downs in itertools.pairwise(groups_in_order):
                    link(ups, downs)
            elif name == "cross_downstream" and len(node.args) >= 2:
                link(value(node.args[0]), value(node.args[1]))
            elif id(node) in site_of_node:
                # TaskFlow arguments, XComArgs (`.output`) passed to operators, and what a
                # mapped task expands over all make the consumer wait for the producer.
                me = [site_of_node[id(node)]]
                expand = sites[site_of_node[id(node)]].mapped
                arguments = [*node.args, *(k.value for k in node.keywords)]
                if expand is not None and expand is not node:
                    arguments += [*expand.args, *(k.value for k in expand.keywords)]
                for argument in arguments:
                    link(argument_tasks(argument), me)

    for up, down in edges:
        if up in scope_sites and down in scope_sites:
            up_scope, up_index = scope_sites[up]
            down_scope, down_index = scope_sites[down]
            if up_scope is down_scope and up_index != down_index:
                for facts, _ in down_scope.variants:
                    facts.tasks[down_index].upstream.add(up_index)

