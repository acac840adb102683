"""One finding per root cause: the pass that runs after every rule, over all of a scan's findings.

Rules report what they see where they see it, so one cause can surface several times: an import
of a name the target removed and every use of that name, one connection line with a plain-text
password that also points at localhost, the same pin in every lock file. Each entry of
:data:`ROOT_CAUSES` says which rules' findings share a cause and how to tell that they do (a key
computed from the finding); of each group, the finding of the first rule listed in ``primary``
carries the message and the others become its related locations; it takes the group's worst
severity (a lock line to drop whose pin also breaks the install is an error to fix, whatever
the rule that says why).

The absorbed findings are not lost: :class:`Merged` keeps them, so ``migrator fix`` still applies
their fixes (fixing the uses of a removed name is what fixes its import).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.compat.mwaa import MwaaVersion
from migrator.findings import Finding

Key = Callable[[Finding, MwaaVersion], Hashable | None]  # None: the finding is in no group


@dataclass(frozen=True)
class RootCause:
    """Findings of ``keys``' rules with equal keys share one cause. A group with a finding of a
    ``primary`` rule (the earlier listed, the more it says) keeps that one; the group's findings
    of ``absorbed`` rules become its related locations, each described by ``note`` (default: the
    finding's own message)."""

    name: str
    keys: dict[str, Key]
    primary: tuple[str, ...]
    absorbed: frozenset[str]
    note: str | None = None


@dataclass
class Merged:
    findings: list[Finding]  # what is reported and counted
    absorbed: list[Finding]  # folded into one of ``findings`` as related locations


# -- keys -------------------------------------------------------------------------------------------


def _line(finding: Finding, target: MwaaVersion) -> Hashable:
    return finding.path, finding.location.line


def _file(finding: Finding, target: MwaaVersion) -> Hashable:
    return finding.path


def _fix_field(finding: Finding, name: str) -> object:
    """A parameter of the finding's fix (None without one): the field itself, as ``params``
    would give it, without building every parameter of thousands of fixes."""
    return getattr(finding.fix, name, None)


def _requirement(finding: Finding, target: MwaaVersion) -> Hashable | None:
    name = _fix_field(finding, "name")
    return (finding.rule, canonicalize_name(name)) if isinstance(name, str) else None


def _imported_name(finding: Finding) -> str | None:
    """The Airflow name a finding's fix rewrites the import of (API001's data)."""
    old = _fix_field(finding, "old")
    return old if isinstance(old, str) else None


def _class_imported(finding: Finding, target: MwaaVersion) -> Hashable | None:
    # API001's fix moves the import of ``old``; API007's replaces the class ``old`` where it is
    # constructed: the same qualified name in one file is one root cause.
    name = _imported_name(finding)
    return (finding.path, name) if name else None


def _provider_of_import(finding: Finding, target: MwaaVersion) -> Hashable | None:
    name = _imported_name(finding)
    provider = compat.provider_for(name, target) if name else None
    return canonicalize_name(provider[0]) if provider else None


def _provider_added(finding: Finding, target: MwaaVersion) -> Hashable | None:
    # REQ007's anchor starts with the provider's name, also when it has no fix to add it (a
    # remote include may list it).
    name = finding.anchor.partition("\x1f")[0]
    return canonicalize_name(name) if name else None


def _missing_package(finding: Finding, target: MwaaVersion) -> Hashable | None:
    # REQ024's anchor starts with the top-level module; a load error of a real Airflow
    # (MIG101) names it in "No module named 'x.y'".
    if finding.rule == "REQ024":
        return finding.anchor.partition("\x1f")[0]
    match = _NO_MODULE.search(finding.message)
    return match[1] if match else None


_NO_MODULE = re.compile(r"No module named '([^'.]+)")


# The anchor (or its tail) of the findings about what a remote ``-r https://...`` include, which
# a scan cannot read, may hold (REQ003, REQ007): one cause, reported once.
REMOTE_INCLUDE_ANCHOR = "remote-include"


def _remote_include(finding: Finding, target: MwaaVersion) -> Hashable | None:
    # What a remote -r include (unread) may hold: its constraint (REQ003), the providers the code
    # imports (REQ007); one finding at the include line says it cannot be checked.
    tail = finding.anchor.rpartition("\x1f")[2]
    return (finding.path, finding.location.line) if tail == REMOTE_INCLUDE_ANCHOR else None


# Rules that each report the uses of one Airflow name: on a target without the name, API002
# reports its import, and the uses are where the same missing name is met again.
USES_OF_NAME = {"API005": "SubDagOperator", "API006": "days_ago", "API008": "apply_defaults"}
_NAME_WORD = {name: re.compile(rf"\b{name}\b") for name in USES_OF_NAME.values()}


def _use_of_name(finding: Finding, target: MwaaVersion) -> Hashable:
    return finding.path, USES_OF_NAME[finding.rule]


def _import_of_used_name(finding: Finding, target: MwaaVersion) -> Hashable | None:
    # The anchor of a Python finding starts with its source line (``Rule.at_node``): the import
    # statement, or the line of an inline ``airflow.utils.dates.days_ago(...)``.
    line = finding.anchor.partition("\x1f")[0]
    name = next((name for name, word in _NAME_WORD.items() if word.search(line)), None)
    return (finding.path, name) if name else None


# MWA001 reports tasks that hit MWAA's "docker" platform limit: no Docker daemon on a worker.
DOCKER_LIMIT = "docker"


def _docker_task(finding: Finding, target: MwaaVersion) -> Hashable:
    return finding.path


def _docker_import(finding: Finding, target: MwaaVersion) -> Hashable | None:
    name = _imported_name(finding)
    limit = compat.platform_limit_for(name, target) if name else None
    return finding.path if limit is not None and limit.id == DOCKER_LIMIT else None


def _docker_anywhere(finding: Finding, target: MwaaVersion) -> Hashable:
    return DOCKER_LIMIT


def _docker_provider(finding: Finding, target: MwaaVersion) -> Hashable | None:
    return DOCKER_LIMIT if _provider_added(finding, target) in _docker_providers(target) else None


@lru_cache(maxsize=8)
def _docker_providers(target: MwaaVersion) -> frozenset[str]:
    return frozenset(canonicalize_name(found[0]) for found in (compat.provider_for(n, target)
                                                               for n in _docker_limit().names) if found)


def _docker_client(finding: Finding, target: MwaaVersion) -> Hashable | None:
    # REQ021's fix names the distribution to add; the Docker SDK only serves Docker tasks.
    name = _fix_field(finding, "name")
    return DOCKER_LIMIT if isinstance(name, str) and canonicalize_name(name) in _docker_limit().distributions else None


def _docker_limit() -> compat.PlatformLimit:
    return next(limit for limit in compat.platform_limits() if limit.id == DOCKER_LIMIT)


_CONNECTION_RULES = ("CON008", "CON007", "CON005", "CON006", "CON003")

# In order: a finding absorbed by an earlier entry takes no part in a later one.
ROOT_CAUSES: tuple[RootCause, ...] = (
    # Docker cannot run on MWAA at all, so the advice to import it from its provider is moot.
    RootCause("docker-import", {"MWA001": _docker_task, "API001": _docker_import}, ("MWA001",),
              frozenset({"API001"}), "imports the Docker provider, which cannot run on MWAA"),
    RootCause("docker-provider", {"MWA001": _docker_anywhere, "REQ007": _docker_provider}, ("MWA001",),
              frozenset({"REQ007"}), "the Docker provider is not worth adding: Docker cannot run on MWAA"),
    # The Docker SDK a DAG imports for its Docker tasks (docker.types.Mount): adding it to
    # requirements.txt does not make them run; moving them off Docker (MWA001) does.
    RootCause("docker-client", {"MWA001": _docker_anywhere, "REQ021": _docker_client}, ("MWA001",),
              frozenset({"REQ021"}), "the Docker SDK is not worth adding: the Docker tasks cannot run on MWAA"),
    # Fixing the uses (the rules' fixes, kept) is what fixes the import.
    RootCause("removed-name", {"API002": _import_of_used_name, **dict.fromkeys(USES_OF_NAME, _use_of_name)},
              ("API002",), frozenset({"API002", *USES_OF_NAME}), "the same removed name, used here"),
    # A renamed class fails the file at its import; its constructions are where it is met again.
    RootCause("renamed-class", {"API001": _class_imported, "API007": _class_imported}, ("API001",),
              frozenset({"API007"}), "the same renamed class, constructed here"),
    # The import's finding says which provider to add; requirements.txt is where it goes.
    RootCause("missing-provider", {"API001": _provider_of_import, "REQ007": _provider_added}, ("API001",),
              frozenset({"REQ007"})),
    # A module nothing installs, seen by the scan and again when a real Airflow loads the file.
    RootCause("missing-package", {"REQ024": _missing_package, "MIG101": _missing_package}, ("REQ024",),
              frozenset({"MIG101"})),
    RootCause("remote-include", {"REQ003": _remote_include, "REQ007": _remote_include}, ("REQ003",),
              frozenset({"REQ007"})),
    RootCause("connection-definition", dict.fromkeys(_CONNECTION_RULES, _line), _CONNECTION_RULES,
              frozenset(_CONNECTION_RULES)),
    # An option with a credential in clear text that also does nothing on MWAA: the credential is
    # what to act on (remove, rotate); that the option is moot is said beside it.
    RootCause("config-secret", {"CFG006": _line, "CFG005": _line}, ("CFG006",), frozenset({"CFG005"})),
    # A credential in an option MWAA sets itself: MWAA never receives the value, so dropping the
    # option (CFG001, which also says to rotate the credential) is the action, not Secrets Manager.
    RootCause("forced-secret", {"CFG001": _line, "CFG006": _line}, ("CFG001",), frozenset({"CFG006"}),
              "CFG006: the same value, a credential in clear text"),
    # A lock's transitive pin is the cause; that its version conflicts with the constraints or is
    # already installed are consequences, gone with the line.
    RootCause("transitive-pin", dict.fromkeys(("REQ020", "REQ004", "REQ008"), _line), ("REQ020",),
              frozenset({"REQ004", "REQ008"})),
    RootCause("install-line", {"REQ016": _line}, ("REQ016",), frozenset({"REQ016"})),
    # One file importing through the DAG folder's own name does it in every such import: one
    # cause (the folder is no package on MWAA), one finding; each import keeps its fix.
    RootCause("dag-folder-as-package", {"MWA014": _file}, ("MWA014",), frozenset({"MWA014"}),
              "another import through the DAG folder's name"),
    RootCause("requirement-in-several-files", {"REQ001": _requirement, "REQ002": _requirement},
              ("REQ001", "REQ002"), frozenset({"REQ001", "REQ002"}), "the same requirement, in another file"),
)


def merge_root_causes(findings: Iterable[Finding], target: MwaaVersion, *,
                      preferred_paths: Collection[str] = (),
                      causes: Iterable[RootCause] = ROOT_CAUSES) -> Merged:
    """Fold each group of findings with one cause into one finding (order and fingerprints of
    the kept findings unchanged). Of equal candidates, one in ``preferred_paths`` (the
    requirements file MWAA receives) carries the message."""
    kept = list(findings)  # a merged head replaces its finding in place; the absorbed are left out at the end
    absorbed: list[Finding] = []
    gone: set[int] = set()
    by_rule: dict[str, list[int]] = {}  # positions in ``kept`` (merging keeps each finding's rule)
    for index, finding in enumerate(kept):
        by_rule.setdefault(finding.rule, []).append(index)
    for cause in causes:
        groups: dict[Hashable, list[int]] = {}
        for index in sorted(index for rule in cause.keys for index in by_rule.get(rule, ()) if index not in gone):
            key = cause.keys[kept[index].rule](kept[index], target)
            if key is not None:
                groups.setdefault(key, []).append(index)
        merged: set[int] = set()
        for members in groups.values():
            heads = [i for i in members if kept[i].rule in cause.primary]
            if not heads or len(members) < 2:
                continue
            head = min(heads, key=lambda i: (-kept[i].severity, cause.primary.index(kept[i].rule),
                                             kept[i].path not in preferred_paths, i))
            others = [i for i in members if i != head and kept[i].rule in cause.absorbed]
            if others:
                worst = max(kept[i].severity for i in (head, *others))
                kept[head] = replace(kept[head].absorbing((kept[i] for i in others), cause.note), severity=worst)
                merged.update(others)
        absorbed += (kept[i] for i in sorted(merged))
        gone |= merged
    return Merged([finding for index, finding in enumerate(kept) if index not in gone], absorbed)
