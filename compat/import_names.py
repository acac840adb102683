"""Which distributions provide an import name (``import_names.json``): ``import yaml`` comes
from PyYAML, ``import bs4`` from beautifulsoup4, and the PyPI distribution ``bs4`` is only an
alias that installs beautifulsoup4. Comparing an import name with distribution names needs both,
or a module the image has is taken for a missing one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from packaging.utils import canonicalize_name

from ._data import load_json


def _data() -> dict:
    return load_json("import_names.json")


@lru_cache(maxsize=4096)  # asked for every top-level import of a project, often of the same names
def module_distributions(top: str) -> tuple[str, ...]:
    """Canonical names of the distributions that ship the top-level module ``top``; a name
    ending in ``-`` stands for every distribution with that prefix (``google-``)."""
    return tuple(_data()["modules"].get(top, (canonicalize_name(top),)))


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {name: row["target"] for name, row in _data()["aliases"].items()}


def installed_as(distribution: str) -> str:
    """The distribution installing ``distribution`` (a canonical name) really puts in place: its
    target for an alias (``bs4`` -> ``beautifulsoup4``), else itself."""
    return _aliases().get(distribution, distribution)


class Installed(frozenset):
    """Distributions as they are put in place (an alias as its target): what
    :func:`installed_names` returns, for asking :func:`module_provided` many times."""


def installed_names(distributions: Collection[str]) -> Installed:
    return Installed(installed_as(name) for name in distributions)


def module_provided(top: str, distributions: Collection[str]) -> bool:
    """Whether one of ``distributions`` (canonical names; aliases count as their targets, an
    :class:`Installed` is taken as it is) ships the top-level module ``top``."""
    installed = distributions if isinstance(distributions, Installed) else installed_names(distributions)
    return any(name in installed or (name.endswith("-") and any(d.startswith(name) for d in installed))
               for name in module_distributions(top))


@dataclass(frozen=True)
class DroppedModule:
    """A top-level module a distribution stopped shipping (``import_names.json``'s ``dropped``):
    ``pkg_resources`` is not in setuptools from 82.0.0 on."""

    module: str
    distribution: str
    removed_in: str
    instead: str  # what replaces its uses


def dropped_module(top: str) -> DroppedModule | None:
    """What dropped the top-level module ``top``, None if no distribution did."""
    row = _data().get("dropped", {}).get(top)
    return DroppedModule(top, row["distribution"], row["removed_in"], row["instead"]) if row else None
