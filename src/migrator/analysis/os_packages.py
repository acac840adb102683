"""Which OS packages of the on-prem setup the code MWAA runs needs.

An image's Dockerfile, ``packages.txt`` and start-up scripts install OS packages; on MWAA only
startup.sh can. One is needed there unless it only serves the image build (compilers, headers,
``alien``) or a library that no code the bundle ships loads (``libaio1`` for an Oracle client
only a retired ``unused_dags/`` folder imports). REQ017 reports the needed ones (but those the
project's own startup.sh installs already) and ``migrator package`` writes them into startup.sh:
both ask :func:`needed_os_packages`, so the report and the bundle agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from migrator import compat
from migrator.analysis.requirements import is_build_only_os_package, needed_providers

if TYPE_CHECKING:
    from migrator.analysis.envsources import OsPackage
    from migrator.compat.mwaa import MwaaVersion


def imported_names(modules: Iterable) -> set[str]:
    return {qualname for module in modules for qualname in module.imports}


def uses_os_library(need: compat.OsLibraryNeed, imports: set[str], providers: set[str]) -> bool:
    """Whether the project meets ``need``: always for a build need, else when its code imports
    the package (its modules, or the provider) and uses more of it than what works without the
    library (``cx_Oracle.makedsn`` only formats a string)."""
    if need.used_as is None:
        return True
    if not need.used_as:
        return need.distribution in providers
    used = {q for q in imports for module in need.used_as if q == module or q.startswith(module + ".")}
    # The import itself and names that work without the library only: not needed.
    return bool(used) and not (used & need.needless_uses and used <= {*need.used_as, *need.needless_uses})


def shipped_modules(project: Any, target: MwaaVersion) -> list:
    """The modules the bundle ships: the DAG and plugins folders' and the packages outside them
    their code imports (carried into plugins.zip); not a folder of retired DAGs beside them."""
    ws = project.workspace
    folders = [*ws.dag_folders, *([ws.plugins_folder] if ws.plugins_folder else [])]
    folders += [package.source for package in project.carried_packages(target)]
    return [m for m in project.modules
            if any(f == "." or m.path == f or m.path.startswith(f.rstrip("/") + "/") for f in folders)]


def needed_os_packages(project: Any, target: MwaaVersion) -> list[OsPackage]:
    """The project's OS packages (``project.env.os_packages``, in order) that the code MWAA runs
    needs: not build-only ones, nor ones installed for a library no shipped module loads. A
    package the table knows nothing about is kept: nothing says it is unneeded. So is every
    package of the project's own MWAA start-up script: written for MWAA, it is replaced by the
    bundle's startup.sh, which must not drop what it chose to install."""
    startup = set(project.workspace.startup_scripts)
    used: dict[str, bool] = {}  # distribution -> whether shipped code loads its library
    shipped_uses: tuple[set[str], set[str]] | None = None  # (imports, providers), read when first asked
    needed = []
    for package in project.env.os_packages:
        if package.path in startup:
            needed.append(package)
            continue
        if is_build_only_os_package(package.name):
            continue
        serves = compat.os_package_serves(package.name)
        if serves is not None and serves.distribution not in used:
            if shipped_uses is None:
                shipped = shipped_modules(project, target)
                shipped_uses = imported_names(shipped), set(needed_providers(shipped, target))
            used[serves.distribution] = uses_os_library(serves, *shipped_uses)
        if serves is None or used[serves.distribution]:
            needed.append(package)
    return needed
