"""What a bundle build found out, for the PKG rules to judge (``migrator.rules.pkg``).

The build's steps decide what ships (a file left out, a requirement line removed, a credential
kept out of mwaa-config.json) and record each decision here as a fact; once the bundle is
written the build freezes the record into ``BundleFacts`` and runs every ``PackageRule`` over
it (``build.package_checks``). A rule's ``check`` is a pure function of the facts: it reads no file,
prints nothing and decides nothing about the bundle's content, it only says what the user must
know. Every check code the bundle reports is a rule's.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migrator.analysis.layout import OutsidePackage
    from migrator.bundle.model import BundleCheck
    from migrator.compat.mwaa import EnvironmentClass
    from migrator.dag_count import DagCount
    from migrator.requirements_fix import IsolatedInstall


@dataclass(frozen=True)
class ExcludedImport:
    importer: str  # the shipped file importing it
    module: str  # the dotted name imported
    path: str  # the project file the bundle leaves out
    reason: str  # why it is left out


@dataclass(frozen=True)
class NamedFile:
    user: str  # the shipped file whose text names it ("" when none can be told)
    name: str  # the file name the text holds
    path: str  # the project file: left out, or outside the DAG and plugins folders
    reason: str = ""  # why it is left out (excluded files)


@dataclass(frozen=True)
class SecretOption:
    option: str  # the option's key as MWAA takes it
    path: str  # the file setting it
    included: bool  # written anyway (--include-secret-options)


@dataclass(frozen=True)
class RequirementPassword:
    line: int  # of the bundle's requirements.txt
    shown: str  # the line, masked
    variable: str | None  # the ${VARIABLE} the password became; None: shipped as it is


@dataclass(frozen=True)
class RequirementRemoval:
    line: int
    shown: str  # the line, masked
    why: str  # why MWAA cannot use it, and what to do


@dataclass(frozen=True)
class RequirementDropped:
    """A requirements.txt line removed because no version of it installs with the target."""

    line: int
    requirement: str
    reason: str


@dataclass(frozen=True)
class SupersededRequirement:
    where: str  # "requirements.txt line 3 (name==1.0)"
    why: str
    use: str  # the requirement that ships its modules now
    kept_for: tuple[str, ...] | None = None  # None: replaced; else kept, these indexes may serve it


@dataclass(frozen=True)
class Capacity:
    """The DAG count and what it is checked against."""

    count: DagCount
    environment_class: EnvironmentClass | None  # the class named (option or sizing report)
    fitting_class: EnvironmentClass | None  # with none named: the smallest class that holds it
    largest_capacity: int
    share: float  # of a class's capacity MWAA advises staying under


@dataclass(frozen=True)
class RequirementMoved:
    """A requirements.txt line moved to a version that installs with the target's constraints
    (the package index's companion-pin moves; ``migrate --verify``'s repairs)."""

    line: int
    requirement: str  # as written (masked when reported)
    replacement: str  # the version that installs
    reason: str  # why the written one does not (masked when reported)


@dataclass(frozen=True)
class PartSize:
    """The size of what a container unpacks or installs while it starts (plugins.zip, the
    requirements' wheels), and MWAA's recommended maximum for it, in bytes."""

    size: int
    limit: int


@dataclass(frozen=True)
class BundleFacts:
    target_airflow: str = ""
    private_network: bool = False
    error_findings: int = 0  # error findings of the scan behind the bundle
    prebuilt_zips_left_out: tuple[str, ...] = ()  # earlier plugins.zip files not nested
    ignore_warnings: tuple[tuple[str, str], ...] = ()  # (path, message): unusable .airflowignore lines
    included_sensitive: tuple[tuple[str, str], ...] = ()  # (path, --include pattern)
    excluded_imports: tuple[ExcludedImport, ...] = ()
    excluded_names: tuple[NamedFile, ...] = ()
    carried: tuple[OutsidePackage, ...] = ()  # packages carried into plugins.zip
    named_outside: tuple[NamedFile, ...] = ()
    secret_options: tuple[SecretOption, ...] = ()
    requirement_passwords: tuple[RequirementPassword, ...] = ()
    unreadable_requirements: tuple[tuple[str, str], ...] = ()  # (path, why)
    remote_requirements: tuple[tuple[int, str], ...] = ()  # (line, masked URL) kept
    requirement_removals: tuple[RequirementRemoval, ...] = ()
    requirement_drops: tuple[RequirementDropped, ...] = ()
    superseded: tuple[SupersededRequirement, ...] = ()
    isolated: tuple[IsolatedInstall, ...] = ()  # tools installed into venvs of their own
    install_blockers: tuple[str, ...] = ()  # masked; written anyway (--allow-broken-requirements)
    no_wheel_source: tuple[str, ...] = ()  # masked requirement lines
    foreign_os_packages: tuple[tuple[str, str], ...] = ()  # (name, manager), not yum/dnf
    reserved_env_vars: tuple[tuple[str, str], ...] = ()  # (name, where)
    secret_env_vars: tuple[tuple[str, str], ...] = ()  # (name, where)
    startup_os_packages: int = 0  # OS packages startup.sh installs (0 when no startup.sh)
    startup_isolated: tuple[str, ...] = ()  # tools whose venv startup.sh makes
    capacity: Capacity | None = None
    requirement_moves: tuple[RequirementMoved, ...] = ()  # companion pins moved to fitting releases
    dependencies_unchecked: tuple[str, ...] = ()  # masked pins (with the index's reason) not checked
    plugins_zip_size: PartSize | None = None  # None: no plugins.zip
    wheels_size: PartSize | None = None  # the downloaded wheels (private network); None: none


class FactsDraft:
    """The facts while the build collects them: a list per tuple field, a value per other
    field; ``freeze`` gives the ``BundleFacts``."""

    def __init__(self, **values: Any) -> None:
        self._lists = {f.name: [] for f in fields(BundleFacts) if f.type.startswith("tuple")}
        self._values: dict[str, Any] = {}
        for name, value in values.items():
            self.set(name, value)

    def add(self, name: str, item: Any) -> None:
        self._lists[name].append(item)

    def extend(self, name: str, items: Any) -> None:
        self._lists[name].extend(items)

    def set(self, name: str, value: Any) -> None:
        if name in self._lists:
            self._lists[name] = list(value)
        elif name in {f.name for f in fields(BundleFacts)}:
            self._values[name] = value
        else:
            raise KeyError(name)

    def of(self, name: str) -> list[Any]:
        return self._lists[name]

    def freeze(self) -> BundleFacts:
        return BundleFacts(**self._values, **{k: tuple(v) for k, v in self._lists.items()})


def sort_checks(checks: list[BundleCheck]) -> list[BundleCheck]:
    return sorted(checks, key=lambda c: (-c.severity, c.code, c.path, c.message))


__all__ = [
    "BundleFacts",
    "Capacity",
    "ExcludedImport",
    "FactsDraft",
    "NamedFile",
    "PartSize",
    "RequirementDropped",
    "RequirementMoved",
    "RequirementPassword",
    "RequirementRemoval",
    "SecretOption",
    "SupersededRequirement",
    "sort_checks",
]
