"""Checks that keep a run from passing by checking nothing: CI that runs ``migrator scan`` on
every commit must go red on a typo, not green.

A rule selector (``--select``, ``--ignore``, the settings' ``select``/``ignore``/
``per-path-ignores``) that is the prefix of no rule id, and a folder with no Airflow file to
analyse, are input errors (exit 2) instead of an empty, passing run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from migrator.errors import InputError
from migrator.rules import get_rule, rule_index

if TYPE_CHECKING:
    from migrator.workspace import Workspace

CLOSEST_SHOWN = 3


def rule_families(rule_ids: Iterable[str]) -> list[str]:
    """The letter prefixes of the rule ids (API, MWA, ...), sorted."""
    return sorted({rule_id.rstrip("0123456789") for rule_id in rule_ids})


def closest_rules(selector: str, rule_ids: list[str]) -> list[str]:
    """The rule ids or families a mistyped selector most likely meant; a rule's name
    (``moved-import``) points at its id, since selectors match ids only."""
    rule = get_rule(selector)
    if rule is not None:
        return [rule.id]
    candidates = [*rule_families(rule_ids), *rule_ids]
    return difflib.get_close_matches(selector.upper(), candidates, n=CLOSEST_SHOWN, cutoff=0.5)


def check_selectors(selectors: Iterable[str], where: str) -> None:
    """An input error naming every selector that starts no rule id, with the closest real
    ones; ``where`` says where the selectors were written (``--select``, ``pyproject.toml select``)."""
    rule_ids = [entry.id for entry in rule_index()]
    unknown = [s for s in selectors if not any(rule_id.startswith(s.upper()) for rule_id in rule_ids)]
    if not unknown:
        return
    hints = []
    for selector in unknown:
        closest = closest_rules(selector, rule_ids)
        hints.append(f"{selector!r} (did you mean {', '.join(closest)}?)" if closest else repr(selector))
    raise InputError(f"{where}: no rule id starts with {'; '.join(hints)}; rule ids start with "
                     f"{', '.join(rule_families(rule_ids))} (`migrator rules` lists them)")


def check_airflow_found(root: Path, workspace: Workspace) -> None:
    """An input error when discovery found nothing a migration is about: no DAG or plugin file
    to analyse, no airflow.cfg, no requirements file (a wrong folder, or DAGs in a folder
    discovery does not know)."""
    if workspace.python_files or workspace.airflow_cfgs or workspace.requirement_files:
        return
    raise InputError(f"{root}: no Airflow project found (no DAG folder, no plugins folder, no Python "
                     "file building a DAG, no airflow.cfg, no requirements file); point PATH at the "
                     "project, or name its DAG folders with [tool.migrator] dags")
