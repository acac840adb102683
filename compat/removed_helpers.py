"""Private Airflow helpers no release keeps, with a definition doing what each did
(``data/removed_helpers.json``): API002 writes it into the module that imported the helper."""

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


@cache
def _helpers() -> dict[str, RemovedHelper]:
    rows = load_json("removed_helpers.json")["helpers"]
    return {qualname: RemovedHelper(qualname, row["name"], row["definition"], row["behaviour"])
            for qualname, row in rows.items()}


def removed_helper(qualname: str) -> RemovedHelper | None:
    """The definition standing in for the removed private helper ``qualname``, None if none."""
    return _helpers().get(qualname)
