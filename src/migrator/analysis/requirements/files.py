"""Requirement files as pip reads them: comments, backslash continuations, ``-r``/``-c``
includes, index options, ``-e``, VCS/URL/local path requirements, per-requirement ``--hash``
options; each requirement is read with ``packaging`` (canonical name, specifier, extras, marker).
Every parsed item keeps the file and line it came from. ``analysis.requirements`` follows the
includes across the project."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from migrator.analysis.envsources import logical_lines
from migrator.secrets import mask_uri

VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2")
# The public package index and its file host: reachable whenever the environment has internet.
PUBLIC_INDEX_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
# A comment ending a line: a ``#`` at the start or after whitespace (``pkg#egg`` is no comment).
TRAILING_COMMENT = re.compile(r"(^|(?<!\s)\s+)#.*$")  # (?<!\s): tried once per run of spaces, not per space
_HASH_OPTION = re.compile(r"\s--hash[= ](\S+)")
_PER_REQUIREMENT_OPTION = re.compile(r"\s(--(?:global-option|install-option|config-settings|config-setting)[= ]\S+)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9_.\-]+)")
# Where a name ends and its specifier, marker or extras begin ((?<!\s): one try per run of spaces).
_SPECIFIER_START = re.compile(r"(?<!\s)\s*[<>=!~;@\[]")
_WHEEL_NAME = re.compile(r"^([A-Za-z0-9_.]+?)-\d")
_OPTION_ALIASES = {
    "-r": "requirement", "--requirement": "requirement",
    "-c": "constraint", "--constraint": "constraint",
    "-i": "index-url", "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links", "--find-links": "find-links",
    "--no-index": "no-index",
    "-e": "editable", "--editable": "editable",
    "--trusted-host": "trusted-host",
    "--pre": "pre", "--prefer-binary": "prefer-binary", "--require-hashes": "require-hashes",
    "--only-binary": "only-binary", "--no-binary": "no-binary", "--use-feature": "use-feature",
}
_VALUELESS_OPTIONS = frozenset({"no-index", "pre", "prefer-binary", "require-hashes"})


# -- parsed items -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementLine:
    """One requirement: ``kind`` is pypi (a name and specifier), vcs, url or path."""

    path: str
    line: int
    text: str  # the logical line without comments and hashes
    kind: str
    name: str | None  # canonical name (None for a nameless URL or path)
    written_name: str | None = None
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    editable: bool = False
    hashes: tuple[str, ...] = ()
    origin: str = "file"  # file | compose | dockerfile | script

    @property
    def specifier_set(self) -> SpecifierSet:
        return SpecifierSet(self.specifier)

    @property
    def pinned_version(self) -> str | None:
        """The version of an exact ``==X`` / ``===X`` pin (None for ranges or wildcards)."""
        specs = list(self.specifier_set)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith("*"):
            return specs[0].version
        return None

    @property
    def has_upper_bound(self) -> bool:
        return any(s.operator in ("==", "===", "<", "<=", "~=") for s in self.specifier_set)

    def allows(self, version: str) -> bool:
        """Whether the requirement's specifier admits ``version`` (pre-releases included)."""
        try:
            return self.specifier_set.contains(Version(version), prereleases=True)
        except InvalidVersion:
            return True

    def display(self) -> str:
        """The requirement as written, with credentials in its URL masked."""
        return mask_uri(self.text)


@dataclass(frozen=True)
class RequirementOption:
    """A pip option line: ``-r``, ``-c``, ``--index-url``, ``--find-links``, ``--no-index``, ..."""

    path: str
    line: int
    option: str  # canonical long name without dashes, e.g. "constraint", "index-url"
    value: str | None
    text: str


@dataclass
class RequirementFile:
    path: str
    requirements: list[RequirementLine] = field(default_factory=list)
    options: list[RequirementOption] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    line_count: int = 0
    has_commented_constraint: bool = False  # "# -c ...": MWAA's check accepts it on purpose
    # pip-compile's "# via" annotations: requirement line -> what asked for it ("-r x.in", a name)
    via: dict[int, tuple[str, ...]] = field(default_factory=dict)
    project: str | None = None  # of the project's own metadata (pyproject.toml): its [project].name

    @property
    def is_lock(self) -> bool:
        """A pip-compile output: its requirements say what pulled each of them in."""
        return bool(self.via)

    def is_transitive(self, requirement: RequirementLine) -> bool:
        """In a lock, pinned only because other packages need it: neither a ``-r`` file nor the
        project's own metadata (``my-project (pyproject.toml)``) asked for it."""
        sources = self.via.get(requirement.line)
        return bool(sources) and not any(_is_direct_source(s) for s in sources)

    def options_named(self, *names: str) -> list[RequirementOption]:
        return [o for o in self.options if o.option in names]


# -- parsing one file ------------------------------------------------------------------------


def _split_option(text: str) -> tuple[str, str | None] | None:
    """(flag, value) when the logical line is a pip option line."""
    if not text.startswith("-"):
        return None
    parts = text.split(None, 1)
    flag, rest = parts[0], (parts[1].strip() if len(parts) > 1 else None)
    if flag.startswith("--") and "=" in flag:
        flag, inline = flag.split("=", 1)
        value = " ".join(p for p in (inline, rest) if p).strip()
        return flag, value or None
    if flag in _OPTION_ALIASES:
        return flag, rest
    for short in ("-r", "-c", "-i", "-f", "-e"):  # "-rfile.txt"
        if flag.startswith(short) and not flag.startswith("--"):
            return short, text[2:].strip()
    return flag, rest


def _is_path_like(text: str) -> bool:
    if text.startswith((".", "/", "~", "file:")):
        return True
    head = _SPECIFIER_START.split(text, maxsplit=1)[0]
    return "/" in head or "\\" in head or head.endswith(ARCHIVE_SUFFIXES)


def _name_from_url(url: str) -> str | None:
    egg = _EGG.search(url)
    if egg:
        return egg.group(1)
    tail = PurePosixPath(url.split("#", 1)[0].split("?", 1)[0]).name
    match = _WHEEL_NAME.match(tail)
    return match.group(1) if match and tail.endswith(ARCHIVE_SUFFIXES) else None


def parse_requirement(text: str, path: str, line: int, *, editable: bool = False,
                      origin: str = "file") -> RequirementLine | str:
    """Read one requirement; returns the reason as a string when pip would reject it."""
    hashes = tuple(h for h in _HASH_OPTION.findall(" " + text))
    body = _HASH_OPTION.sub("", " " + text)
    body = _PER_REQUIREMENT_OPTION.sub("", body).strip()
    if not body:
        return "empty requirement"
    if body.startswith(VCS_PREFIXES):
        name = _name_from_url(body)
        return RequirementLine(path, line, body, "vcs", canonicalize_name(name) if name else None, name,
                               url=body, editable=editable, hashes=hashes, origin=origin)
    if re.match(r"^[a-z][a-z0-9+.\-]*://", body, re.IGNORECASE) and " @ " not in body:
        name = _name_from_url(body)
        kind = "path" if body.startswith("file:") else "url"
        return RequirementLine(path, line, body, kind, canonicalize_name(name) if name else None, name,
                               url=body, editable=editable, hashes=hashes, origin=origin)
    if editable or _is_path_like(body):
        name = _name_from_url(body)
        return RequirementLine(path, line, body, "path", canonicalize_name(name) if name else None, name,
                               url=body, editable=editable, hashes=hashes, origin=origin)
    try:
        requirement = Requirement(body)
    except InvalidRequirement as exc:
        return f"not a valid requirement ({str(exc).splitlines()[0]})"
    kind = "pypi"
    if requirement.url:
        url = requirement.url
        kind = "vcs" if url.startswith(VCS_PREFIXES) else "path" if url.startswith("file:") else "url"
    return RequirementLine(
        path, line, body, kind, canonicalize_name(requirement.name), requirement.name,
        specifier=str(requirement.specifier), extras=tuple(sorted(requirement.extras)),
        marker=str(requirement.marker) if requirement.marker else None, url=requirement.url,
        editable=editable, hashes=hashes, origin=origin,
    )


def _unquoted(value: str | None) -> str | None:
    """An option's value as pip reads it: pip splits option lines with ``shlex``, so
    ``--constraint "https://..."`` names the URL, not a quoted path."""
    if not value:
        return value
    try:
        return " ".join(shlex.split(value)) or None
    except ValueError:
        return value


_VIA = re.compile(r"#\s*via\b:?(?P<rest>.*)$")
# pip-compile and uv name the project itself, when it compiled the project's metadata, as
# "<name> (pyproject.toml)" (or setup.py, setup.cfg): its dependencies are direct requirements.
_PROJECT_METADATA_SOURCE = re.compile(r"\((?:pyproject\.toml|setup\.py|setup\.cfg)\)$")


def _is_direct_source(source: str) -> bool:
    """A ``# via`` source that is the project asking (a requirements input or its metadata)."""
    return source.startswith(("-r", "--requirement")) or bool(_PROJECT_METADATA_SOURCE.search(source))


_VIA_CONTINUATION = re.compile(r"^\s*#\s{2,}(?P<source>\S.*?)\s*$")


def via_annotations(text: str) -> dict[int, tuple[str, ...]]:
    """pip-compile's ``# via`` notes: requirement line -> its sources, inline
    (``x==1  # via a, b``) or on the comment lines below it (``    # via`` + ``    #   a``)."""
    annotations: dict[int, list[str]] = {}
    owner: int | None = None  # the requirement line the comments below belong to
    collecting = False
    continued = False  # the line above ended in "\": this one (a --hash option) is part of it
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped and not stripped.startswith("#"):
            if not continued:
                owner = None if stripped.startswith("-") and not stripped.startswith("-e") else number
            collecting, continued = False, stripped.endswith("\\")
            match = _VIA.search(raw)
            if match and owner is not None:
                annotations[owner] = [s.strip() for s in match["rest"].split(",") if s.strip()]
            continue
        if not stripped:  # a blank line ends the notes of the line above
            owner, collecting = None, False
            continue
        if owner is None:
            continue
        match = _VIA.match(stripped)
        if match:
            collecting = True
            annotations[owner] = [s.strip() for s in match["rest"].split(",") if s.strip()]
        elif collecting and (more := _VIA_CONTINUATION.match(raw)):
            annotations[owner].append(more["source"])
        else:
            collecting = False
    return {line: tuple(sources) for line, sources in annotations.items() if sources}


def parse_requirements_text(text: str, path: str) -> RequirementFile:
    """Parse one requirements file's text (no includes followed)."""
    parsed = RequirementFile(path)
    parsed.line_count = len(text.splitlines())
    parsed.via = via_annotations(text)
    for number, raw in logical_lines(text):
        if re.match(r"^\s*#\s*(-c|--constraint)[\s=]", raw):
            parsed.has_commented_constraint = True
        line = TRAILING_COMMENT.sub("", raw).strip()
        if not line:
            continue
        option = _split_option(line)
        if option is None:
            result = parse_requirement(line, path, number)
            if isinstance(result, str):
                parsed.problems.append((number, result))
            else:
                parsed.requirements.append(result)
            continue
        flag, value = option
        value = _unquoted(value)
        name = _OPTION_ALIASES.get(flag)
        if name is None:
            parsed.problems.append((number, f"unknown pip option {flag}"))
            continue
        if name == "editable":
            if not value:
                parsed.problems.append((number, "-e needs a path or URL"))
                continue
            result = parse_requirement(value, path, number, editable=True)
            if isinstance(result, str):
                parsed.problems.append((number, result))
            else:
                parsed.requirements.append(result)
            continue
        if name not in _VALUELESS_OPTIONS and not value:
            parsed.problems.append((number, f"{flag} needs a value"))
            continue
        parsed.options.append(RequirementOption(path, number, name, value, line))
    return parsed


def requirements_from_args(args: Iterable[str], path: str, line: int, origin: str
                           ) -> tuple[list[RequirementLine], list[RequirementOption]]:
    """Requirements and options of a ``pip install`` command line (Dockerfile, script, compose)."""
    requirements: list[RequirementLine] = []
    options: list[RequirementOption] = []
    words = list(args)
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-"):
            flag, _, inline = word.partition("=")
            name = _OPTION_ALIASES.get(flag)
            takes_value = name is not None and name not in _VALUELESS_OPTIONS
            value = inline or (words[index + 1] if takes_value and not inline and index + 1 < len(words) else None)
            if takes_value and not inline:
                index += 1
            if name == "editable" and value:
                result = parse_requirement(value, path, line, editable=True, origin=origin)
                if not isinstance(result, str):
                    requirements.append(result)
            elif name:
                options.append(RequirementOption(path, line, name, value, f"{flag} {value or ''}".strip()))
            index += 1
            continue
        if word not in (".",) and not word.startswith("$"):
            result = parse_requirement(word, path, line, origin=origin)
            if not isinstance(result, str):
                requirements.append(result)
        index += 1
    return requirements, options
