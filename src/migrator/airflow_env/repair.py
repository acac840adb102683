"""What pip makes of the project's requirements: the lines that do not install (found by
bisection), each tried without its version and pinned at what pip then picks, or dropped when no
version installs, as MWAA installs the file whole or not at all."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from migrator.airflow_env.pip import PipResult, _no_disk_space, _pip_install_args, _run_pip
from migrator.airflow_env.requirement_lines import RequirementLines

# A requirement tried without its version may send pip's resolver backtracking through every
# release of it (awscli against a pinned botocore: over 15 minutes); past this it is no repair.
REPAIR_SECONDS = 120


@dataclass(frozen=True)
class RequirementFailure:
    """One line of the project's requirements that pip would not install, with pip's reason."""

    path: str  # the requirements file holding the line (relative to the project when inside it)
    line: int
    requirement: str
    reason: str
    # pip stopped at its time limit: no verdict, which a less loaded run may well reach (not
    # reported; a layer holding one is not reused)
    undecided: bool = False

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "requirement": self.requirement,
                "reason": self.reason}


@dataclass(frozen=True)
class RequirementRepair:
    """A line pip would not install as written, and what installs in its place: the same
    package without its version (pinned to what pip then chose), or nothing (removed)."""

    path: str
    line: int
    requirement: str  # as written
    replacement: str | None  # None: no version of it installs with the target, the line goes
    reason: str  # pip's reason the line as written failed

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "requirement": self.requirement,
                "replacement": self.replacement, "reason": self.reason}


@dataclass(frozen=True)
class RequirementsInstall:
    """What happened to the project's requirements file in the layered venv."""

    path: str  # as the caller named it (relative to the project when it came from there)
    installed: bool  # every requirement installed (once the repairs, if any, are applied)
    failures: tuple[RequirementFailure, ...] = ()
    notes: tuple[str, ...] = ()
    repairs: tuple[RequirementRepair, ...] = ()  # asked for with ``repair``: what makes it install

    def to_json(self) -> dict:
        return {"path": self.path, "installed": self.installed,
                "failures": [f.to_json() for f in self.failures], "notes": list(self.notes),
                "repairs": [r.to_json() for r in self.repairs]}


def _install_requirements(pip_owner: Path, target_python: Path, lines: RequirementLines,
                          constraints: Path, repair: bool, say: Callable[[str], None]
                          ) -> tuple[list[RequirementFailure], list[RequirementRepair]]:
    """Install every item at once; when that fails, find the failing lines by bisection, and
    with ``repair`` install what does instead of them (:func:`_repair`)."""
    def attempt(items: list[tuple[str, int, str]], timeout: float | None = None,
                dry_run: bool = False) -> PipResult:
        with tempfile.TemporaryDirectory(prefix="migrator-req-") as tmp:
            file = Path(tmp) / "requirements.txt"
            file.write_text("\n".join([*lines.options, *(item for _, _, item in items)]) + "\n",
                            encoding="utf-8")
            result = _run_pip(pip_owner, [*_pip_install_args(constraints), *(["--dry-run"] if dry_run else []),
                                          "-r", str(file)], pip_python=target_python, timeout=timeout)
        _no_disk_space(result)
        return result

    first = attempt(lines.items)
    if first.ok:
        return [], []
    say(f"pip refused the {len(lines.items)} requirements as a whole; bisecting to name the failures")
    failing = failing_items(lines.items, attempt, first)
    for (path, number, item), _ in failing:
        say(f"{path}:{number}: {item} does not install")
    if not repair:
        return [RequirementFailure(*item, result.reason, result.timed_out) for item, result in failing], []
    failed = {item for item, _ in failing}
    return _repair([item for item in lines.items if item not in failed], failing, attempt,
                   target_python, say)


def _loosened(requirement: str) -> str | None:
    """``requirement`` without its version specifier (extras and marker kept), when it is a
    package from the index with one; None otherwise (a URL, a path, an option, no version)."""
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return None
    if parsed.url or not parsed.specifier:
        return None
    extras = f"[{','.join(sorted(parsed.extras))}]" if parsed.extras else ""
    return f"{parsed.name}{extras}" + (f"; {parsed.marker}" if parsed.marker else "")


def _repair(accepted: list[tuple[str, int, str]], failing: list[tuple[tuple[str, int, str], PipResult]],
            attempt: Callable[..., PipResult], layer_python: Path, say: Callable[[str], None]
            ) -> tuple[list[RequirementFailure], list[RequirementRepair]]:
    """What installs in place of the ``failing`` lines, next to the ``accepted`` ones.

    A package from the index pinned at a version that does not install (no wheel and no longer
    builds for the target's Python, or its dependencies conflict with the target's constraints)
    is tried without the version, and pinned at what pip then picks; one that installs at no
    version is removed. Lines pip could not judge (an unreachable host, a URL, a VCS link, an
    option) stay failures: they may well install on MWAA.
    """
    failures: list[RequirementFailure] = []
    candidates: dict[tuple[str, int, str], tuple[str | None, PipResult]] = {}
    for item, result in failing:
        if not result.judges_the_requirements or not _is_index_requirement(item[2]):
            failures.append(RequirementFailure(*item, result.reason, result.timed_out))
        else:
            candidates[item] = (_loosened(item[2]), result)
    loosened = [(path, number, text) for (path, number, _), (text, _) in candidates.items() if text]
    say(f"trying {len(loosened)} of the failing requirements without their versions")
    # One at a time first, without installing: a package whose resolution runs away (pip
    # backtracking through hundreds of releases) then costs its time limit once, not once per
    # bisection step. What fits alone is installed together, bisected if even that fails.
    trials = {item: attempt([*accepted, item], REPAIR_SECONDS, dry_run=True) for item in loosened}
    fitting = [item for item, trial in trials.items() if trial.ok]
    if fitting:
        trials.update(failing_items(fitting, lambda chunk: attempt([*accepted, *chunk], REPAIR_SECONDS)))
    installed = _installed_versions(layer_python)
    repairs = []
    for (path, number, text), (relaxed, result) in candidates.items():
        trial = trials.get((path, number, relaxed)) if relaxed else None
        if trial is not None and not trial.ok and not trial.judges_the_requirements:
            # pip could not tell (its time limit, an unreachable host): the line stays, reported
            failures.append(RequirementFailure(path, number, text, f"{result.reason}; without the "
                                                                 f"version: {trial.reason}", trial.timed_out))
            continue
        if trial is not None and trial.ok:
            replacement, reason = _pinned_at(relaxed, installed), result.reason
        else:  # no version of it installs with the rest
            replacement = None
            reason = result.reason + (f"; without the version: {trial.reason}" if trial is not None else "")
        say(f"{path}:{number}: {text} -> {replacement or 'removed'}")
        repairs.append(RequirementRepair(path, number, text, replacement, reason))
    return failures, repairs


def _is_index_requirement(requirement: str) -> bool:
    try:
        return Requirement(requirement).url is None
    except InvalidRequirement:
        return False


def _installed_versions(python: Path) -> dict[str, str]:
    """Distribution name (canonical) -> version, of what ``python`` sees (its layer and the
    base venv behind it)."""
    script = ("import importlib.metadata as m, json; print(json.dumps("
              "{d.metadata['Name']: d.version for d in m.distributions() if d.metadata['Name']}))")
    done = subprocess.run([str(python), "-c", script], check=False, capture_output=True, text=True)
    try:
        return {canonicalize_name(k): v for k, v in json.loads(done.stdout).items()}
    except ValueError:
        return {}


def _pinned_at(requirement: str, installed: dict[str, str]) -> str:
    """``requirement`` (no version) pinned at the version installed, when known."""
    parsed = Requirement(requirement)
    version = installed.get(canonicalize_name(parsed.name))
    if version is None:
        return requirement
    name, _, marker = requirement.partition(";")
    return f"{name.strip()}=={version}" + (f";{marker}" if marker else "")


def failing_items(items: list, attempt: Callable[[list], PipResult], whole: PipResult | None = None
                  ) -> list[tuple[object, PipResult]]:
    """The items that make ``attempt`` fail, each with the result that named it (delta
    debugging): chunks that succeed together with those accepted so far are kept, failing
    chunks are split until single items remain. ``whole``: the result already had for all items.
    About 2·k·log(n) attempts for k culprits among n items instead of n."""
    accepted: list = []
    failing: list[tuple[object, PipResult]] = []

    def visit(chunk: list, result: PipResult | None = None) -> None:
        result = result or attempt([*accepted, *chunk])
        if result.ok:
            accepted.extend(chunk)
        elif len(chunk) == 1:
            failing.append((chunk[0], result))
        else:
            middle = len(chunk) // 2
            visit(chunk[:middle])
            visit(chunk[middle:])

    visit(list(items), whole)
    return failing
