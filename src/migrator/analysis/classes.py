"""The module-level classes of a module, as much as a class hierarchy across files needs.

``module_classes`` gives, for each class defined at module level, its bases as dotted names
(resolved through the module's imports, or to the module's own classes) and what its
``__init__`` does with the arguments: which parameters a caller must give and whether it passes
anything on with ``super().__init__(...)``. ``ModuleSummary`` carries these facts so project
rules can follow a class's bases into other modules of the project.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.observed import for_facts, holds_any

# How an ``__init__`` calls the next one in the MRO.
SUPER_NONE = "none"  # no super().__init__(...) call
SUPER_BARE = "bare"  # super().__init__() without arguments
SUPER_PASSES = "passes"  # super().__init__(...) with arguments (task_id=..., **kwargs)


@dataclass(frozen=True)
class InitFacts:
    required: tuple[str, ...]  # parameters without a default (not self, *args, **kwargs)
    super_call: str  # SUPER_NONE | SUPER_BARE | SUPER_PASSES


@dataclass(frozen=True)
class ClassFacts:
    qualname: str  # dotted name as the project imports it: "<module>.<Class>"
    line: int
    bases: tuple[str, ...]  # dotted names; "" for a base the module does not name statically
    init: InitFacts | None  # None: the class body defines no __init__


def module_classes(module: ModuleFacts) -> tuple[ClassFacts, ...]:
    if module.tree is None:
        return ()
    prefix = f"{module.module_name}." if module.module_name else ""
    return tuple(ClassFacts(prefix + node.name, node.lineno, tuple(_class_name(module, b) for b in node.bases),
                            _init_facts(node))
                 for node in module.tree.body if isinstance(node, ast.ClassDef))


def _class_name(module: ModuleFacts, node: ast.expr) -> str:
    """The dotted name of a class the module names: one of its own, or one it imports ("" if neither)."""
    if isinstance(node, ast.Name) and node.id in _defined_classes(module):
        return f"{module.module_name}.{node.id}" if module.module_name else node.id
    return module.qualname(node) or ""


def _defined_classes(module: ModuleFacts) -> set[str]:
    return {node.name for node in module.tree.body if isinstance(node, ast.ClassDef)}


def _init_facts(node: ast.ClassDef) -> InitFacts | None:
    init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None:
        return None
    args = init.args
    positional = [*args.posonlyargs, *args.args][1:]  # without self
    with_default = len(args.defaults)
    required = [a.arg for a in positional[:len(positional) - with_default]]
    required += [a.arg for a, default in zip(args.kwonlyargs, args.kw_defaults) if default is None]
    super_call = SUPER_NONE
    for call in walk(init):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"
                and isinstance(call.func.value, ast.Call) and isinstance(call.func.value.func, ast.Name)
                and call.func.value.func.id == "super"):
            super_call = SUPER_PASSES if call.args or call.keywords else SUPER_BARE
            break
    return InitFacts(tuple(required), super_call)


# Bases an __init__ chain passes through without stopping or taking arguments.
TRANSPARENT_BASES = frozenset({"abc.ABC", "typing.Generic", "object"})


@dataclass(frozen=True)
class BaseInitCall:
    """A call of the next ``__init__`` in a module-level class's own ``__init__``:
    ``super().__init__(...)``, ``super(Cls, self).__init__(...)`` or ``Base.__init__(self, ...)``."""

    call: ast.Call
    owner: ClassFacts  # the class whose __init__ makes the call
    bases: tuple[str, ...]  # where the lookup starts: the owner's bases, or the one base named


def base_init_calls(module: ModuleFacts, classes: tuple[ClassFacts, ...]) -> list[BaseInitCall]:
    """The base ``__init__`` calls of the module's classes (``classes`` is ``module_classes(module)``)."""
    if module.tree is None:
        return []
    by_line = {facts.line: facts for facts in classes}
    found = []
    for node in module.tree.body:
        if not isinstance(node, ast.ClassDef) or node.lineno not in by_line:
            continue
        facts = by_line[node.lineno]
        init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        for call in walk(init) if init is not None else ():
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__":
                bases = _next_inits(module, node, init, facts, call)
                if bases:
                    found.append(BaseInitCall(call, facts, bases))
    return found


def _next_inits(module: ModuleFacts, node: ast.ClassDef, init: ast.FunctionDef, facts: ClassFacts,
                call: ast.Call) -> tuple[str, ...]:
    """The bases a ``<target>.__init__(...)`` call starts its lookup in (empty: not a base call)."""
    target = call.func.value
    if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super":
        named = target.args[0] if target.args else None
        # super(Cls, self) of another class skips part of the MRO: not followed.
        if named is None or (isinstance(named, ast.Name) and named.id == node.name):
            return facts.bases
        return ()
    # Base.__init__(self, ...): an ancestor named explicitly, given the instance first.
    instance = init.args.args[0].arg if init.args.args else None
    given = call.args[0] if call.args else None
    if instance is None or not (isinstance(given, ast.Name) and given.id == instance):
        return ()
    named = _class_name(module, target)
    return (named,) if named else ()


def quick_subclasses(workspace, texts: Mapping[str, bytes], file_facts, roots: frozenset[str]) -> dict[str, str]:
    """Project class -> the class of ``roots`` it derives from, following bases across modules.
    Only modules whose text names a root, or a subclass found so far, are parsed (their classes
    kept in ``file_facts`` by content). ``texts``: the project's Python files
    (``project_python_bytes``)."""
    classes: dict[str, tuple[str, ...]] = {}  # project class -> its bases
    parsed: set[str] = set()
    found: dict[str, str] = {}
    words = tuple(sorted({name.rsplit(".", 1)[-1].encode() for name in roots}))
    files = for_facts(texts)
    while words:
        naming = [rel for rel in files if rel not in parsed and holds_any(texts, rel, words)]
        parsed.update(naming)
        asked = [(rel, files[rel], partial(_class_bases, rel, module_name=name), (name,))
                 for rel in naming for name in [workspace.module_name(rel)]]
        for bases in file_facts.of_each("class_bases", asked).values():
            classes.update(bases)
        new = {}
        for name, bases in classes.items():
            if name in found:
                continue
            origin = next((base if base in roots else found.get(base) for base in bases
                           if base in roots or base in found), None)
            if origin:
                new[name] = origin
        found.update(new)
        words = tuple(sorted({name.rsplit(".", 1)[-1].encode() for name in new}))
    return found


def _class_bases(rel: str, text: bytes, module_name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    module = ModuleFacts.from_bytes(rel, text, module_name)
    return tuple((facts.qualname, facts.bases) for facts in module_classes(module))
