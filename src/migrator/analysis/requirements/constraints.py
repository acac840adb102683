"""The constraints a project's requirements are checked against, and the target facts the
checks compare with (markers, specifiers, what the image installs).

Constraints come from ``--constraints FILE`` (settings), the file's own local ``-c`` target or
URL, else the target's own: the MWAA image's constraints shipped in the knowledge base
(``compat.runtime``), so no network is needed. Other URLs are fetched once into the tool's one
constraints cache (``migrator.cache.cache_dir("constraints")``)."""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from migrator import compat
from migrator.analysis.envsources import logical_lines
from migrator.analysis.requirements.files import (
    TRAILING_COMMENT,
    RequirementLine,
    RequirementOption,
)
from migrator.analysis.requirements.project_set import RequirementsFacts, is_url, resolve_local
from migrator.analysis.source import Problem, read_text
from migrator.cache import OFFLINE_ENV, note_constraints_failure
from migrator.cache import cache_dir as tool_cache_dir
from migrator.secrets import mask_uri

FETCH_TIMEOUT_SECONDS = 10
_CONSTRAINTS_URL = re.compile(r"constraints-(?P<airflow>\d+\.\d+\.\d+)/constraints-(?P<python>\d+\.\d+)\.txt")


# -- constraints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraints:
    """Pins read from a constraints file: canonical name -> version."""

    source: str  # a project path, an absolute path or a URL
    pins: dict[str, str]
    airflow: str | None = None  # the Airflow version named by the URL, when it names one
    python: str | None = None

    def get(self, name: str) -> str | None:
        return self.pins.get(canonicalize_name(name))


def parse_constraints_text(text: str, source: str) -> Constraints:
    pins: dict[str, str] = {}
    for _, raw in logical_lines(text):
        line = TRAILING_COMMENT.sub("", raw).strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        specs = list(requirement.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "==="):
            pins.setdefault(canonicalize_name(requirement.name), specs[0].version)
    airflow, python = constraints_url_versions(source)
    return Constraints(source, pins, airflow, python)


def constraints_url_versions(url: str) -> tuple[str | None, str | None]:
    """(Airflow, Python) named by an Apache constraints URL, e.g. .../constraints-2.7.3/constraints-3.11.txt."""
    match = _CONSTRAINTS_URL.search(url)
    return (match.group("airflow"), match.group("python")) if match else (None, None)


def cache_dir() -> Path:
    return tool_cache_dir("constraints")


class ConstraintsUnavailable(Exception):
    """A constraints URL could not be fetched; the message says why (no secrets in it)."""


_FAILED_URLS: dict[str, str] = {}  # one failed attempt per URL and process: no repeated timeouts


def _cached_url_path(url: str, folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".txt")


def write_cache(path: Path, text: str) -> None:
    """Write a cache file whole (a temporary file renamed over it); a read-only cache is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only cache only costs a fetch (or a rewrite) next time


def fetch_constraints(url: str, folder: Path | None = None) -> str:
    """The text at ``url``, from the cache (``folder``, default the tool's ``constraints/``) or
    fetched once and cached (written atomically)."""
    path = _cached_url_path(url, folder)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    if os.environ.get(OFFLINE_ENV):
        raise ConstraintsUnavailable(f"{OFFLINE_ENV} is set")
    if url in _FAILED_URLS:
        note_constraints_failure()
        raise ConstraintsUnavailable(_FAILED_URLS[url])
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "mwaa-migrator"})
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            data = response.read(8 * 1024 * 1024)
        text = data.decode("utf-8")
    except (urllib.error.URLError, OSError, ValueError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", None) or exc
        _FAILED_URLS[url] = f"cannot fetch {mask_uri(url)}: {reason}"
        note_constraints_failure()
        raise ConstraintsUnavailable(_FAILED_URLS[url]) from None
    write_cache(path, text)
    return text


def target_constraints(target) -> Constraints:
    """The constraints MWAA applies for ``target`` (an ``MwaaVersion``): the image's own, shipped
    in the knowledge base, with its never-overridable pins; for a version whose image files were
    never published, the Apache constraints URL (cached). Raises ``ConstraintsUnavailable``."""
    image = compat.runtime(target)
    if image is not None:
        return Constraints(image.source, {**image.constraints, **image.essential}, target.airflow, target.python)
    return parse_constraints_text(fetch_constraints(target.constraints_url), target.constraints_url)


def target_constraints_file(target, folder: Path | None = None) -> Path:
    """A constraints file pip can read for ``target``, in the constraints cache (``folder``,
    default the tool's): the shipped image data written out, or the cached download. Raises
    ``ConstraintsUnavailable``."""
    image = compat.runtime(target)
    if image is None:
        fetch_constraints(target.constraints_url, folder)
        return _cached_url_path(target.constraints_url, folder)
    text = image.constraints_text()
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = (folder or cache_dir()) / f"mwaa-{target.airflow}-py{target.python}-{digest}.txt"
    if not path.is_file():
        write_cache(path, text)
        if not path.is_file():
            raise ConstraintsUnavailable(f"cannot write {path}")
    return path


def is_target_constraints_url(url: str, target) -> bool:
    """True when ``url`` is Apache's constraints URL (its host) of exactly the target's Airflow
    and Python: the shipped image data answers for it. A mirror elsewhere is fetched."""
    try:
        same_host = urlsplit(url).hostname == urlsplit(target.constraints_url).hostname
    except ValueError:
        return False
    return same_host and constraints_url_versions(url) == (target.airflow, target.python)


@dataclass(frozen=True)
class ConstraintsChoice:
    """What the constraint checks use for one entry file, and why."""

    constraints: Constraints | None
    declared: tuple[RequirementOption, ...]  # the file's own -c lines
    skipped_reason: str | None = None  # set when the constraints pip would use could not be read
    mismatched: tuple[RequirementOption, ...] = ()  # -c URLs naming another Airflow/Python


def choose_constraints(facts: RequirementsFacts, entry: str, workspace, target,
                       settings_constraints: str | None = None) -> ConstraintsChoice:
    """Pick the constraints to check ``entry`` against for ``target`` (an MwaaVersion).

    ``--constraints FILE`` wins, then the file's own local ``-c`` target, then its ``-c`` URL
    (the target's own Apache URL is answered by the shipped image data, another URL is fetched
    once), then the target's constraints. When a URL of the file's cannot be read, the checks
    use the target's constraints and ``skipped_reason`` says so.
    """
    root: Path = workspace.root
    declared = tuple(facts.options_of(entry, "constraint"))
    mismatched = tuple(o for o in declared if constraints_url_versions(o.value or "")[0]
                       and constraints_url_versions(o.value or "") != (target.airflow, target.python))

    def chosen(constraints: Constraints | None, reason: str | None = None) -> ConstraintsChoice:
        return ConstraintsChoice(constraints, declared, reason, mismatched)

    if settings_constraints:
        path = Path(settings_constraints)
        path = path if path.is_absolute() else root / path
        source = read_text(path)
        if isinstance(source, Problem):
            return chosen(None, f"--constraints {settings_constraints}: {source.message}")
        return chosen(parse_constraints_text(source.text, str(settings_constraints)))
    for option in declared:
        value = option.value or ""
        if is_url(value):
            continue
        local = resolve_local(value, option.path, root, workspace.dag_folders, workspace.plugins_folder)
        if local:
            source = read_text(root / local)
            if not isinstance(source, Problem):
                return chosen(parse_constraints_text(source.text, local))
    reason = None
    for option in declared:
        url = option.value or ""
        if not is_url(url) or option in mismatched or is_target_constraints_url(url, target):
            continue
        try:
            return chosen(parse_constraints_text(fetch_constraints(url), url))
        except ConstraintsUnavailable as exc:
            reason = str(exc)
            break
    try:
        constraints = target_constraints(target)
    except ConstraintsUnavailable as exc:
        return chosen(None, reason or str(exc))
    return chosen(constraints, reason and f"{reason}; checked against {constraints.source} instead")


# -- facts about the target the checks compare with ---------------------------------------------


def target_marker_environments(target) -> list[dict[str, str]]:
    """PEP 508 environments of the MWAA workers for ``target`` (both CPU architectures)."""
    full = target.python_build or f"{target.python}.0"
    base = {
        "python_version": target.python, "python_full_version": full, "os_name": "posix",
        "sys_platform": "linux", "platform_system": "Linux", "platform_release": "",
        "platform_version": "", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "implementation_version": full,
    }
    return [{**base, "platform_machine": machine} for machine in ("x86_64", "aarch64")]


def marker_excludes_target(marker: str, target, extras: Iterable[str] = ()) -> bool:
    """True when the marker is false on every MWAA worker environment of ``target``."""
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return False
    environments = target_marker_environments(target)
    for environment in environments:
        for extra in [*extras, ""]:
            if parsed.evaluate({**environment, "extra": extra}):
                return False
    return True


def specifier_excludes(specifier: str, version: str) -> bool:
    try:
        return not SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def redundant_with_image(requirement: RequirementLine, installed: str | None, constrained: str | None) -> bool:
    """Whether the line asks for nothing the MWAA image does not already have: a plain PyPI
    requirement (no extras, no URL) whose specifier admits the image's version, once a pin the
    constraints exclude is moved to theirs. An unversioned line is redundant whatever the
    image's version; a versioned one only when that version is known."""
    if requirement.kind != "pypi" or requirement.extras or requirement.url:
        return False
    specifier = requirement.specifier
    if constrained and specifier and specifier_excludes(specifier, constrained):
        specifier = f"=={constrained}"
    if not specifier:
        return True
    return installed is not None and not specifier_excludes(specifier, installed)


def frozen_airflow_major(requirements: Iterable[RequirementLine]) -> int | None:
    """The major version of the Airflow whose environment the requirements froze: an
    ``apache-airflow==X`` pin (or a 1.x-only range), else None."""
    for requirement in requirements:
        if requirement.name != "apache-airflow" or not requirement.specifier:
            continue
        if requirement.pinned_version:
            try:
                return Version(requirement.pinned_version).major
            except InvalidVersion:
                return None
        if requirement.allows("1.10.15") and not any(requirement.allows(v) for v in ("2.0.0", "3.0.0")):
            return 1
    return None
