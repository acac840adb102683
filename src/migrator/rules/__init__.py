"""Rule registry: every ``Rule`` subclass with an ``id`` defined in a module of this package.

One rule per module, in a package per family (``rules/cfg/forced_by_mwaa.py``), so a new rule
is a new file. Modules whose name starts with ``_`` hold helpers and are not walked.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, NamedTuple, TypeVar, overload

from migrator.rule_ids import current_id
from migrator.rules.base import PackageRule, ProjectRule, PythonRule, Rule, applies_to_version

if TYPE_CHECKING:
    from migrator.compat import MwaaVersion

RuleKind = TypeVar("RuleKind", bound=Rule)
_KINDS = (PythonRule, ProjectRule, PackageRule)


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
        rules[cls.id] = _instances.get(cls.id) or cls()
        names[cls.name] = cls.id
    if problems:
        raise RegistryError("; ".join(problems))
    _instances.update(rules)
    return tuple(sorted(rules.values(), key=lambda r: r.id))


# Each rule's one instance, whether all_rules or a RuleSelection made it.
_instances: dict[str, Rule] = {}


class RuleEntry(NamedTuple):
    """What the registry knows of a rule without importing its module: enough to choose a
    run's rules (``kind``: the name of the base class it subclasses)."""

    id: str
    kind: str
    applies_to: str
    module: str
    class_name: str

    def applies(self, target: MwaaVersion) -> bool:
        return applies_to_version(self.applies_to, target)

    def load(self) -> Rule:
        if self.id not in _instances:
            _instances[self.id] = getattr(importlib.import_module(self.module), self.class_name)()
        return _instances[self.id]


@cache
def rule_index() -> tuple[RuleEntry, ...]:
    """Every registered rule's entry, sorted by id, kept from the last :func:`all_rules` of the
    same code: a scan whose project stage is kept imports no project or package rule (a fifth
    of its imports)."""
    from migrator.cache import ToolMemo

    return ToolMemo("rule-index").kept(lambda: tuple(
        RuleEntry(rule.id, next(kind.__name__ for kind in _KINDS if isinstance(rule, kind)), rule.applies_to,
                  type(rule).__module__, type(rule).__qualname__) for rule in all_rules()))


class RuleSelection(Sequence[Rule]):
    """A run's rules, by their entries, each imported when first asked for: :meth:`of_kind`
    imports the rules of one kind only."""

    def __init__(self, entries: Iterable[RuleEntry]) -> None:
        self.entries = tuple(entries)

    @classmethod
    def of_ids(cls, ids: Iterable[str]) -> RuleSelection:
        wanted = set(ids)
        return cls(entry for entry in rule_index() if entry.id in wanted)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(entry.id for entry in self.entries)

    def of_kind(self, kind: type[RuleKind]) -> list[RuleKind]:
        return [entry.load() for entry in self.entries if entry.kind == kind.__name__]  # type: ignore[misc]

    @overload
    def __getitem__(self, index: int) -> Rule: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Rule, ...]: ...
    def __getitem__(self, index: int | slice) -> Rule | tuple[Rule, ...]:
        if isinstance(index, slice):
            return tuple(entry.load() for entry in self.entries[index])
        return self.entries[index].load()

    def __len__(self) -> int:
        return len(self.entries)


def get_rule(rule_id_or_name: str) -> Rule | None:
    """The rule with this id (an old id too: ``migrator.rule_ids``) or name, None if none has."""
    key = current_id(rule_id_or_name.strip())
    for rule in all_rules():
        if rule.id == key.upper() or rule.name == key.lower():
            return rule
    return None


__all__ = ["PackageRule", "ProjectRule", "PythonRule", "RegistryError", "Rule", "RuleEntry", "RuleSelection",
           "all_rules", "get_rule", "rule_index"]
