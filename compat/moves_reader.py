"""Moved-import tables, aliases and public API lists read out of a wheel's source with ``ast``.

The tables Airflow keeps of where its names moved (``add_deprecated_classes``, ``__getattr__``
redirects, 1.10 shims and package-level names, upgrade_check's renames), its ``__lazy_imports``
and ``__all__``. Like ``wheel_reader``: source text in, JSON-ready data out, nothing imported.
"""

from __future__ import annotations

import ast

from .wheel_reader import (
    ExtractionError,
    is_type_checking,
    literal,
    module_assignments,
    module_name,
    parse,
)

# ---------------------------------------------------------------------------------------------
# moved-import tables


def deprecated_class_tables(source: str, package: str) -> dict[str, str]:
    """Moves registered through ``add_deprecated_classes(table, package, ...)`` in one module
    (a package's ``__init__.py``, or a plain module that keeps its own moved names importable,
    as ``airflow/utils/context.py`` does in 3.2 and 3.3): old dotted name -> new
    dotted name, the target exactly as the table writes it.

    A ``"*"`` entry (Airflow 3.1+) redirects a whole module; it comes back as
    ``"<old module>.*" -> "<new module>"``. A ``__name__`` key means the module itself.
    """
    tree = parse(source)
    assignments = module_assignments(tree)
    moves: dict[str, str] = {}
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "add_deprecated_classes"):
            continue
        if not call.args:
            raise ExtractionError(f"add_deprecated_classes without arguments in {package}")
        table_node = call.args[0]
        if isinstance(table_node, ast.Name):
            table_node = assignments[table_node.id]
        target_package = package
        given = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "package"), None)
        if isinstance(given, ast.Constant):
            target_package = given.value
        table = literal(table_node, package=f"\0{target_package}")
        for submodule, names in table.items():
            if submodule.startswith("\0"):
                old_module = submodule[1:]
            else:
                old_module = f"{target_package}.{submodule}"
            for old_name, new_path in names.items():
                # Airflow 2.x's kubernetes table ends a few targets with a stray ".".
                new_path = new_path.strip().rstrip(".")
                moves[f"{old_module}.{old_name}"] = new_path
    return moves


def getattr_redirects(source: str, member: str) -> dict[str, str]:
    """Moves a module's ``__getattr__`` makes for a table of names, the Airflow 3.1+ form of
    ``airflow/exceptions.py``: ``if name in _DEPRECATED_EXCEPTIONS: ... import_string(
    f"airflow.sdk.exceptions.{name}")``. Every name of the table becomes
    ``<this module>.<name> -> <prefix><name>``; the old name still imports, with a warning."""
    tree = parse(source, member)
    function = _module_getattr(tree)
    if function is None:
        return {}
    parameter = function.args.args[0].arg
    assignments = module_assignments(tree)
    this_module = module_name(member)
    moves: dict[str, str] = {}
    for branch in ast.walk(function):
        test = branch.test if isinstance(branch, ast.If) else None
        if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == parameter
                and len(test.ops) == 1 and isinstance(test.ops[0], ast.In)
                and isinstance(test.comparators[0], ast.Name) and test.comparators[0].id in assignments):
            continue
        prefixes = {node.values[0].value for statement in branch.body for node in ast.walk(statement)
                    if isinstance(node, ast.JoinedStr) and len(node.values) == 2
                    and isinstance(node.values[0], ast.Constant) and node.values[0].value.startswith("airflow")
                    and isinstance(node.values[1], ast.FormattedValue)
                    and isinstance(node.values[1].value, ast.Name) and node.values[1].value.id == parameter}
        if len(prefixes) != 1:
            raise ExtractionError(f"__getattr__ of {member} builds {len(prefixes)} target paths for "
                                  f"{test.comparators[0].id}, not one")
        prefix = prefixes.pop()
        for name in sorted(literal(assignments[test.comparators[0].id])):
            moves[f"{this_module}.{name}"] = f"{prefix}{name}"
    return moves


def _guarded_names(test: ast.expr, parameter: str) -> frozenset[str]:
    """The names ``name == "X"`` / ``name in {"X", "Y"}`` admits (``not in``: the names it
    turns away, which the rest of the function then handles)."""
    if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == parameter
            and len(test.ops) == 1):
        return frozenset()
    operator, value = test.ops[0], test.comparators[0]
    if isinstance(operator, ast.Eq) and isinstance(value, ast.Constant) and isinstance(value.value, str):
        return frozenset({value.value})
    if isinstance(operator, (ast.In, ast.NotIn)) and isinstance(value, (ast.Set, ast.Tuple, ast.List)):
        try:
            return frozenset(literal(value))
        except ValueError:
            return frozenset()
    return frozenset()


def _getattr_destinations(body: list[ast.stmt], parameter: str, names: frozenset[str]) -> dict[str, str]:
    """Where a ``__getattr__`` branch fetches ``names`` from: ``from m import X`` then
    ``return X``, or a module bound by an import then ``getattr(module, name)``. Only
    Airflow modules count: a value made up on the spot is no move."""
    modules: dict[str, str] = {}  # local name -> dotted path it is bound to
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:  # ``import a.b`` binds ``a``; ``import a.b as c`` binds a.b
                    local = alias.asname or alias.name.split(".")[0]
                    modules[local] = alias.name if alias.asname else local
    fetched: dict[str, str] = {}
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in names:
                fetched[node.value.id] = modules.get(node.value.id, "")
            elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and len(node.args) == 2
                  and isinstance(node.args[1], ast.Name) and node.args[1].id == parameter):
                source = ast.unparse(node.args[0])
                head, _, rest = source.partition(".")
                module = modules.get(head)
                if module is not None:
                    for name in names:
                        fetched[name] = f"{module}.{rest}.{name}" if rest else f"{module}.{name}"
    return {name: path for name, path in fetched.items() if path.startswith("airflow.")}


def _module_getattr(tree: ast.Module) -> ast.FunctionDef | None:
    """The module-level ``__getattr__(name)`` (PEP 562), if the module has one."""
    return next((node for node in tree.body
                 if isinstance(node, ast.FunctionDef) and node.name == "__getattr__" and node.args.args), None)


def getattr_alias_imports(source: str, member: str) -> dict[str, str]:
    """Moves a module's ``__getattr__`` makes for names it lists one by one, the other Airflow
    3 forms besides :func:`getattr_redirects`: ``if name == "JobState": from airflow.jobs.job
    import JobState ... return JobState``; ``if name in {"DagBag", ...}: ... getattr(dagbag,
    name)``; ``if name not in ("DAG", "dag"): raise ...`` then ``getattr(airflow.sdk, name)``;
    and ``modpath = TABLE[name]`` with a module-level ``{name: module}`` table. Each becomes
    ``<this module>.<name> -> <where it is fetched from>``; the old name still imports, with a
    deprecation warning."""
    tree = parse(source, member)
    function = _module_getattr(tree)
    if function is None:
        return {}
    parameter = function.args.args[0].arg
    this_module = module_name(member)
    assignments = module_assignments(tree)
    found: dict[str, str] = {}
    for index, statement in enumerate(function.body):
        if not isinstance(statement, ast.If):
            continue
        names = _guarded_names(statement.test, parameter)
        if isinstance(statement.test, ast.Compare) and isinstance(statement.test.ops[0], ast.NotIn):
            found.update(_getattr_destinations(function.body[index + 1:], parameter, names))
        elif names:
            found.update(_getattr_destinations(statement.body, parameter, names))
    for node in ast.walk(function):
        if _fetches_the_top_package(function):
            break  # the table's names never import (see below): not aliases that work
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in assignments
                and isinstance(node.slice, ast.Name) and node.slice.id == parameter
                and isinstance(assignments[node.value.id], ast.Dict)):
            table = literal(assignments[node.value.id])
            found.update({name: f"{module}.{name}" for name, module in table.items()
                          if isinstance(module, str) and module.startswith("airflow.")})
    return {f"{this_module}.{name}": path for name, path in sorted(found.items())}


def _fetches_the_top_package(function: ast.FunctionDef) -> bool:
    """Whether ``__getattr__`` returns ``getattr(__import__(path), name)``: ``__import__`` of a
    dotted path without ``fromlist`` returns the top package (``airflow``), so the lookup raises
    AttributeError (Airflow 3.3.1's airflow/utils/helpers.py, checked in the real venv)."""
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
               and node.args and isinstance(node.args[0], ast.Call) and isinstance(node.args[0].func, ast.Name)
               and node.args[0].func.id == "__import__" and len(node.args[0].args) == 1
               and not node.args[0].keywords
               for node in ast.walk(function))


def shim_module_moves(source: str, member: str) -> dict[str, str]:
    """Moves recorded by an Airflow 2.0-2.3 shim module: a file with a module-level
    ``warnings.warn(...)``, no class or function of its own, and ``from airflow... import``
    lines. Every imported name becomes ``<this module>.<name> -> <source module>.<name>``.
    """
    tree = parse(source, member)
    warns = any(
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        and ast.unparse(node.value.func) in {"warnings.warn", "warn"}
        for node in tree.body
    )
    defines = any(isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  for node in tree.body)
    if not warns or defines:
        return {}
    this_module = module_name(member)
    moves: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("airflow"):
            for alias in node.names:
                if alias.name == "*":
                    continue
                moves[f"{this_module}.{alias.asname or alias.name}"] = f"{node.module}.{alias.name}"
    return moves


def subclass_shim_moves(source: str, member: str) -> dict[str, str]:
    """Moves recorded by an Airflow 1.10 subclass shim (``airflow/operators/sensors.py``): a
    module whose every class is ``class Name(Imported): pass`` over a name imported from an
    Airflow module, and which defines no function. ``<this module>.Name`` -> the imported name.
    """
    tree = parse(source, member)
    imported = {alias.asname or alias.name: f"{node.module}.{alias.name}"
                for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 0
                and (node.module or "").startswith("airflow") for alias in node.names}
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    if not classes or any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for node in tree.body):
        return {}
    this_module = module_name(member)
    moves: dict[str, str] = {}
    for node in classes:
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        base = node.bases[0] if len(node.bases) == 1 else None
        if not (isinstance(base, ast.Name) and base.id in imported and all(isinstance(s, ast.Pass) for s in body)):
            return {}
        moves[f"{this_module}.{node.name}"] = imported[base.id]
    return moves


def imported_airflow_names(source: str, member: str) -> dict[str, str]:
    """Names a module binds at its top level by ``from airflow... import Name [as Alias]``:
    ``<this module>.<Alias>`` -> the imported name. In Airflow 1.10 these imported from the
    module like its own (``from airflow.contrib.sensors.aws_sqs_sensor import SQSHook``)."""
    this_module = module_name(member)
    found: dict[str, str] = {}

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("airflow"):
                for alias in node.names:
                    if alias.name != "*":
                        found[f"{this_module}.{alias.asname or alias.name}"] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.If) and not is_type_checking(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(parse(source, member).body)
    return found


def lazy_package_names(source: str, package: str) -> dict[str, str]:
    """Airflow 1.10's package-level names (``from airflow.operators import BashOperator``):
    the ``{module: [names]}`` table an ``__init__.py`` hands to ``AirflowImporter``, as
    ``<package>.<Name>`` -> ``<package>.<module>.<Name>``."""
    tree = parse(source)
    assignments = module_assignments(tree)
    moves: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AirflowImporter"
                and len(node.args) == 2 and isinstance(node.args[1], ast.Name)):
            continue
        table = assignments.get(node.args[1].id)
        if table is None:
            raise ExtractionError(f"AirflowImporter table {node.args[1].id} not found in {package}")
        for module, names in literal(table).items():
            for name in names:
                moves[f"{package}.{name}"] = f"{package}.{module}.{name}"
    return moves


def upgrade_check_renames(source: str) -> dict[str, str]:
    """apache-airflow-upgrade-check's ``renamed_classes.py``: lists of ``(new, old)`` tuples."""
    tree = parse(source)
    moves: dict[str, str] = {}
    for name, value in module_assignments(tree).items():
        if not isinstance(value, ast.List) or name == "ALL":
            continue
        for pair in literal(value):
            new, old = pair
            moves.setdefault(old, new)
    return moves


# ---------------------------------------------------------------------------------------------
# aliases and public API


def lazy_imports(source: str, package: str) -> dict[str, str]:
    """``__lazy_imports`` of a package: exported name -> dotted path it resolves to.

    Two formats exist: ``{"Name": "airflow.models.x"}`` (module to import Name from) and
    ``{"Name": (".module", "attr", deprecated)}``; an empty attr means the module itself.
    """
    value = module_assignments(parse(source)).get("__lazy_imports")
    if value is None:
        return {}
    result: dict[str, str] = {}
    for name, target in literal(value).items():
        if isinstance(target, str):
            module, attribute = target, name
        else:
            module, attribute = target[0], target[1]
        if module.startswith("."):
            module = package + module
        result[name] = f"{module}.{attribute}" if attribute else module
    return result


def compat_sdk_homes(source: str) -> dict[str, list[str]]:
    """The common.compat provider's ``sdk.py`` tables, which import each Airflow 3 name from its
    Airflow 3 home first and then from its Airflow 2 homes: Airflow 3 path -> the older paths,
    newest first. ``_IMPORT_MAP`` gives ``name -> modules`` (one or a tuple), ``_RENAME_MAP``
    ``new name -> (new module, old module, old name)``, ``_MODULE_MAP`` whole modules (keyed
    ``module.*``, their older homes modules); the 3-only tables, which have no older home, are
    not read."""
    assigned = module_assignments(parse(source))
    homes: dict[str, list[str]] = {}
    for name, modules in literal(assigned["_IMPORT_MAP"]).items():
        modules = (modules,) if isinstance(modules, str) else modules
        if len(modules) > 1:
            homes[f"{modules[0]}.{name}"] = [f"{module}.{name}" for module in modules[1:]]
    for name, (new_module, old_module, old_name) in literal(assigned["_RENAME_MAP"]).items():
        homes[f"{new_module}.{name}"] = [f"{old_module}.{old_name}"]
    for modules in literal(assigned["_MODULE_MAP"]).values():
        modules = (modules,) if isinstance(modules, str) else modules
        if len(modules) > 1:
            homes[f"{modules[0]}.*"] = list(modules[1:])
    return homes


def dunder_all(source: str) -> list[str]:
    value = module_assignments(parse(source)).get("__all__")
    return sorted(literal(value)) if value is not None else []
