"""Helpers shared by two or more API rules."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from migrator.analysis import airflow_api
from migrator.analysis.airflow_api import ImportVerdict
from migrator.analysis.python import ImportedName, ModuleFacts, catches_import_error
from migrator.compat import ContextKeyChange, MwaaVersion
from migrator.findings import Fix, FixSafety
from migrator.fixes import ReplaceContextKey
from migrator.rules._common import short_name
from migrator.rules.base import RuleContext


def _short(qualname: str | None) -> str:
    return (qualname or "").rsplit(".", 1)[-1]


def _change(key: str, target: MwaaVersion) -> ContextKeyChange | None:
    return airflow_api.context_key_changes(target).get(key)


def _fix(change: ContextKeyChange, in_template: bool, parameter: bool = False) -> Fix | None:
    exact = airflow_api.exact_context_key(change)
    if exact and not parameter:
        return ReplaceContextKey(safety=FixSafety.SAFE, description=f"read {exact} (the same value)",
                                 old=change.key, new=exact)
    replacement = change.replacement or ""
    if parameter:
        new = exact or (replacement if replacement.isidentifier() else None)
        if new is None:
            return None
        return ReplaceContextKey(safety=FixSafety.UNSAFE,
                                 description=f"take {new} instead (the function body must follow)",
                                 old=change.key, new=new)
    if replacement.isidentifier():
        return ReplaceContextKey(safety=FixSafety.UNSAFE,
                                 description=f"read {replacement} (close, not always the same value)",
                                 old=change.key, new=replacement)
    if in_template and replacement.startswith("{{") and replacement.endswith("}}"):
        expression = replacement[2:-2].strip()
        return ReplaceContextKey(safety=FixSafety.UNSAFE,
                                 description=f"use {expression} (close, not always the same value)",
                                 old=change.key, new=expression)
    return None


def _message(change: ContextKeyChange, target: MwaaVersion, where: str) -> str:
    status = (f"does not exist on Airflow {target.airflow}" if change.breaks
              else f"is deprecated on Airflow {target.airflow}")
    return f"context key {change.key!r}{where} {status}: {change.advice}"


def _is_airflow(qualname: str | None, leaf: str) -> bool:
    return bool(qualname) and qualname.startswith("airflow.") and short_name(qualname) == leaf


_SCHEDULE_ARGUMENTS = ("schedule", "schedule_interval", "timetable")


def _dag_call(module: ModuleFacts, dag) -> ast.Call | None:
    if not dag.via_decorator:
        return dag.node
    for decorator in dag.node.decorator_list:
        qualname = module.qualname(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if _is_airflow(qualname, "dag"):
            return decorator if isinstance(decorator, ast.Call) else None
    return None


def _dag_anchor(module: ModuleFacts, dag) -> ast.AST:
    call = _dag_call(module, dag)
    if call is not None:
        return call.func
    return dag.node.decorator_list[0] if dag.via_decorator else dag.node


def _unpacks_kwargs(call: ast.Call | None) -> bool:
    return call is not None and any(k.arg is None for k in call.keywords)


@dataclass(frozen=True)
class ImportProblem:
    """One import or attribute-chain use of a name that is not where the target has it."""

    node: ast.AST  # the alias in the import, or the attribute chain
    old: str
    verdict: ImportVerdict | None  # None for a plugin-manager name
    plugin_module: str | None = None  # the real module of a plugin-manager name
    plugin_unresolved: bool = False  # a plugin-manager name no project plugin exports


def _shim_group_key(module: ModuleFacts, imported: ImportedName) -> tuple[int, str] | None:
    """The ``try``/``if`` statement that offers alternatives for this binding, if any."""
    for ancestor in module.ancestors(imported.node):
        if isinstance(ancestor, ast.Try) and any(catches_import_error(h) for h in ancestor.handlers):
            return id(ancestor), imported.local or imported.qualname.split(".", 1)[0]
        if isinstance(ancestor, ast.If):
            return id(ancestor), imported.local or imported.qualname.split(".", 1)[0]
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return None
    return None


def _reaches_target(qualname: str, target: MwaaVersion) -> bool:
    """An alternative the target has as written, without a deprecation."""
    return airflow_api.resolve(qualname, target).status == "unchanged"


def import_problems(module: ModuleFacts, ctx: RuleContext) -> list[ImportProblem]:
    """Every problem import of the module, computed once for both import rules."""
    return module.memo("import_problems", lambda m: _import_problems(m, ctx))


def _import_problems(module: ModuleFacts, ctx: RuleContext) -> list[ImportProblem]:
    target = ctx.target
    exports = ctx.index.plugin_exports
    namespaces = airflow_api.plugin_namespaces(target)
    groups: dict[tuple[int, str], list[ImportedName]] = {}
    for imported in module.imports:
        key = _shim_group_key(module, imported)
        if key is not None:
            groups.setdefault(key, []).append(imported)
    shimmed: set[int] = set()
    for members in groups.values():
        if any(_reaches_target(m.qualname, target) for m in members):
            shimmed.update(id(m.alias) for m in members)

    problems: list[ImportProblem] = []
    flagged_bindings: set[str] = set()
    # Attribute chains through module bindings: ``bo.BashOperator``, ``airflow.contrib.x.Y``.
    for node, qualname in module.name_uses:
        if not isinstance(node, ast.Attribute) or not qualname.startswith("airflow."):
            continue
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        binding = module.bindings.get(root.id) if isinstance(root, ast.Name) else None
        if binding is None:
            continue
        problem = _chain_problem(module, node, qualname, binding, target, exports, namespaces)
        if problem is not None:
            problems.append(problem)
            flagged_bindings.add(root.id)
    # The imports themselves.
    for imported in module.imports:
        if id(imported.alias) in shimmed or not imported.qualname.startswith("airflow."):
            continue
        local = imported.local or imported.qualname.split(".", 1)[0]
        if local in flagged_bindings or not imported.local and not imported.is_from:
            continue  # ``import airflow.x``: its uses were judged above
        problem = _name_problem(imported.alias, imported.qualname, target, exports, namespaces)
        if problem is not None:
            problems.append(problem)
    return problems


def _chain_problem(module: ModuleFacts, node: ast.Attribute, qualname: str, binding: str,
                   target: MwaaVersion, exports, namespaces) -> ImportProblem | None:
    """The longest prefix of an attribute chain, beyond its binding, that has a problem."""
    chain: list[ast.AST] = []
    current: ast.AST = node
    while isinstance(current, ast.Attribute):
        chain.append(current)
        current = current.value
    for part in chain:  # longest first
        name = module.qualname(part)
        if not name or len(name) <= len(binding):
            break
        problem = _name_problem(part, name, target, exports, namespaces)
        if problem is not None:
            return problem
    return None


def _name_problem(node: ast.AST, qualname: str, target: MwaaVersion, exports, namespaces) -> ImportProblem | None:
    verdict = airflow_api.import_verdict(qualname, target)
    if verdict is not None:
        return ImportProblem(node, qualname, verdict)
    if not qualname.startswith(namespaces):
        return None
    real = airflow_api.plugin_target(qualname, exports)
    if real is not None:
        return ImportProblem(node, qualname, None, plugin_module=real)
    module_part = qualname.rpartition(".")[0]
    # airflow.operators.<plugin>.<Name>, where <plugin> is no Airflow module on any version.
    if module_part.count(".") == 2 and airflow_api.resolve(module_part, target).status == "unknown" \
            and airflow_api.resolve(qualname, target).status == "unknown":
        return ImportProblem(node, qualname, None, plugin_unresolved=True)
    return None
