"""Which OS packages of the on-prem setup the code MWAA runs needs.

An image's Dockerfile, ``packages.txt`` and start-up scripts install OS packages; on MWAA only
startup.sh can. One is needed there unless it only serves the image build (compilers, headers,
``alien``), MWAA's image has it (``tzdata``), it provides programs nothing MWAA runs starts
(``git`` for a ``RUN git clone`` of the image build: needed only for a task's ``git`` command, a
script a task runs, GitPython or a ``git+`` requirement), or it serves a library that no code
the bundle ships loads (``libaio1`` for an Oracle client only a retired ``unused_dags/`` folder
imports). REQ017 reports the needed ones (but those the project's own startup.sh installs
already) and ``migrator package`` writes them into startup.sh: both ask
:func:`needed_os_packages`, so the report and the bundle agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from migrator import compat
from migrator.analysis.requirements import is_build_only_os_package, needed_providers
from migrator.analysis.shell import commands
from migrator.analysis.templates import scripts_run

if TYPE_CHECKING:
    from migrator.analysis.envsources import OsPackage
    from migrator.compat import MwaaVersion


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


class _ShippedCode:
    """What the code the bundle ships uses, each read when first asked."""

    def __init__(self, project: Any, target: MwaaVersion) -> None:
        self.project = project
        self.target = target

    @cached_property
    def modules(self) -> list:
        return shipped_modules(self.project, self.target)

    @cached_property
    def imports(self) -> set[str]:
        return imported_names(self.modules)

    @cached_property
    def providers(self) -> set[str]:
        return set(needed_providers(self.modules, self.target))

    @cached_property
    def programs(self) -> set[str]:
        """Programs its tasks' commands run, and the commands of the scripts a task runs."""
        scripts = [s for s in self.project.templates if s.is_script]
        run = scripts_run(scripts, {name for m in self.modules for name in m.script_names})
        return ({program for m in self.modules for program in m.programs}
                | {command.name for script in run for line in script.lines for command in commands(line)})

    def runs(self, package: compat.ProgramPackage) -> bool:
        """Whether something MWAA runs starts one of ``package``'s programs: a command, a Python
        wrapper the code imports, or pip for a requirement the bundle's file installs."""
        return (bool(package.programs & self.programs)
                or any(q == m or q.startswith(m + ".") for q in self.imports for m in package.modules)
                or any((r.url or "").startswith(package.pip_urls)
                       for r in self.project.requirements.shipped_requirements))


def needed_os_packages(project: Any, target: MwaaVersion) -> list[OsPackage]:
    """The project's OS packages (``project.env.os_packages``, in order) that the code MWAA runs
    needs: not build-only ones (compilers, headers, what only builds a distribution whose wheels
    bundle it), nor ones MWAA's image has, nor ones installed for programs
    nothing MWAA runs starts, nor ones installed for a library no shipped module loads. A
    package the table knows nothing about is kept: nothing says it is unneeded. So is every
    package of the project's own MWAA start-up script: written for MWAA, it is replaced by the
    bundle's startup.sh, which must not drop what it chose to install. What only CI installs
    (``compat.ci_only_path``) is left out."""
    startup = set(project.workspace.startup_scripts)
    shipped = _ShippedCode(project, target)
    used: dict[str, bool] = {}  # distribution -> whether shipped code loads its library
    needed = []
    for package in project.env.os_packages:
        if compat.ci_only_path(package.path):
            continue  # a CI test image's (Dockerfile.travis, .travis/ scripts): it runs no MWAA task
        if package.path in startup:
            needed.append(package)
            continue
        name = package.name.lower()
        if is_build_only_os_package(name) or name in compat.image_os_packages() \
                or name in compat.wheel_bundled_os_packages():
            continue
        programs = compat.os_package_programs(package.name)
        if programs is not None:
            if shipped.runs(programs):
                needed.append(package)
            continue
        serves = compat.os_package_serves(package.name)
        if serves is not None and serves.distribution not in used:
            used[serves.distribution] = uses_os_library(serves, shipped.imports, shipped.providers)
        if serves is None or used[serves.distribution]:
            needed.append(package)
    return needed
