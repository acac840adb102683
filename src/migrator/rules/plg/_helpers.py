"""Helpers shared by two or more PLG rules."""

from __future__ import annotations

from migrator import compat
from migrator.findings import Location


def _at(line: int) -> Location:
    return Location(line, 1, line, 2)


def _removed_attributes(target) -> dict[str, object]:
    return {change.attribute: change for change in compat.plugin_attribute_changes(target)}


def _short(items: tuple[str, ...]) -> str:
    return ", ".join(item.rsplit(".", 1)[-1] for item in items)
