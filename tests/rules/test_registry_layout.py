"""The registry finds every rule, and each family package holds one rule per module (issue #21)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import migrator.rules
from migrator.rules import Rule, all_rules

FAMILY_PACKAGES = ("api", "cfg", "con", "mig", "mwa", "pkg", "plg", "py", "req")


def _rule_classes_of(module) -> list[type[Rule]]:
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Rule)
            and value.__module__ == module.__name__ and "id" in vars(value)]


def _family_modules():
    """Every non-helper module of the family packages that exist so far."""
    for family in FAMILY_PACKAGES:
        try:
            package = importlib.import_module(f"migrator.rules.{family}")
        except ModuleNotFoundError:
            continue  # not moved yet
        if not hasattr(package, "__path__"):
            continue  # still the family's old flat module
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not info.ispkg and not info.name.rpartition(".")[2].startswith("_"):
                yield family, importlib.import_module(info.name)


def _declared_rule_ids() -> set[str]:
    """Ids the rule classes in the source declare (``id = "..."``), read without the registry."""
    ids = set()
    for path in Path(migrator.rules.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                ids.update(statement.value.value for statement in node.body
                           if isinstance(statement, ast.Assign) and len(statement.targets) == 1
                           and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == "id"
                           and isinstance(statement.value, ast.Constant))
    return ids


def test_the_registry_finds_every_rule():
    registered = {rule.id for rule in all_rules()}
    assert registered == _declared_rule_ids()
    assert len(registered) >= 111  # the count when the families moved to packages (issue #21)


def test_each_rule_module_holds_exactly_one_rule_named_after_it():
    problems = []
    for family, module in _family_modules():
        classes = _rule_classes_of(module)
        if len(classes) != 1:
            problems.append(f"{module.__name__}: {[c.__name__ for c in classes]}")
            continue
        rule = classes[0]
        if module.__name__.rpartition(".")[2] != rule.name.replace("-", "_"):
            problems.append(f"{module.__name__}: holds {rule.id} {rule.name}")
        if not rule.id.lower().startswith(family):
            problems.append(f"{module.__name__}: {rule.id} is not of family {family}")
    assert not problems


def test_every_rule_of_a_moved_family_lives_in_its_package():
    moved = {family for family, _ in _family_modules()}
    stray = [f"{rule.id} in {type(rule).__module__}" for rule in all_rules()
             if rule.family.lower() in moved
             and not type(rule).__module__.startswith(f"migrator.rules.{rule.family.lower()}.")]
    assert not stray


def test_helper_modules_hold_no_rule():
    for info in pkgutil.walk_packages(migrator.rules.__path__, "migrator.rules."):
        if info.name.rpartition(".")[2].startswith("_") and not info.ispkg:
            assert not _rule_classes_of(importlib.import_module(info.name)), info.name
