"""Rule registry: every ``Rule`` subclass with an ``id`` defined in a module of this package.

One rule per module, in a package per family (``rules/cfg/forced_by_mwaa.py``), so a new rule
is a new file. Modules whose name starts with ``_`` hold helpers and are not walked.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from migrator.rule_ids import current_id
from migrator.rules.base import PackageRule, ProjectRule, PythonRule, Rule


class RegistryError(RuntimeError):
    pass


def _rule_classes() -> list[type[Rule]]:
    classes: list[type[Rule]] = []
    for info in sorted(pkgutil.walk_packages(__path__, f"{__name__}."), key=lambda m: m.name):
        leaf = info.name.rpartition(".")[2]
        if info.ispkg or leaf.startswith("_") or leaf == "base":
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__
                    and "id" in vars(value)):
                classes.append(value)
    return classes


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, sorted by id. Refuses duplicate ids or names and bad metadata."""
    rules: dict[str, Rule] = {}
    names: dict[str, str] = {}
    problems: list[str] = []
    for cls in _rule_classes():
        problems += cls.validate_metadata()
        if cls.id in rules:
            problems.append(f"duplicate rule id {cls.id}: {type(rules[cls.id]).__name__} and {cls.__name__}")
        if cls.name in names:
            problems.append(f"duplicate rule name {cls.name}: {names[cls.name]} and {cls.id}")
        rules[cls.id] = cls()
        names[cls.name] = cls.id
    if problems:
        raise RegistryError("; ".join(problems))
    return tuple(sorted(rules.values(), key=lambda r: r.id))


def get_rule(rule_id_or_name: str) -> Rule | None:
    """The rule with this id (an old id too: ``migrator.rule_ids``) or name, None if none has."""
    key = current_id(rule_id_or_name.strip())
    for rule in all_rules():
        if rule.id == key.upper() or rule.name == key.lower():
            return rule
    return None


__all__ = ["PackageRule", "ProjectRule", "PythonRule", "RegistryError", "Rule", "all_rules", "get_rule"]
