"""Requirement files as pip reads them, and the constraints they are checked against.

Parsing follows pip's requirement-file format: comments, backslash continuations, ``-r``/``-c``
includes (followed inside the project, cycles detected), index options, ``-e``, VCS/URL/local
path requirements, per-requirement ``--hash`` options; each requirement is read with
``packaging`` (canonical name, specifier, extras, marker). Every parsed item keeps the file and
line it came from.

Constraints for the checks come from ``--constraints FILE`` (settings), the file's own local
``-c`` target or URL, else the target's own: the MWAA image's constraints shipped in the
knowledge base (``compat.runtime``), so no network is needed. Other URLs are fetched once into
the tool's one constraints cache (``migrator.cache.cache_dir("constraints")``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from migrator import compat
from migrator.analysis.crashes import AnalysisCrash, contained
from migrator.analysis.envsources import EnvFacts, logical_lines
from migrator.analysis.source import Problem, decode_text, read_bytes, read_text
from migrator.cache import OFFLINE_ENV, FileFacts
from migrator.cache import cache_dir as tool_cache_dir
from migrator.secrets import mask_uri

# Paths MWAA syncs the project's folders to; a ``-c`` or ``--find-links`` there refers to a file
# shipped in the DAGs folder or plugins.zip.
MWAA_DAGS_DIR = "/usr/local/airflow/dags"
MWAA_PLUGINS_DIR = "/usr/local/airflow/plugins"
VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2")
FETCH_TIMEOUT_SECONDS = 10
# The anchor (or its tail) of the findings about what a remote ``-r https://...`` include, which
# a scan cannot read, may hold: one cause, reported once (migrator.root_causes).
REMOTE_INCLUDE_ANCHOR = "remote-include"
# The public package index and its file host: reachable whenever the environment has internet.
PUBLIC_INDEX_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
# A file named as constraints (constraints-3.12.txt, requirements-constraints.txt) only limits
# versions when another file's pip install names it with -c: its pins install nothing.
_CONSTRAINTS_FILE = re.compile(r"(^|[-_.])constraints?([-_.]|$)", re.IGNORECASE)
_DEV_FILE = re.compile(r"(^|[-_.])(dev|test|tests|testing|lint|docs?|ci|local|mypy|typing)([-_.]|$)", re.IGNORECASE)
_CONSTRAINTS_URL = re.compile(r"constraints-(?P<airflow>\d+\.\d+\.\d+)/constraints-(?P<python>\d+\.\d+)\.txt")
_COMMENT = re.compile(r"(^|(?<!\s)\s+)#.*$")  # (?<!\s): tried once per run of spaces, not per space
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
        line = _COMMENT.sub("", raw).strip()
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


# -- the project's requirement set ---------------------------------------------------------------

# PyPA's install tooling: an image build upgrades it to install the rest (`pip install -U pip
# setuptools wheel`); DAGs do not import it and MWAA's image brings its own. `pip freeze` leaves
# out exactly these for the same reason (pip docs, `pip freeze --all`).
INSTALL_TOOLS = frozenset({"pip", "setuptools", "wheel", "distribute"})

# OS packages that only build Python packages from source while an image is built: compilers,
# make, the C library's and Python's headers, pip itself, and the headers of libraries whose
# Python bindings MWAA's image already has (curl for pycurl, OpenSSL and libffi for cryptography
# and cffi, libpq for psycopg2: the image's psycopg2-binary wheels bundle libpq). Nothing runs
# them once the wheels are installed; a requirement that needs an OS library on MWAA is
# reported by its name (compat.os_library_need).
_BUILD_ONLY_OS_PACKAGE = re.compile(
    r"^(gcc|g\+\+|gcc-c\+\+|cpp|clang|make|cmake|build-essential|pkg-?config|pkgconf|autoconf|automake|libtool"
    r"|(gcc|g\+\+)-\d+|libc6?-dev|glibc-devel|python3?(\.\d+)?-(dev|devel|pip|setuptools|wheel)"
    r"|lib(curl4-openssl|curl4-gnutls|curl|ssl|ffi|pq)-(dev|devel)|openssl-devel|postgresql-devel)$", re.IGNORECASE)


def is_build_only_os_package(name: str) -> bool:
    """Whether an OS package only serves the image build: it builds Python packages (see
    ``_BUILD_ONLY_OS_PACKAGE``) or is a tool only a build runs (``compat.image_build_tools``)."""
    return bool(_BUILD_ONLY_OS_PACKAGE.match(name)) or name.lower() in compat.image_build_tools()


@dataclass
class RequirementsFacts:
    """Every requirement source of the project, parsed once."""

    files: dict[str, RequirementFile] = field(default_factory=dict)
    # Files nothing else includes that could be the project's requirements.txt, the likeliest
    # first: the bundle ships the first one (``shipped_entry``), the others stay in the repo.
    entry_files: list[str] = field(default_factory=list)
    includes: dict[str, list[str]] = field(default_factory=dict)  # file -> files it -r includes
    constraint_files: list[str] = field(default_factory=list)  # files used as -c targets
    hidden: list[RequirementLine] = field(default_factory=list)  # compose/Dockerfile/script installs
    # Dockerfile/script installs into a virtual environment of their own (for
    # ``@task.external_python(python=...)`` and the like), not Airflow's: venv folder -> its requirements.
    # A tool the bundle builds a venv for from requirements.txt (dbt) stays in ``hidden``.
    venv_installs: dict[str, list[RequirementLine]] = field(default_factory=dict)
    hidden_options: list[RequirementOption] = field(default_factory=list)
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, message)
    crashes: list[AnalysisCrash] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # file -> why it could not be read

    def closure(self, entry: str) -> list[str]:
        """``entry`` and every file it includes, in include order, each once."""
        order: list[str] = []

        def visit(path: str) -> None:
            if path in order:
                return
            order.append(path)
            for child in self.includes.get(path, []):
                visit(child)

        visit(entry)
        return order

    def requirements_of(self, entry: str) -> list[RequirementLine]:
        return [r for path in self.closure(entry) if path in self.files for r in self.files[path].requirements]

    def options_of(self, entry: str, *names: str) -> list[RequirementOption]:
        return [o for path in self.closure(entry) if path in self.files
                for o in self.files[path].options_named(*names)]

    def remote_includes(self, entry: str) -> list[RequirementOption]:
        """The ``-r https://...`` lines of ``entry`` and its includes: files pip fetches at
        install time and a scan cannot read, so what they list (requirements, a
        ``--constraint``) is unknown."""
        return [o for o in self.options_of(entry, "requirement") if is_url(o.value or "")]

    @property
    def shipped_entry(self) -> str | None:
        """The file the bundle's requirements.txt is made from (its ``-r`` includes inlined):
        the one requirements file MWAA installs. Old locks, copies, a Docker image's or a
        Lambda's requirements beside it are never installed there."""
        return self.entry_files[0] if self.entry_files else None

    @property
    def shipped_files(self) -> list[str]:
        """The shipped entry and every file it includes."""
        return self.closure(self.shipped_entry) if self.shipped_entry else []

    @property
    def shipped_requirements(self) -> list[RequirementLine]:
        """Requirements of the shipped entry and its includes (what MWAA's pip install sees)."""
        return self.requirements_of(self.shipped_entry) if self.shipped_entry else []

    def names(self) -> set[str]:
        return {r.name for r in self.shipped_requirements if r.name}


def resolve_local(reference: str, from_file: str, root: Path, dag_folders: Iterable[str] = (),
                  plugins_folder: str | None = None) -> str | None:
    """The project-relative POSIX path a ``-r``/``-c`` reference names, or None if outside/absent.

    Absolute MWAA paths (``/usr/local/airflow/dags/x``) map onto the project's DAG or plugins
    folder, which is where such a file has to live to be shipped.
    """
    reference = reference.strip().strip("'\"")
    reference = reference.removeprefix("file://")
    candidates: list[PurePosixPath] = []
    for prefix, folders in ((MWAA_DAGS_DIR, list(dag_folders)),
                            (MWAA_PLUGINS_DIR, [plugins_folder] if plugins_folder else [])):
        if reference.startswith(prefix + "/"):
            tail = reference[len(prefix) + 1:]
            candidates += [PurePosixPath(folder) / tail for folder in folders]
    if not reference.startswith("/"):
        candidates.append(PurePosixPath(from_file).parent / reference)
    for candidate in candidates:
        parts: list[str] = []
        for part in candidate.parts:
            if part == "..":
                if not parts:
                    break
                parts.pop()
            elif part != ".":
                parts.append(part)
        else:
            rel = "/".join(parts)
            full = root / rel
            if rel and full.is_file():
                try:
                    full.resolve().relative_to(root.resolve())
                except (OSError, ValueError):
                    continue
                return rel
    return None


def is_url(value: str) -> bool:
    return bool(re.match(r"^https?://", value.strip(), re.IGNORECASE))


def _file_stem(path: str) -> str:
    return re.sub(r"\.(txt|in)$", "", PurePosixPath(path).name, flags=re.IGNORECASE)


def _is_dev_file(path: str) -> bool:
    return bool(_DEV_FILE.search(_file_stem(path).removeprefix("requirements")))


def _is_constraints_file(path: str) -> bool:
    return bool(_CONSTRAINTS_FILE.search(_file_stem(path)))


def analyse_requirements(workspace, env: EnvFacts | None = None) -> RequirementsFacts:
    """Parse the workspace's requirement files (following includes) and hidden pip installs."""
    facts = RequirementsFacts()
    root = workspace.root
    dag_folders = workspace.dag_folders
    plugins = workspace.plugins_folder

    def load(rel: str) -> RequirementFile | None:
        if rel in facts.files:
            return facts.files[rel]
        source = read_text(root / rel)
        if isinstance(source, Problem):
            facts.problems.append((rel, source.line, source.message))
            facts.unreadable[rel] = source.message
            return None
        parsed = contained(facts.crashes, rel, "requirements file", parse_requirements_text, source.text, rel)
        if parsed is None:
            return None
        facts.files[rel] = parsed
        facts.problems.extend((rel, line, message) for line, message in parsed.problems)
        return parsed

    def follow(rel: str, stack: tuple[str, ...]) -> None:
        parsed = load(rel)
        if parsed is None:
            return
        children: list[str] = []
        for option in parsed.options_named("requirement", "constraint"):
            value = option.value or ""
            if is_url(value):
                continue
            target = resolve_local(value, rel, root, dag_folders, plugins)
            if target is None:
                if option.option == "requirement" or not value.startswith("/"):
                    facts.problems.append((rel, option.line, f"{option.text}: file not found in the project"))
                continue
            if option.option == "constraint":
                if target not in facts.constraint_files:
                    facts.constraint_files.append(target)
                continue
            if target in stack or target == rel:
                loop = list(stack[stack.index(target):]) if target in stack else [rel]
                cycle = " -> ".join([*loop, target])
                facts.problems.append((rel, option.line, f"include cycle: {cycle}"))
                continue
            children.append(target)
            follow(target, (*stack, target))
        facts.includes[rel] = list(dict.fromkeys([*facts.includes.get(rel, []), *children]))

    candidates = [r for r in workspace.requirement_files if not _is_constraints_file(r)]
    for rel in candidates:
        if rel not in facts.includes:
            follow(rel, (rel,))
    # A development file including the production one (``-r requirements.txt`` in
    # dev-requirements.in) does not make it any less the file MWAA gets.
    included = {child for parent, children in facts.includes.items() if not _is_dev_file(parent)
                for child in children}
    compiled = {str(PurePosixPath(r).with_suffix(".txt")) for r in candidates}
    for rel in candidates:
        if rel in included or rel in facts.constraint_files or _is_dev_file(rel):
            continue
        if rel.endswith(".in") and rel[:-3] + ".txt" in compiled and (root / (rel[:-3] + ".txt")).is_file():
            continue  # pip-tools input next to its compiled file: the .txt is what gets installed
        facts.entry_files.append(rel)
    # The file MWAA should receive comes first: a root requirements.txt, then the shallowest.
    facts.entry_files.sort(key=lambda r: (r != "requirements.txt", r.count("/"),
                                          PurePosixPath(r).name != "requirements.txt", r))

    metadata = _project_metadata_requirements(root)
    if metadata is not None:
        facts.files[PROJECT_METADATA_FILE] = metadata
    if env is not None:
        for install in env.pip_installs:
            requirements, options = requirements_from_args(install.args, install.path, install.line, install.origin)
            requirements = [r for r in requirements if r.name not in INSTALL_TOOLS]
            if install.venv is not None:
                own = [r for r in requirements if not (r.name and compat.isolated_tool_for(r.name))]
                facts.venv_installs.setdefault(install.venv, []).extend(own)
                requirements = [r for r in requirements if r not in own]
            else:
                facts.hidden_options.extend(options)
            facts.hidden.extend(requirements)
        for value, path, line in env.pip_additional:
            try:
                words = shlex.split(value)
            except ValueError:
                words = value.split()
            requirements, options = requirements_from_args(words, path, line, "compose")
            facts.hidden.extend(r for r in requirements if r.name not in INSTALL_TOOLS)
            facts.hidden_options.extend(options)
    return facts


# The project's own metadata: its PEP 621 ``[project].dependencies`` are requirements pip
# installs with the project (``pip install .``), never MWAA: another source, like an old lock.
PROJECT_METADATA_FILE = "pyproject.toml"
# A path install of the project itself: its folder, or what a build of it wrote to dist/
# (``uv build && uv pip install dist/*.whl``).
_PROJECT_BUILD = re.compile(r"^(\.|\./|(\./)?dist/[^/]*)$")


def installs_the_project(requirement: RequirementLine) -> bool:
    """Whether a path requirement installs the project itself (``.``, ``dist/*.whl``)."""
    return requirement.kind == "path" and bool(_PROJECT_BUILD.match(requirement.display()))


def _project_metadata_requirements(root: Path) -> RequirementFile | None:
    """``[project].dependencies`` of the root pyproject.toml, each at the line that writes it."""
    path = root / PROJECT_METADATA_FILE
    if not path.is_file():
        return None
    source = read_text(path)
    if isinstance(source, Problem):
        return None
    try:
        project = tomllib.loads(source.text).get("project", {})
        dependencies = project.get("dependencies", [])
    except (tomllib.TOMLDecodeError, AttributeError):
        return None  # not a readable pyproject: a packaging question, not a requirement source
    lines = source.text.splitlines()
    name = project.get("name")
    parsed = RequirementFile(PROJECT_METADATA_FILE, line_count=len(lines), project=name if isinstance(name, str) else None)
    for written in dependencies if isinstance(dependencies, list) else ():
        if not isinstance(written, str):
            continue
        number = next((n for n, text in enumerate(lines, 1) if f'"{written}"' in text or f"'{written}'" in text), 1)
        result = parse_requirement(written, PROJECT_METADATA_FILE, number)
        if not isinstance(result, str):  # one pip rejects is the build's problem, not MWAA's
            parsed.requirements.append(result)
    return parsed if parsed.requirements else None


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
        line = _COMMENT.sub("", raw).strip()
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
# How many times a constraints URL was answered with its failure, in this process: a run that
# saw the count grow has findings that depend on the network's state.
_FAILED_ANSWERS = [0]


def constraints_failures_seen() -> int:
    """The count a run reads before and after itself (``migrator.engine`` does not remember a
    run during which a constraints URL could not be fetched; an earlier run's failure in the
    same process is not this run's)."""
    return _FAILED_ANSWERS[0]


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
        _FAILED_ANSWERS[0] += 1
        raise ConstraintsUnavailable(_FAILED_URLS[url])
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "mwaa-migrator"})
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            data = response.read(8 * 1024 * 1024)
        text = data.decode("utf-8")
    except (urllib.error.URLError, OSError, ValueError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", None) or exc
        _FAILED_URLS[url] = f"cannot fetch {mask_uri(url)}: {reason}"
        _FAILED_ANSWERS[0] += 1
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


# -- providers the code needs ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderNeed:
    """A provider distribution the project's code imports from, or that a provider module it
    imports loads (``indirect``)."""

    distribution: str  # canonical name
    min_version: str | None
    preinstalled: str | None  # the version in the MWAA image, when it has one
    used_by: tuple[tuple[str, str], ...]  # (module path, imported qualname), first few
    indirect: bool = False  # only another provider's modules import it


def needed_providers(modules: Iterable, target) -> dict[str, ProviderNeed]:
    """Providers named by the resolved imports of the module summaries, for ``target``.

    Resolution goes through the knowledge base (``compat.resolve``), so an import that moved
    into a provider between the project's Airflow and the target counts for that provider.
    """
    users: dict[str, list[str]] = {}  # imported name -> modules importing it (resolved once each)
    for module in modules:
        for qualname in module.imports:
            if qualname.startswith("airflow"):
                users.setdefault(qualname, []).append(module.path)
    preinstalled = compat.preinstalled_providers(target)
    found: dict[str, dict] = {}
    for qualname, paths in sorted(users.items()):
        resolution = compat.resolve(qualname, target)
        provider = resolution.provider or (compat.provider_of_path(qualname, target)
                                           if resolution.status == "unknown" else None)
        if not provider:
            continue  # core, or a name the target removed (the API rules say what replaces it)
        # The module's own provider, and the providers it imports at load time (no minimum).
        for name, minimum, direct in ((provider, resolution.min_version, True),
                                      *((d, None, False) for d in resolution.also_needs)):
            entry = found.setdefault(canonicalize_name(name), {"min": None, "used": [], "direct": False})
            entry["direct"] = entry["direct"] or direct
            if minimum and (entry["min"] is None or Version(minimum) > Version(entry["min"])):
                entry["min"] = minimum
            for path in paths:
                if len(entry["used"]) >= 5:
                    break
                if path not in {p for p, _ in entry["used"]}:
                    entry["used"].append((path, qualname))
    return {name: ProviderNeed(name, entry["min"], preinstalled.get(name), tuple(sorted(entry["used"])),
                               indirect=not entry["direct"])
            for name, entry in sorted(found.items())}


def requirements_inventory(project, target) -> dict:
    """The requirement summary and the providers needed, for the JSON inventory."""
    facts: RequirementsFacts = project.requirements
    providers = needed_providers(project.modules, target)
    return {
        "requirements": {
            "files": facts.entry_files,
            "included": sorted({c for children in facts.includes.values() for c in children}),
            "constraint_files": facts.constraint_files,
            "constraint_lines": sorted({mask_uri(o.value or "") for e in facts.entry_files
                                        for o in facts.options_of(e, "constraint")}),
            "packages": sorted({r.name for r in facts.shipped_requirements if r.name}),
            "installed_elsewhere": sorted({f"{r.name or r.display()} ({r.path}:{r.line})" for r in facts.hidden}),
            "os_packages": sorted({p.name for p in project.env.os_packages}),
        },
        "providers": {
            "needed": {name: {"min_version": need.min_version, "preinstalled": need.preinstalled}
                       for name, need in providers.items()},
        },
    }


def providers_for_extras(extras: Iterable[str], target, constraints: Constraints | None = None) -> list[str]:
    """Provider distributions named by ``apache-airflow[extra,...]`` extras.

    Only extras that are providers count (``postgres`` is, ``crypto`` or ``password`` are
    not): a name is a provider when the target's constraints pin it or the knowledge base
    knows it for the target.
    """
    known = set(compat.target_distributions(target))
    if constraints is not None:
        known |= {name for name in constraints.pins if name.startswith("apache-airflow-providers-")}
    result = []
    for extra in extras:
        name = canonicalize_name("apache-airflow-providers-" + extra.replace(".", "-").replace("_", "-"))
        if name in known and name not in result:
            result.append(name)
    return result


@dataclass(frozen=True)
class ListedElsewhere:
    """A module the code imports that only a requirements file MWAA does not get installs."""

    module: str  # the top-level module the code imports
    requirement: RequirementLine  # the line of another requirements file that installs it
    importers: tuple[str, ...]  # project files that import it (outside try/except ImportError)


def listed_elsewhere(facts: RequirementsFacts, modules: Iterable, installed: Iterable[str],
                     local: Iterable[str], kinds: Iterable[str] = ("pypi",)) -> list[ListedElsewhere]:
    """Modules the scanned code imports unconditionally that neither the shipped requirements,
    the packages installed elsewhere (``facts.hidden``), ``installed`` (the image's distributions)
    nor the project itself (``local`` top-level names) provide, but that another requirements
    file of the project lists (``sentry_sdk`` -> ``sentry-sdk`` in requirements-composer.txt).
    A module is matched with the distributions the knowledge base says ship it, else with the
    one of its own name (``compat.module_distributions``: ``bs4`` is beautifulsoup4's, which the
    image may have), and an alias distribution counts as the one it installs. ``kinds``: the
    RequirementLine kinds of the other files' lines that count (``vcs`` and ``url`` too for a
    report; only ``pypi`` lines can be added to requirements.txt as they are); a PyPI line of a
    name wins over a Git or URL line of it."""
    installed = {canonicalize_name(name) for name in installed}
    if not installed:
        return []  # the image's packages are unknown for this target: nothing is claimed
    shipped_files = set(facts.shipped_files)
    provided = facts.names() | {r.name for r in facts.hidden if r.name} | installed
    kinds = set(kinds)
    others: dict[str, RequirementLine] = {}
    for path in sorted(set(facts.files) - shipped_files):
        for requirement in facts.files[path].requirements:
            if not requirement.name or requirement.kind not in kinds:
                continue
            known = others.get(requirement.name)
            if known is None or (known.kind != "pypi" and requirement.kind == "pypi"):
                others[requirement.name] = requirement
    importers: dict[str, set[str]] = {}
    for module in modules:
        optional = set(module.optional_imports)
        for qualname in module.imports:
            if qualname not in optional:
                importers.setdefault(qualname.split(".", 1)[0], set()).add(module.path)
    local_names = set(local)
    found = []
    for top, paths in sorted(importers.items()):
        if top in sys.stdlib_module_names or top in local_names or top == "airflow" \
                or compat.module_provided(top, provided):
            continue
        requirement = next((r for name, r in others.items() if compat.module_provided(top, (name,))), None)
        if requirement is not None:
            found.append(ListedElsewhere(top, requirement, tuple(sorted(paths))))
    return found


@dataclass(frozen=True)
class SplitModuleNeed:
    """A module the code imports that its distribution split out (``compat.split_modules``)
    before the target's version of it, and that the shipped requirements do not install."""

    module: str  # lxml.html.clean
    distribution: str  # what installs it now: lxml-html-clean
    parent: str  # lxml, at parent_version on the target
    parent_version: str
    importers: tuple[str, ...]  # project files importing it (outside try/except ImportError)
    requirement: str  # the line to add: lxml-html-clean==0.4.7, a release that fits the parent


def split_module_needs(facts: RequirementsFacts, modules: Iterable, target) -> list[SplitModuleNeed]:
    """Imports of split-out modules that fail on ``target``: its image has the parent at or
    after the split, and the shipped requirements list neither the new distribution nor the
    parent with the extra that pulls it in (``lxml[html-clean]``)."""
    image = compat.image_packages(target)
    shipped = facts.shipped_requirements
    needs = []
    for split in compat.split_modules():
        parent, distribution = canonicalize_name(split.parent), canonicalize_name(split.distribution)
        version = image.get(parent)
        if version is None or Version(version) < Version(split.split_in):
            continue
        if any(r.name == distribution or (r.name == parent and canonicalize_name(split.extra)
                                          in {canonicalize_name(e) for e in r.extras}) for r in shipped):
            continue
        importers = sorted({module.path for module in modules for qualname in module.imports
                            if (qualname == split.module or qualname.startswith(split.module + "."))
                            and qualname not in module.optional_imports})
        if importers:
            needs.append(SplitModuleNeed(split.module, distribution, parent, version, tuple(importers),
                                         split.requirement_for(version)))
    return needs


def quick_isolated_executables(workspace, file_facts: FileFacts | None = None) -> frozenset[str]:
    """Executables of the tools whose packages the project's requirements files list and the
    bundle installs into a venv of their own (``compat.isolated_tools``): a cheap pre-pass for
    the index every worker receives (every requirements file is read, not only the shipped one).
    ``file_facts``: each file's answer from earlier runs, by content (kept beside the scan cache)."""
    file_facts = file_facts or FileFacts()
    executables: set[str] = set()
    for rel in workspace.requirement_files:
        data = read_bytes(workspace.path(rel))
        if isinstance(data, bytes):
            executables |= file_facts.of("isolated_executables", rel, data, partial(_isolated_executables, rel))
    return frozenset(executables)


def _isolated_executables(rel: str, data: bytes) -> frozenset[str]:
    source = decode_text(data)
    crashes: list[AnalysisCrash] = []  # reported once, by the full analysis (MIG006)
    parsed = None if isinstance(source, Problem) else contained(
        crashes, rel, "requirements file", parse_requirements_text, source.text, rel)
    executables: set[str] = set()
    for requirement in parsed.requirements if parsed is not None else ():
        tool = compat.isolated_tool_for(requirement.name) if requirement.name else None
        if tool is not None:
            executables.add(tool.executable)
    return frozenset(executables)
