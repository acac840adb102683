"""Template context keys, DAG/BaseOperator parameters and configuration tables read out of a
wheel's source with ``ast``. Like ``wheel_reader``: source text in, JSON-ready data out.
"""

from __future__ import annotations

import ast
from typing import Any

from .wheel_reader import ExtractionError, literal, module_assignments, parse

# ---------------------------------------------------------------------------------------------
# template context


def class_or_module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    found = module_assignments(tree)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for name, value in module_assignments(node).items():
                found.setdefault(name, value)
    return found


def _function(tree: ast.AST, class_name: str | None, function_name: str) -> ast.FunctionDef | None:
    scope: list[ast.stmt] = tree.body  # type: ignore[attr-defined]
    if class_name:
        owner = next((n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name), None)
        if owner is None:
            return None
        scope = owner.body
    return next((n for n in scope if isinstance(n, ast.FunctionDef) and n.name == function_name), None)


def context_keys_from_template_context(source: str) -> list[str]:
    """Airflow 1.10: the keys of the dict ``TaskInstance.get_template_context`` returns."""
    function = _function(parse(source), "TaskInstance", "get_template_context")
    if function is None:
        raise ExtractionError("TaskInstance.get_template_context not found")
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            return sorted(k.value for k in node.value.keys if isinstance(k, ast.Constant))
    raise ExtractionError("get_template_context returns no dict literal")


def known_context_keys(source: str) -> tuple[list[str], dict[str, list[str]]]:
    """Airflow 2.x ``airflow/utils/context.py``: KNOWN_CONTEXT_KEYS and _DEPRECATION_REPLACEMENTS."""
    # _DEPRECATION_REPLACEMENTS is a class attribute of Context; KNOWN_CONTEXT_KEYS module-level.
    assignments = class_or_module_assignments(parse(source))
    if "KNOWN_CONTEXT_KEYS" not in assignments:
        raise ExtractionError("KNOWN_CONTEXT_KEYS not found")
    keys = sorted(literal(assignments["KNOWN_CONTEXT_KEYS"]))
    replacements = {}
    if "_DEPRECATION_REPLACEMENTS" in assignments:
        replacements = {k: list(v) for k, v in literal(assignments["_DEPRECATION_REPLACEMENTS"]).items()}
    return keys, dict(sorted(replacements.items()))


def typed_dict_keys(source: str, class_name: str = "Context") -> list[str]:
    """Airflow 3: the fields of the ``Context`` TypedDict in the task SDK."""
    tree = parse(source)
    owner = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    if owner is None:
        raise ExtractionError(f"class {class_name} not found")
    return sorted(n.target.id for n in owner.body
                  if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name))


# ---------------------------------------------------------------------------------------------
# parameters


def init_parameters(source: str, class_name: str) -> list[str]:
    """Keyword names ``class_name.__init__`` accepts (``self``/``*args``/``**kwargs`` left out)."""
    function = _function(parse(source), class_name, "__init__")
    if function is None:
        raise ExtractionError(f"{class_name}.__init__ not found")
    arguments = function.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    return sorted(n for n in names if n != "self")


def attrs_init_parameters(source: str, class_name: str) -> list[str]:
    """Init parameters of an attrs class: annotated fields minus ``init=False`` and ClassVars,
    with ``alias=`` honoured and attrs' leading-underscore stripping applied."""
    tree = parse(source)
    owner = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    if owner is None:
        raise ExtractionError(f"class {class_name} not found")
    names = []
    for node in owner.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        if "ClassVar" in ast.unparse(node.annotation):
            continue
        name = node.target.id
        if isinstance(node.value, ast.Call) and ast.unparse(node.value.func).endswith(("field", "ib")):
            keywords = {k.arg: k.value for k in node.value.keywords}
            init = keywords.get("init")
            if isinstance(init, ast.Constant) and init.value is False:
                continue
            alias = keywords.get("alias")
            if isinstance(alias, ast.Constant):
                name = alias.value
        names.append(name.lstrip("_"))
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# configuration


def deprecated_options(source: str) -> dict[str, Any]:
    """``deprecated_options`` and friends of Airflow's config parser, normalised to
    ``{"new.section.key"...}`` lists. Handles the 1.10 ``{section: {new: old}}`` format and the
    2.x/3.x ``{(section, new): (old_section, old, since)}`` format.
    """
    assignments = class_or_module_assignments(parse(source))
    result: dict[str, Any] = {"renamed": [], "many_to_one": [], "sections": []}
    if "deprecated_options" in assignments:
        table = literal(assignments["deprecated_options"])
        for key, value in table.items():
            if isinstance(key, tuple):
                old_section, old_key, since = value
                result["renamed"].append({"old": f"{old_section}.{old_key}", "new": f"{key[0]}.{key[1]}",
                                          "since": since})
            else:
                for new_key, old_key in value.items():
                    result["renamed"].append({"old": f"{key}.{old_key}", "new": f"{key}.{new_key}",
                                              "since": None})
    if "many_to_one_deprecated_options" in assignments:
        for key, olds in literal(assignments["many_to_one_deprecated_options"]).items():
            for old_section, old_key, since in olds:
                result["many_to_one"].append({"old": f"{old_section}.{old_key}",
                                              "new": f"{key[0]}.{key[1]}", "since": since})
    if "deprecated_sections" in assignments:
        for new, (old, since) in literal(assignments["deprecated_sections"]).items():
            result["sections"].append({"old": old, "new": new, "since": since})
    for block in result.values():
        block.sort(key=lambda row: (row["old"], row["new"]))
    return result


def _config_parameter(node: ast.expr) -> str:
    """``ConfigParameter("core", option="x")`` (any mix of positional/keyword) -> ``core.x``."""
    if not isinstance(node, ast.Call):
        raise ExtractionError(f"unexpected config parameter {ast.unparse(node)}")
    values = dict(zip(("section", "option"), (literal(a) for a in node.args)))
    values.update({k.arg: literal(k.value) for k in node.keywords})
    return f"{values['section']}.{values['option']}"


def configs_changes(source: str) -> list[dict[str, Any]]:
    """``CONFIGS_CHANGES`` (Airflow 2.11+): one dict per ``ConfigChange(...)`` call."""
    value = module_assignments(parse(source)).get("CONFIGS_CHANGES")
    if value is None:
        raise ExtractionError("CONFIGS_CHANGES not found")
    changes = []
    for call in value.elts:  # type: ignore[attr-defined]
        fields: dict[str, Any] = {}
        for keyword in call.keywords:
            if keyword.arg in ("config", "renamed_to"):
                if isinstance(keyword.value, ast.Constant) and keyword.value.value is None:
                    continue
                fields[keyword.arg] = _config_parameter(keyword.value)
            else:
                fields[keyword.arg] = literal(keyword.value)
        changes.append(fields)
    return sorted(changes, key=lambda row: (row["config"], row.get("renamed_to", "")))
