"""Airflow functions a target no longer has, with no drop-in replacement, each with a definition
doing what it did (``data/removed_helpers.json``): API002 writes it into the module that imported it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ._data import load_json


@dataclass(frozen=True)
class RemovedHelper:
    qualname: str  # where Airflow had it
    name: str
    definition: str  # Python source defining ``name``
    behaviour: str
    needs: str | None  # what the environment must allow for the definition to work


@cache
def _helpers() -> dict[str, RemovedHelper]:
    rows = load_json("removed_helpers.json")["helpers"]
    return {qualname: RemovedHelper(qualname, row["name"], row["definition"], row["behaviour"],
                                     row.get("needs"))
            for qualname, row in rows.items()}


def removed_helper(qualname: str) -> RemovedHelper | None:
    """The definition standing in for the removed function ``qualname``, None if none."""
    return _helpers().get(qualname)
