"""Pins whose own dependencies conflict with the target's constraints, moved to a release that fits.

A "companion pin" is an exact pin of a package that is not constrained itself but pins one that
is: ``awscli==1.19.110`` requires ``botocore==1.20.110`` while MWAA's constraints pin another
botocore, so pip cannot install the file; without the version pip backtracks through hundreds of
awscli releases. The release that fits is found from release metadata (:mod:`migrator.package_index`)
with a binary search: such dependency pins move forward with the package's releases, so each
release's conflict says whether the fitting one is newer or older. About log2(releases) metadata
files are read per pin, each cached for good.

:func:`dependency_conflicts` and :func:`newest_fitting` are pure; :func:`companion_moves` reads
the index and returns what to change, for :func:`migrator.requirements_fix.apply_install_repairs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from migrator.analysis.requirements import (
    Constraints,
    marker_excludes_target,
    parse_requirements_text,
)
from migrator.package_index import IndexUnavailable, PackageIndex, Release

OLDER, NEWER = -1, 1  # where the release that fits lies, from a release that does not


@dataclass(frozen=True)
class Conflict:
    """A dependency of a release that excludes the version the constraints pin."""

    requirement: str  # as the release's metadata writes it
    pinned: str
    direction: int  # OLDER or NEWER

    def __str__(self) -> str:
        return f"{self.requirement} (the constraints pin {self.pinned})"


@dataclass(frozen=True)
class CompanionMove:
    line: int
    requirement: str  # the line's requirement as written
    replacement: str | None  # None: no release fits
    reason: str


def dependency_conflicts(requires_dist: Iterable[str], constraints: Constraints, target,
                         extras: Iterable[str] = ()) -> list[Conflict]:
    """The dependencies (``Requires-Dist`` values) that exclude the version ``constraints`` pin,
    on ``target``'s workers with ``extras`` asked for."""
    conflicts = []
    for text in requires_dist:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        pinned = constraints.get(requirement.name)
        if pinned is None or requirement.url or (
                requirement.marker and marker_excludes_target(str(requirement.marker), target, extras)):
            continue
        try:
            version = Version(pinned)
        except InvalidVersion:
            continue
        if requirement.specifier.contains(version, prereleases=True):
            continue
        conflicts.append(Conflict(text, pinned, _direction(requirement.specifier, version)))
    return conflicts


def _direction(specifier: SpecifierSet, pinned: Version) -> int:
    """NEWER when the clauses that exclude ``pinned`` ask for older versions than it (the
    package's release is behind the constraints), else OLDER."""
    for clause in specifier:
        if clause.contains(pinned, prereleases=True) or clause.operator == "!=":
            continue
        try:
            bound = Version(clause.version.removesuffix(".*"))
        except InvalidVersion:
            continue
        return NEWER if bound < pinned or clause.operator in ("<", "<=") else OLDER
    return OLDER


def newest_fitting(releases: Sequence[Release], conflicts_of: Callable[[Release], list[Conflict]]
                   ) -> Release | None:
    """The newest of ``releases`` (oldest first) with no conflict, by binary search: a release
    whose conflicts all point to newer releases lies before the answer, any other after it."""
    low, high = 0, len(releases)  # the first release not behind the constraints is in [low, high]
    while low < high:
        middle = (low + high) // 2
        conflicts = conflicts_of(releases[middle])
        if conflicts and all(c.direction == NEWER for c in conflicts):
            low = middle + 1
        else:
            high = middle
    # releases[low:] are not behind; the newest that fits is the last of the fitting run from low
    if low == len(releases) or conflicts_of(releases[low]):
        return None
    high = len(releases) - 1  # the last index whose release fits, with releases[low] fitting
    while low < high:
        middle = (low + high + 1) // 2
        if conflicts_of(releases[middle]):
            high = middle - 1
        else:
            low = middle
    return releases[low]


def companion_moves(text: str, target, constraints: Constraints | None, index: PackageIndex
                    ) -> tuple[list[CompanionMove], list[str]]:
    """For each exact pin in ``text`` of a package the constraints leave free, whether its own
    dependencies fit the constraints; when not, the newest release that does (or none).
    Returns the moves and the pins that could not be checked, each with the index's reason."""
    if constraints is None:
        return [], []
    moves: list[CompanionMove] = []
    unchecked: list[str] = []
    for requirement in parse_requirements_text(text, "requirements.txt").requirements:
        version = requirement.pinned_version
        if requirement.kind != "pypi" or not version or not requirement.name \
                or constraints.get(requirement.name) is not None:
            continue

        def conflicts_of(release: Release, extras=requirement.extras) -> list[Conflict]:
            return dependency_conflicts(index.metadata(release).requires_dist, constraints, target, extras)

        try:
            releases = index.releases(requirement.name, target.python)
            current = next((r for r in releases if r.version == Version(version)), None)
            conflicts = conflicts_of(current) if current is not None else []
            if not conflicts:
                continue
            fitting = newest_fitting(releases, conflicts_of)
            newest_conflicts = conflicts_of(releases[-1]) if fitting is None else []
        except IndexUnavailable as exc:
            unchecked.append(f"{requirement.display()} ({exc})")
            continue
        except InvalidVersion:
            continue
        why = f"it requires {_first(conflicts)}"
        replacement = None
        if fitting is not None:
            extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
            marker = f"; {requirement.marker}" if requirement.marker else ""
            replacement = f"{requirement.written_name or requirement.name}{extras}=={fitting.version}{marker}"
            why += f"; {fitting.version} is the newest release whose requirements the constraints satisfy"
        else:
            why += f"; no release fits: the newest, {releases[-1].version}, requires {_first(newest_conflicts)}"
        moves.append(CompanionMove(requirement.line, requirement.display(), replacement, why))
    return moves, unchecked


def _first(conflicts: list[Conflict]) -> str:
    return str(conflicts[0]) + (f" (+{len(conflicts) - 1} more)" if len(conflicts) > 1 else "")
