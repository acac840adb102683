"""Findings: what a rule reports, and how findings are ordered and fingerprinted."""

from __future__ import annotations

import enum
import hashlib
import heapq
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from itertools import groupby
from operator import attrgetter
from typing import Any, ClassVar, NamedTuple

from migrator.rule_ids import first_id


class Severity(enum.IntEnum):
    """How bad a finding is; the order is used by ``--fail-on``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


class FixSafety(enum.Enum):
    """Whether a rule's fix can be applied without a human reading it (ruff's levels)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


class FixScope(enum.Enum):
    """Which fixes a run applies."""

    SAFE = "safe"  # `fix`
    REQUIRED = "required"  # safe ones and the unsafe ones a file cannot load without (`migrate`)
    AWS_NATIVE = "aws-native"  # REQUIRED and the AWS-native rewrites (`migrate --aws-native`)
    ALL = "all"  # `fix --unsafe`, `migrate --unsafe`

    @classmethod
    def of(cls, unsafe: bool, required: bool = False, aws_native: bool = False) -> FixScope:
        return cls.ALL if unsafe else cls.AWS_NATIVE if aws_native else cls.REQUIRED if required else cls.SAFE

    def admits(self, safety: FixSafety, required: bool, aws_native: bool = False) -> bool:
        return safety is FixSafety.SAFE or safety is FixSafety.UNSAFE and (
            self is FixScope.ALL or self in (FixScope.REQUIRED, FixScope.AWS_NATIVE) and required
            or self is FixScope.AWS_NATIVE and aws_native)


# Fix kinds another step applies; ``migrator fix`` leaves them and says where they go.
APPLIED_ELSEWHERE = {
    "config": "applied to mwaa-config.json by `migrator package` (airflow.cfg is not rewritten)",
}


def optional(default: Any = None) -> Any:
    """A fix parameter a rule may leave out: the reports show it only when it is given."""
    return field(default=default, metadata={"optional": True})


@dataclass(frozen=True, kw_only=True)
class Fix:
    """A fix described as data: one frozen subclass per kind, its fields the kind's parameters.

    The codemod kinds are defined beside their codemod (``codemods/<kind>.py``), which the fix
    engine picks by the fix's type; ``RequirementsFix`` and ``ConfigFix`` are applied by their
    own steps. Fields hold JSON-compatible values, so findings stay picklable, cacheable and
    printable; reports show ``kind`` and the parameters (``params``).
    """

    kind: ClassVar[str]
    safety: FixSafety
    description: str
    # The file cannot load on the target without this fix (the name it replaces is gone there):
    # `migrate` applies it even when it is unsafe, and lists it for review.
    required: bool = False

    @property
    def params(self) -> dict[str, Any]:
        """``kind`` and the parameters, by name (an optional one only when given)."""
        given = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _FIX_FIELDS
                 and not (f.metadata.get("optional") and getattr(self, f.name) == f.default)}
        return dict(sorted({"kind": self.kind, **given}.items()))

    def to_json(self) -> dict[str, Any]:
        return {"safety": self.safety.value, "description": self.description, "data": self.params,
                "required": self.required}


_FIX_FIELDS = frozenset({"safety", "description", "required"})


@dataclass(frozen=True, kw_only=True)
class RequirementsFix(Fix):
    """A change of the requirements entry file: one frozen subclass per ``action``, its fields
    the action's parameters. ``migrator.requirements_fix`` rewrites the file once for all of
    them (from the scan's facts); ``fix`` checks each finding's change by its type."""

    kind: ClassVar[str] = "requirements"
    action: ClassVar[str]

    @property
    def params(self) -> dict[str, Any]:
        return dict(sorted({**super().params, "action": self.action}.items()))


@dataclass(frozen=True, kw_only=True)
class DropRequirement(RequirementsFix):
    """Remove the line of ``name`` (MWAA installs it, or nothing the project runs asks for it)."""

    action: ClassVar[str] = "drop"
    name: str


@dataclass(frozen=True, kw_only=True)
class DropAirflow(DropRequirement):
    """Remove the ``apache-airflow`` line and ``add`` the providers its extras stood for."""

    add: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PinRequirement(RequirementsFix):
    """Move the pin of ``name`` to ``version``, the one the constraints install."""

    action: ClassVar[str] = "pin"
    name: str
    version: str


@dataclass(frozen=True, kw_only=True)
class AddRequirement(RequirementsFix):
    """Add ``name`` (as ``requirement``, the line written elsewhere, when given)."""

    action: ClassVar[str] = "add"
    name: str | None
    requirement: str | None = optional()


@dataclass(frozen=True, kw_only=True)
class AddRequirementAtLeast(AddRequirement):
    """Add ``name`` at ``min_version`` or newer (None: any version; a provider the code imports,
    a package the target's constraints pin)."""

    min_version: str | None


@dataclass(frozen=True, kw_only=True)
class ReplaceRequirement(RequirementsFix):
    """Replace ``name`` by ``new`` (a backport provider by the provider, a distribution PyPI no
    longer has by its successor)."""

    action: ClassVar[str] = "replace"
    name: str
    new: str


@dataclass(frozen=True, kw_only=True)
class AddConstraint(RequirementsFix):
    """Add ``--constraint "url"``, the target's constraints."""

    action: ClassVar[str] = "add-constraint"
    url: str


@dataclass(frozen=True, kw_only=True)
class ReplaceConstraint(RequirementsFix):
    """Point the ``--constraint`` at ``old`` to ``url``, the target's constraints."""

    action: ClassVar[str] = "replace-constraint"
    old: str
    url: str


@dataclass(frozen=True, kw_only=True)
class ConfigFix(Fix):
    """An Airflow configuration change; ``migrator package`` writes ``set`` into mwaa-config.json."""

    kind: ClassVar[str] = "config"
    action: str  # set, rename, drop
    option: str
    value: str | None = optional()
    new: str | None = optional()


@dataclass(frozen=True, order=False)
class Location:
    """1-based line and column span; ``end_column`` is exclusive, as in SARIF."""

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


class Related(NamedTuple):
    """Another place of the same root cause: a use of the name the finding's import brings, the
    same requirement in another file, a second problem of one connection definition."""

    path: str
    location: Location
    note: str

    def to_json(self) -> dict[str, Any]:
        loc = self.location
        return {"path": self.path, "line": loc.line, "column": loc.column, "end_line": loc.end_line,
                "end_column": loc.end_column, "message": self.note}


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    path: str
    location: Location
    message: str
    fix: Fix | None = None
    # Text that identifies the finding independently of its line number (the source line, a
    # requirement name, a config key): keeps fingerprints stable when code above moves.
    anchor: str = ""
    fingerprint: str = field(default="", compare=False)
    # The other places of the same root cause (``migrator.root_causes``): reported under this
    # finding, counted with it, fixed with it.
    related: tuple[Related, ...] = ()

    def absorbing(self, others: Iterable[Finding], note: str | None = None) -> Finding:
        """This finding with ``others`` as related locations (and theirs with them); ``note``
        describes each, else its own rule and message. The fingerprint stays this finding's."""
        related = list(self.related)
        for other in others:
            for place in (Related(other.path, other.location, note or f"{other.rule}: {other.message}"),
                          *other.related):
                if place not in related:
                    related.append(place)
        return replace(self, related=tuple(related))  # the fingerprint is a field: kept

    @property
    def sort_key(self) -> tuple:
        loc = self.location
        # Name, severity and anchor last: ties must not fall to set order, which varies between
        # runs (and with it which of two same-anchor findings gets which fingerprint).
        return (self.path, loc.line, loc.column, self.rule, loc.end_line, loc.end_column, self.message,
                self.name, self.severity, self.anchor)

    def json_text(self) -> str:
        """``to_json()`` as compact JSON with sorted keys, written without building the dict
        (a large project's report encodes hundreds of thousands of findings)."""
        loc = self.location
        fix = _fix_json_text(self.fix) if self.fix is not None else "null"
        return (f'{{"column": {loc.column}, "end_column": {loc.end_column}, "end_line": {loc.end_line}, '
                f'"fingerprint": {_json_string(self.fingerprint)}, "fix": {fix}, "line": {loc.line}, '
                f'"message": {_json_string(self.message)}, "name": {_json_string(self.name)}, '
                f'"path": {_json_string(self.path)}, "related": {_related_json_text(self.related)}, '
                f'"rule": {_json_string(self.rule)}, "severity": {_SEVERITY_JSON[self.severity]}}}')

    def to_json(self) -> dict[str, Any]:
        loc = self.location
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.label,
            "path": self.path,
            "line": loc.line,
            "column": loc.column,
            "end_line": loc.end_line,
            "end_column": loc.end_column,
            "message": self.message,
            "fix": self.fix.to_json() if self.fix else None,
            "fingerprint": self.fingerprint,
            "related": [place.to_json() for place in self.related],
        }


_json_string = json.encoder.encode_basestring  # a quoted JSON string, non-ASCII kept
# Looked up, not derived per finding: an enum's name is a descriptor, slow at 100,000 findings.
_SEVERITY_JSON = {severity: _json_string(severity.label) for severity in Severity}
_compact_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def _related_json_text(related: tuple[Related, ...]) -> str:
    return _compact_json([place.to_json() for place in related]) if related else "[]"


def _fix_json_text(fix: Fix) -> str:
    try:
        return _shared_fix_json_text(fix)
    except TypeError:  # data holding a list: not hashable, so not cached
        return _compact_json(fix.to_json())


@lru_cache(maxsize=4096)  # a project's findings share a few hundred distinct fixes
def _shared_fix_json_text(fix: Fix) -> str:
    return _compact_json(fix.to_json())


class SharedValues:
    """One copy of each value that many findings repeat.

    Each file's results arrive from its worker as their own objects, so a message, fix, rule id,
    location or source line repeated across 20,000 files would be held 20,000 times; shared, a
    large project's findings take about half the memory. The scan cache keeps results as they
    were shared, and its pickles restore that sharing (within each part it writes).
    """

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def share(self, value: Any) -> Any:
        try:
            return self._values.setdefault(value, value)
        except TypeError:  # a fix whose data holds a list
            return value

    def compact(self, finding: Finding) -> None:
        # In place, like finalize's fingerprint: the finding is this run's own object, and the
        # values swapped in are equal to the ones they replace.
        for name in ("rule", "name", "path", "location", "message", "fix", "anchor"):
            object.__setattr__(finding, name, self.share(getattr(finding, name)))


# A finding anchored on a line longer than this (generated data, a minified blob) is anchored on
# the part of the line around it: thousands of findings on one long line would otherwise each
# copy and hash all of it.
ANCHOR_LINE_MAX = 400


def line_anchor(line: str, column: int) -> str:
    """The text of a finding's line (1-based ``column``) that anchors its fingerprint."""
    if len(line) <= ANCHOR_LINE_MAX:
        return line.strip()
    start = max(0, column - 1 - ANCHOR_LINE_MAX // 2)
    return line[start:start + ANCHOR_LINE_MAX].strip()


_SORT_KEY = attrgetter("sort_key")


def finalize(findings: Iterable[Finding], finalized: Iterable[Finding] = ()) -> list[Finding]:
    """Sort findings, drop exact duplicates and give each a stable fingerprint.

    The fingerprint hashes rule (the id it was first released under, ``migrator.rule_ids``),
    path, anchor text and the ordinal of identical (rule, path, anchor) triples, so it survives
    line moves and differs across machines only if the project itself differs. All of it is per
    path and rule, so a path's findings can be finalized where they are made: ``finalized`` are
    findings finalized already, each path's together (one scan worker's result each); they keep
    their order and fingerprints. ``findings`` of the same paths (a project rule's) are
    finalized apart and merged in order, unless a rule has findings among both: that path is
    finalized again, whole (the ordinals count all of a rule's findings of a path).
    """
    done: dict[str, list[Finding]] = {}
    for finding in finalized:
        done.setdefault(finding.path, []).append(finding)
    loose = list(findings)
    if done and loose:
        later = {(finding.path, finding.rule) for finding in loose}
        for path in {path for path, _ in later if path in done}:
            if any((path, finding.rule) in later for finding in done[path]):
                loose.extend(done.pop(path))
    unique = sorted(set(loose), key=_SORT_KEY)
    seen: Counter[tuple[str, str, str]] = Counter()
    for finding in unique:
        key = (finding.rule, finding.path, finding.anchor or finding.message)
        ordinal = seen[key]
        seen[key] += 1
        # A renamed rule hashes its first id: its findings keep their fingerprints.
        parts = (first_id(finding.rule), finding.path, key[2], str(ordinal))
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
        # Set in place rather than dataclasses.replace (which re-runs __init__ and costs seconds
        # on large projects): the findings are this run's own objects, and the fingerprint is
        # excluded from equality and hashing.
        object.__setattr__(finding, "fingerprint", digest)
    if not done:
        return unique
    for path, group in groupby(unique, key=lambda f: f.path):
        found = list(group)
        done[path] = list(heapq.merge(done[path], found, key=_SORT_KEY)) if path in done else found
    return [finding for path in sorted(done) for finding in done[path]]
