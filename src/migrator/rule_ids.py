"""Rule ids renamed since a release: the old ids users may still write, and what they are now.

Our Airflow-API rules were ``AIR001``, ``AIR002``, ...: ruff's Airflow rules use the same
prefix with other meanings (ruff's AIR001 is its task-variable-name rule, AIR301/AIR302 its
removals) and users run both, so the family is ``API`` now, numbers kept. For one more release
the old ids stay accepted wherever a user names a rule (``--select``/``--ignore``, the
settings' ``select``/``ignore``/``per-path-ignores``, ``# migrator: ignore[...]``,
``migrator explain``), with one deprecation notice naming the new ids. Fingerprints hash the
id a rule was first released under, so baselines, SARIF alerts and audit verdicts written
before a rename still match its findings (that part stays when the aliases go).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

# Old family prefix -> new (issue #24).
RENAMED_FAMILIES = {"AIR": "API"}

_FORMER = re.compile(rf"^({'|'.join(RENAMED_FAMILIES)})(\d*)$")
_FIRST_FAMILY = {new: old for old, new in RENAMED_FAMILIES.items()}
_FAMILY = re.compile(r"^([A-Z]+)(\d+)$")


def current_id(selector: str) -> str:
    """A rule id or id prefix as it is now (``AIR001`` -> ``API001``, ``air`` -> ``API``);
    anything that is no old id (a current id, a rule name, a typo) is returned unchanged."""
    match = _FORMER.match(selector.strip().upper())
    return RENAMED_FAMILIES[match[1]] + match[2] if match else selector


def former_ids(selectors: Iterable[str]) -> list[str]:
    """The old ids among ``selectors``, in order, each once."""
    return list(dict.fromkeys(s for s in selectors if current_id(s) != s))


@cache  # asked once per finding, for a few dozen distinct ids
def first_id(rule_id: str) -> str:
    """The id ``rule_id`` was first released under, which its fingerprints hash."""
    match = _FAMILY.match(rule_id)
    return _FIRST_FAMILY[match[1]] + match[2] if match and match[1] in _FIRST_FAMILY else rule_id


def deprecation_notice(old_ids: Iterable[str]) -> str:
    """One line naming each old id and its new one."""
    renames = ", ".join(f"{old} -> {current_id(old)}" for old in old_ids)
    families = ", ".join(f"{old} -> {new}" for old, new in RENAMED_FAMILIES.items())
    return (f"migrator: deprecated rule ids {renames}: rule families were renamed ({families}) so "
            "they do not collide with ruff's codes; the old ids are accepted for one more release")
