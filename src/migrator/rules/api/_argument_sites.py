"""API003's reading of argument sites: which change or signature applies to an argument on
the target, the keys of dict literals operator calls get as ``**name``, project operator classes
handing keywords to their Airflow base, and the fixes for arguments a signature rejects."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from packaging.version import Version

from migrator.analysis import airflow_api
from migrator.analysis.classes import TRANSPARENT_BASES, ClassFacts, base_init_calls, module_classes
from migrator.analysis.dags import ArgumentSite
from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.compat import ArgumentChange, MwaaVersion, OperatorSignature, operator_signature
from migrator.findings import Fix, FixSafety
from migrator.fixes import RemoveArgument, RenameArgument
from migrator.rules.api._helpers import _short

_DAG = "DAG"


_OPERATOR = "BaseOperator"


def _applies(change: ArgumentChange, target: MwaaVersion) -> bool:
    """The change matters on the target: it breaks, it does nothing, or it is deprecated there.
    A deprecation that starts after the target's version stays quiet."""
    if change.breaks or change.no_op:
        return True
    return change.since is not None and target.version >= Version(change.since)


def _class_changes(qualname: str | None, argument: str, target: MwaaVersion) -> ArgumentChange | None:
    """A change recorded for one class or function (by its Airflow 3 path)."""
    if not qualname:
        return None
    changes = airflow_api.argument_changes(target)
    for spelling in airflow_api.spellings(qualname, target):
        change = changes.get((spelling, argument))
        if change is not None:
            return change
    return None


def _change_for(site: ArgumentSite, target: MwaaVersion) -> ArgumentChange | None:
    changes = airflow_api.argument_changes(target)
    if site.owner == "dag":
        return changes.get((_DAG, site.name))
    found = changes.get((_OPERATOR, site.name))
    if site.owner == "task":
        return _class_changes(site.qualname, site.name, target) or found
    return found


def _calls_given(module: ModuleFacts, site: ArgumentSite) -> list[ast.Call]:
    """The calls that receive the argument: its own, or every DAG call a dict key reaches
    through ``**name`` (one dict may be spread into several DAGs)."""
    if site.spread:
        return [s.call for s in module.arguments if s.node is site.node and isinstance(s.call, ast.Call)]
    return [site.call] if isinstance(site.call, ast.Call) else []


@dataclass
class OperatorSpreads:
    """The keys of dict literals operator calls get as ``**name`` (``_operator_spread_sites``)."""

    sites: list[ArgumentSite] = field(default_factory=list)
    calls: dict[int, list[ast.Call]] = field(default_factory=dict)  # id(key node) -> the calls it reaches
    fixable: set[int] = field(default_factory=set)  # ids of key nodes nothing else reads: renaming is safe


# Dict methods that may take a key out; the others (get, items, update, ...) leave every key in.
_REMOVING_METHODS = frozenset({"pop", "popitem", "clear"})


def _operator_spread_sites(module: ModuleFacts) -> OperatorSpreads:
    """The keys of a dict literal that operator calls get as ``**name``: a project operator's
    ``**kwargs`` hands them on to ``BaseOperator`` (where Airflow 3 rejects ``task_concurrency``).
    The name is bound once in the module, by that literal. A key reaches the calls unless the
    module may take it out (``del name[...]``, ``name.pop(...)``); a key nothing else may read
    (the module reads or sets only other literal keys, and only spreads the dict) can be renamed
    in place."""
    found = OperatorSpreads()
    given: dict[str, list[ast.Call]] = {}
    operators: dict[int, str | None] = {}
    for task in module.tasks:
        if isinstance(task.node, ast.Call):
            for keyword in task.node.keywords:
                if keyword.arg is None and isinstance(keyword.value, ast.Name):
                    given.setdefault(keyword.value.id, []).append(task.node)
                    operators[id(task.node)] = task.operator
    task_calls = {id(task.node): task.node for task in module.tasks if isinstance(task.node, ast.Call)}
    for name, calls in given.items():
        held = _spread_literal(module, name, task_calls)
        if held is None:
            continue
        mapping, deleted, used, opaque, forwarded = held
        for key, value in zip(mapping.keys, mapping.values):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or key.value in deleted:
                continue
            found.sites += [ArgumentSite(key.value, key, value, "task", call, operators[id(call)], spread=name)
                            for call in calls]
            found.calls[id(key)] = calls + forwarded
            if not opaque and key.value not in used:
                found.fixable.add(id(key))
    return found


def _spread_literal(module: ModuleFacts, name: str, task_calls: dict[int, ast.Call]
                    ) -> tuple[ast.Dict, set[str], set[str], bool, list[ast.Call]] | None:
    """(the dict literal ``name`` is bound to, the keys ``del name[key]`` takes out, the keys
    read or set as ``name[key]``, whether other code may read any key, the operator calls a
    function of the module hands it on to) or None: bound otherwise, or a key may be taken out
    unseen."""
    stores: list[ast.Name] = []
    deleted: set[str] = set()
    used: set[str] = set()
    opaque = False
    forwarded: list[ast.Call] = []
    for node in module.nodes_of(ast.Name):
        if node.id != name:
            continue
        if not isinstance(node.ctx, ast.Load):
            stores.append(node)
            continue
        parent = module.parents.get(node)
        if isinstance(parent, ast.keyword) and parent.arg is None:
            continue  # ``**name``: a copy
        if isinstance(parent, ast.Subscript) and parent.value is node:
            key = parent.slice.value if isinstance(parent.slice, ast.Constant) else None
            if not isinstance(key, str):
                if isinstance(parent.ctx, ast.Del):
                    return None
                opaque = True
            else:
                (deleted if isinstance(parent.ctx, ast.Del) else used).add(key)
            continue
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if parent.attr in _REMOVING_METHODS:
                return None
            opaque = True
            continue
        reached = _forwarded_to_operators(module, node, task_calls)
        if reached is not None:
            forwarded += reached  # a helper of the module only spreads it into operator calls
            continue
        opaque = True  # handed on: it may be read there (a rename could break that reader)
    if len(stores) != 1 or any(isinstance(n, ast.arg) and n.arg == name for n in module.nodes_of(ast.arg)):
        return None
    assignment = module.parents.get(stores[0])
    if not (isinstance(assignment, ast.Assign) and assignment.targets == [stores[0]]
            and isinstance(assignment.value, ast.Dict)):
        return None
    return assignment.value, deleted, used, opaque, forwarded


def _forwarded_to_operators(module: ModuleFacts, node: ast.Name,
                            task_calls: dict[int, ast.Call]) -> list[ast.Call] | None:
    """The operator calls ``node`` reaches when it is an argument of a function the module
    defines at its top level (and never rebinds) that only spreads the parameter, ``**param``,
    into operator calls or into a dict literal bound to a name only spread into operator calls
    (a task factory adding a key or two); None when the function may read a key."""
    call = module.parents.get(node)
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    function = next((f for f in module.tree.body if isinstance(f, ast.FunctionDef) and f.name == call.func.id), None)
    if function is None or _bindings(module.tree, function.name):
        return None
    positional = [*function.args.posonlyargs, *function.args.args]
    if node in call.args:
        index = call.args.index(node)
        if index >= len(positional) or any(isinstance(a, ast.Starred) for a in call.args[:index]):
            return None
        parameter = positional[index].arg
    else:
        parameter = next((k.arg for k in call.keywords if k.value is node), None)
        if parameter not in {a.arg for a in (*positional, *function.args.kwonlyargs)}:
            return None
    if _bindings(function, parameter):
        return None
    return _spread_only(module, function, parameter, task_calls, into_dict=True)


def _bindings(scope: ast.AST, name: str) -> int:
    """How many times ``scope`` assigns, deletes or imports ``name``."""
    return sum(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
               or isinstance(n, ast.alias) and (n.asname or n.name) == name for n in walk(scope))


def _spread_only(module: ModuleFacts, function: ast.FunctionDef, name: str, task_calls: dict[int, ast.Call],
                 *, into_dict: bool) -> list[ast.Call] | None:
    """The operator calls ``name`` reaches when each read of it in ``function`` is ``**name`` in
    one of them or, where ``into_dict``, in a dict literal bound once to a name spread only so."""
    reached: list[ast.Call] = []
    for use in walk(function):
        if not (isinstance(use, ast.Name) and use.id == name and isinstance(use.ctx, ast.Load)):
            continue
        parent = module.parents.get(use)
        if isinstance(parent, ast.keyword) and parent.arg is None and id(module.parents.get(parent)) in task_calls:
            reached.append(module.parents[parent])
            continue
        spread_into_dict = into_dict and isinstance(parent, ast.Dict) and any(
            key is None and value is use for key, value in zip(parent.keys, parent.values))
        bound = module.parents.get(parent)
        if not (spread_into_dict and isinstance(bound, ast.Assign) and bound.value is parent
                and len(bound.targets) == 1 and isinstance(bound.targets[0], ast.Name)
                and _bindings(function, bound.targets[0].id) == 1):
            return None
        inner = _spread_only(module, function, bound.targets[0].id, task_calls, into_dict=False)
        if inner is None:
            return None
        reached += inner
    return reached


def _rejected(site: ArgumentSite, target: MwaaVersion) -> OperatorSignature | None:
    """The operator's signature when it rejects this keyword argument on the target."""
    if site.owner != "task" or not isinstance(site.call, ast.Call) or not site.qualname:
        return None
    signature = operator_signature(site.qualname, target)
    if signature is None or site.name in signature.accepted:
        return None
    if _short(signature.qualname) != _short(site.qualname) and not _alias_of(site.qualname, signature, target):
        # Replaced by another class (PostgresOperator -> SQLExecuteQueryOperator): the rule
        # that swaps the class renames its arguments (postgres_conn_id -> conn_id).
        return None
    return signature


def _alias_of(qualname: str, signature: OperatorSignature, target: MwaaVersion) -> bool:
    """Whether ``qualname`` still imports on the target as a deprecated alias of the class the
    signature is of (1.10's contrib AWSBatchOperator is BatchOperator on Airflow 2.11): the
    call builds that class, which rejects the argument whatever name imported it."""
    return airflow_api.alias_target(qualname, target) == signature.qualname


def _operator_base_init_calls(module: ModuleFacts, target: MwaaVersion) -> Iterator[tuple[ast.Call, str, str]]:
    """(call, Airflow operator, subclass name) of each base ``__init__`` call in a class of the
    module whose keywords reach an Airflow operator's constructor first (directly, or through the
    module's own classes without an ``__init__``)."""
    classes = module_classes(module)
    own = {facts.qualname: facts for facts in classes}
    for base_call in base_init_calls(module, classes):
        operator = _receiving_operator(base_call.bases, own, target, set())
        if operator:
            yield base_call.call, operator, _short(base_call.owner.qualname)


def _receiving_operator(bases: tuple[str, ...], own: dict[str, ClassFacts], target: MwaaVersion,
                        seen: set[str]) -> str | None:
    """The Airflow operator whose ``__init__`` a call looking up ``bases`` reaches first (depth
    first, as the MRO of single-operator classes goes); None when an ``__init__`` the rule cannot
    judge comes first (the project's own, or a class the knowledge base cannot read); "" when the
    bases all pass the call on to the next ones."""
    for base in bases:
        if base in TRANSPARENT_BASES or base in seen:
            continue
        seen.add(base)
        facts = own.get(base)
        if facts is None:
            return base if operator_signature(base, target) is not None else None
        if facts.init is not None:
            return None
        found = _receiving_operator(facts.bases, own, target, seen)
        if found != "":
            return found
    return ""


def _duplicable(value: ast.expr) -> bool:
    """A value that may be written twice: literals, names and arithmetic on them, no calls."""
    return all(isinstance(n, (ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.operator,
                              ast.unaryop, ast.Attribute)) for n in walk(value))


def _rejected_fix(site: ArgumentSite, signature: OperatorSignature) -> Fix | None:
    given = {k.arg for k in site.call.keywords if k.arg}
    renamed = signature.renamed.get(site.name)
    if renamed:
        if given & set(renamed) or not set(renamed) <= signature.accepted:
            return None  # both given, or the new name is gone too: a human decides
        if len(renamed) == 1:
            return RenameArgument(safety=FixSafety.SAFE, description=f"rename {site.name} to {renamed[0]}",
                                  old=site.name, new=renamed[0])
        if _duplicable(site.value):
            return RenameArgument(safety=FixSafety.SAFE,
                                  description=f"pass {site.name}'s value as {' and '.join(renamed)}",
                                  old=site.name, new=renamed[0], also=tuple(renamed[1:]))
        return None
    if site.name in signature.replaced:
        return None
    if site.name in signature.dropped:
        return RemoveArgument(safety=FixSafety.SAFE,
                              description=f"remove {site.name} (ignored since it was deprecated)", name=site.name)
    return RemoveArgument(safety=FixSafety.UNSAFE, description=f"remove {site.name} ({_short(signature.qualname)} "
                          "rejects it on the target; what it set is lost: check the task)", name=site.name,
                          required=True)
