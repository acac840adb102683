"""Third-party modules the DAG folder's code imports that nothing installs on an MWAA target:
not the image, not a line of the shipped requirements file. REQ024 reports them; the
requirements fix adds those the target's constraints pin.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.analysis.plugins import project_top_level_names
from migrator.analysis.requirements import needed_providers

AIRFLOW = "apache-airflow"
# Names no distribution provides: the language's own, and Airflow's (the API rules judge those).
_NOT_PACKAGES = frozenset({"airflow", "__future__", "__main__"})


@dataclass(frozen=True)
class MissingPackage:
    """A top-level module nothing installs, the files importing it (sorted: the first leads)
    and, when the target's constraints pin its distribution, that pin."""

    module: str
    importers: tuple[str, ...]
    pin: tuple[str, str] | None

    @property
    def distribution(self) -> str | None:
        """The distribution to add, when known: the pinned one, else one a table maps the
        module to (a module no table maps is looked up under its own name: none is known)."""
        if self.pin:
            return self.pin[0]
        known = [name for name in compat.module_distributions(self.module)
                 if not name.endswith("-") and name != canonicalize_name(self.module)]
        return known[0] if known else None


def missing_packages(project, target) -> list[MissingPackage]:
    """What the DAG folder's code (DAG files and the modules beside them; tests, guarded imports
    and plugin code, which is PLG006's, aside) imports that ``target`` would not have.

    Another package may bring a module Airflow's constraints pin (a provider's dependency): when
    the project installs anything besides the image, only modules no constraint pins are judged.
    Nothing is judged when a remote file pip reads at install time may list anything."""
    workspace = project.workspace
    plugins = workspace.plugins_folder
    facts = project.requirements
    entry = facts.shipped_entry
    if entry and facts.remote_includes(entry):
        return []
    own = project_top_level_names(workspace) | _module_names_in(workspace)
    # what another requirements file (pyproject.toml, an old lock) lists is REQ021's
    own |= {found.module for found in project.listed_elsewhere(target, kinds=("pypi", "vcs", "url"))}
    listed = {r.name for r in facts.shipped_requirements if r.name and r.name != AIRFLOW}
    available = compat.installed_names(compat.installed_distributions(target) | listed)
    installs_more = bool(listed) or any(not need.preinstalled
                                        for need in needed_providers(project.modules, target).values())
    importers: dict[str, set[str]] = {}
    judged: dict[str, bool] = {}
    for module in project.modules:
        if module.problem or module.path.endswith("_test.py") or \
                (plugins and (plugins == "." or module.path.startswith(plugins.rstrip("/") + "/"))):
            continue  # a test (pytest's other naming) loads on no MWAA worker
        optional = set(module.optional_imports)
        for qualname in module.imports:
            top = qualname.split(".", 1)[0]
            if qualname in optional or top in _NOT_PACKAGES or top in sys.stdlib_module_names or top in own:
                continue
            if compat.dropped_from_image(top, target):
                continue  # no requirement brings it back (PY004 says so)
            if top not in judged:
                judged[top] = not (_namespace(top) or compat.module_provided(top, available) or _named_by(top, listed)
                                   or (installs_more and compat.constraint_pin(top, target)))
            if judged[top]:
                importers.setdefault(top, set()).add(module.path)
    return [MissingPackage(top, tuple(sorted(paths)), compat.constraint_pin(top, target))
            for top, paths in sorted(importers.items())]


def _module_names_in(workspace) -> set[str]:
    """Every module and package name of the repository's Python files, at any depth: code that
    puts a folder on ``sys.path`` imports them as top-level modules (MWA016 judges the layout)."""
    names: set[str] = set()
    for rel in (*workspace.python_files, *workspace.other_python_files):
        names.update(part.removesuffix(".py") for part in rel.split("/"))
    return names


def _namespace(top: str) -> bool:
    """A namespace many distributions share (``google``: ``google.protobuf`` is protobuf's,
    ``google.cloud.storage`` google-cloud-storage's): the top-level name says not which."""
    return any(name.endswith("-") for name in compat.module_distributions(top))


def _named_by(top: str, listed: set[str]) -> bool:
    """Whether a listed distribution's name contains the module's (``cosmos`` from
    ``astronomer-cosmos``, ``dagfactory`` from ``dag-factory``): a name no table maps."""
    squashed = top.lower().replace("_", "")
    return any(squashed in name.replace("-", "") for name in listed)
