"""What Python distributions need from the operating system, and what an image's OS packages
serve (``os_libraries.json``): MWAA's Amazon Linux image has Python and Airflow only, so a need
pip cannot meet is installed from startup.sh, and an OS package an on-prem image installed is
worth that only when something MWAA runs needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from packaging.version import Version

from ._data import load_json
from .mwaa import MwaaVersion


def _data() -> dict:
    return load_json("os_libraries.json")


@dataclass(frozen=True)
class OsLibraryNeed:
    distribution: str  # canonical name
    what: str
    source: str
    # None: needed to build or install the distribution at all. (): a provider, needed when the
    # code imports it. Else the modules whose use needs it (a client library, a JVM, a program).
    used_as: tuple[str, ...] | None
    needless_uses: frozenset[str]  # names of those modules that work without it (cx_Oracle.makedsn)
    wheels_bundle: dict[str, frozenset[str]]  # release -> CPython tags whose wheels link it in

    @property
    def newest_bundled(self) -> str | None:
        """The newest release the table knows, PyPI's newest when the table was checked: what an
        unpinned line installs."""
        return max(self.wheels_bundle, key=Version) if self.wheels_bundle else None

    def bundled_in_wheel(self, version: str, target: MwaaVersion) -> bool:
        """Whether release ``version`` has a wheel carrying the library for the target's Python
        (its CPython tag, or ``py3``: a wheel for every Python 3, such as Rtree's)."""
        tags = self.wheels_bundle.get(version, frozenset())
        return _cpython_tag(target) in tags or "py3" in tags


def _cpython_tag(target: MwaaVersion) -> str:
    return "cp" + "".join(target.python.split(".")[:2])


@lru_cache(maxsize=1)
def _needs() -> dict[str, OsLibraryNeed]:
    return {name: OsLibraryNeed(name, row["what"], row["source"],
                                None if row["used_as"] is None else tuple(row["used_as"]),
                                frozenset(row.get("needless_uses", ())),
                                {release: frozenset(tags) for release, tags in row.get("wheels_bundle", {}).items()})
            for name, row in _data()["distributions"].items()}


def os_library_need(distribution: str) -> OsLibraryNeed | None:
    """What ``distribution`` (a canonical name) needs from the OS that pip cannot install."""
    return _needs().get(distribution)


@lru_cache(maxsize=1)
def os_library_modules() -> frozenset[str]:
    """Top-level modules of which only some names need the OS library (``cx_Oracle``): which
    names the code uses decides, so the scan records those uses."""
    return frozenset(name.partition(".")[0] for need in _needs().values() if need.needless_uses
                     for name in need.needless_uses)


@lru_cache(maxsize=1)
def _served() -> dict[str, OsLibraryNeed]:
    served = {}
    for row in _data()["os_packages"]["serves"]:
        need = _needs()[row["distribution"]]
        need = replace(need, used_as=(*need.used_as, *row.get("also_modules", ())))
        served.update(dict.fromkeys(row["names"], need))
    return served


def os_package_serves(package: str) -> OsLibraryNeed | None:
    """The need an OS package is installed for (``libaio1``: cx-oracle's Instant Client, also
    loaded by ``oracledb``), None when the table does not know what it serves."""
    return _served().get(package.lower())


@lru_cache(maxsize=1)
def image_build_tools() -> frozenset[str]:
    """OS packages that only run while an image is built (``alien``)."""
    return frozenset(row["name"] for row in _data()["os_packages"]["image_build_only"])


@dataclass(frozen=True)
class ProgramPackage:
    """An OS package installed for the programs it provides: needed only where something MWAA
    runs starts one (a task's command, a script a task runs, pip for a ``git+`` URL) or the
    code imports a Python wrapper of it (GitPython runs ``git``)."""

    programs: frozenset[str]
    modules: tuple[str, ...]
    pip_urls: tuple[str, ...]  # requirement URL prefixes pip runs one of the programs for


@lru_cache(maxsize=1)
def _program_packages() -> dict[str, ProgramPackage]:
    packages = {}
    for row in _data()["os_packages"]["programs"]:
        package = ProgramPackage(frozenset(row["programs"]), tuple(row.get("modules", ())),
                                 tuple(row.get("pip_urls", ())))
        packages.update(dict.fromkeys(row["names"], package))
    return packages


def os_package_programs(package: str) -> ProgramPackage | None:
    """What an OS package is installed for when it is for its programs (``git``), else None."""
    return _program_packages().get(package.lower())


@lru_cache(maxsize=1)
def wheel_bundled_os_packages() -> frozenset[str]:
    """OS packages an image installs only to compile a distribution from source whose wheels
    bundle them (``libxml2-dev`` for lxml): pip installs the wheel on MWAA."""
    return frozenset(name for row in _data()["os_packages"]["wheel_bundled"] for name in row["names"])


@lru_cache(maxsize=1)
def image_os_packages() -> frozenset[str]:
    """OS packages MWAA's image has already (``tzdata``): nothing to install from startup.sh."""
    return frozenset(name for row in _data()["os_packages"]["on_image"] for name in row["names"])
