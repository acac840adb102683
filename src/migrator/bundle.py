"""The S3 bundle MWAA reads, built from a project: what ``migrator package`` writes.

Layout of the output folder::

    dags/              the DAG folder(s), merged; helpers, SQL, templates and scripts the DAGs use;
                       a generated .airflowignore keeps non-DAG modules out of the DAG processor
    plugins.zip        the plugins folder with its modules at the zip root (MWAA extracts it to
                       /usr/local/airflow/plugins); with --private-network also the wheels and the
                       constraints file the requirements install from
    requirements.txt   the requirements fixed for the target
    startup.sh         only when OS packages or environment variables are needed
    mwaa-config.json   AirflowConfigurationOptions (+ the secrets backend when connections move)
    manifest.json      target, tool version, sha256 and size of every file, and what was left out

Everything is deterministic: the same project gives the same bytes (zip entries sorted, fixed
timestamps and modes; JSON sorted). The output folder is assembled beside its final place and
swapped in at the end, so an interrupted build never leaves a half-written bundle.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pathspec
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from migrator import __version__
from migrator.airflowignore import (
    IGNORE_FILE,
    AirflowIgnore,
    IgnoreRule,
    IgnoreWarning,
    Syntax,
    effective_syntax,
    load_rules,
    render_ignore_file,
)
from migrator.analysis.credential_files import describe, detect_file
from migrator.analysis.layout import OutsidePackage, carried_packages
from migrator.analysis.os_packages import needed_os_packages
from migrator.analysis.python import ModuleFacts
from migrator.compat import (
    always_installed,
    config_policy,
    environment_classes,
    essential_pin_names,
    get_environment_class,
    image_packages,
    preinstalled_providers,
    upload_limit,
)
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.dag_count import DagCount, dags_text, project_dag_count
from migrator.errors import BrokenRequirementsError, InputError
from migrator.findings import Finding, Severity
from migrator.requirements_fix import (
    IsolatedInstall,
    apply_install_repairs,
    install_blockers,
    isolate_tools,
)
from migrator.safe_write import TEMP_SUFFIX, staging_folder, write_files
from migrator.secrets import is_sensitive_name, mask, mask_uri
from migrator.workspace import LEFTOVER_REASON, printable_path, unusable_name_reason

if TYPE_CHECKING:
    from migrator.airflow_env import RequirementRepair
    from migrator.analysis.requirements import Constraints
    from migrator.engine import ScanResult
    from migrator.project import ModuleSummary, ProjectFacts
    from migrator.workspace import Workspace

MANIFEST = "manifest.json"
PLUGINS_ZIP = "plugins.zip"
REQUIREMENTS = "requirements.txt"
STARTUP = "startup.sh"
MWAA_CONFIG = "mwaa-config.json"
DAGS = "dags"
# Where MWAA puts things on its containers (UG configuring-dag-folder, configuring-dag-import-plugins).
MWAA_PLUGINS_DIR = "/usr/local/airflow/plugins"
# The platform MWAA's images run on: Amazon Linux 2023, x86_64, CPython (IMG Dockerfile.base).
WHEEL_PLATFORM = "manylinux2014_x86_64"
# MWAA's guidance for what a container unpacks or installs while it starts (migrator.compat:
# recommended size and start-up time limit), for plugins.zip and for the requirements' wheels.
PLUGINS_LIMIT = upload_limit(PLUGINS_ZIP)
REQUIREMENTS_LIMIT = upload_limit(REQUIREMENTS)
# One threshold for both checks: MWAA recommends the same 1 GB for each (tests lower it).
RECOMMENDED_MAX_BYTES = min(PLUGINS_LIMIT.recommended_max_bytes,
                            REQUIREMENTS_LIMIT.recommended_max_bytes)
# The UG advises keeping the DAG count under about half of a class's capacity, or the scheduler
# overloads (UG t-apache-airflow-2).
DAG_CAPACITY_COMFORT = 0.5
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Already-compressed members gain nothing from deflate; storing them keeps builds fast.
_STORED_SUFFIXES = (".whl", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".jar", ".png", ".jpg")

# -- what never goes into a bundle -----------------------------------------------------------------

_VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
_CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                         ".ipynb_checkpoints", ".migrator-cache", ".tox", ".nox", ".hypothesis"})
_TOOL_DIRS = frozenset({".venv", "venv", "node_modules", ".idea", ".vscode", "site-packages"})
_CREDENTIAL_DIRS = frozenset({".aws", ".ssh", ".gnupg", ".docker", ".kube", ".azure", ".gcloud"})
_TEST_DIRS = frozenset({"tests", "test"})
_KEY_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".der", ".p8",
                 ".kdbx", ".gpg", ".asc")
_KEY_NAMES = re.compile(r"^(id_(rsa|dsa|ecdsa|ed25519)|.*\.key\.json)$")
_CREDENTIAL_NAMES = re.compile(
    r"^(credentials(\.json|\.ya?ml|\.ini|\.csv)?|\.netrc|_netrc|\.pgpass|\.git-credentials|"
    r"\.npmrc|\.pypirc|\.boto|client_secrets?[\w.-]*\.json|service[-_]?account[\w.-]*\.json|"
    r"(?=[\w.-]*?-sa-key)[\w.-]*\.json|htpasswd|\.htpasswd|secrets?\.(json|ya?ml|toml|ini|env))$",
    re.IGNORECASE)
_CLUTTER = re.compile(r"^(\.DS_Store|Thumbs\.db|desktop\.ini|\.gitignore|\.gitattributes|"
                      r"\.gitkeep|\.gitmodules|\.dockerignore|\.coverage|.*~|.*\.sw[po]|"
                      r".*\.orig|.*\.rej)$")
# A word, with the "/" after it when there is one: one pass finds the words and the folder
# names written before a "/" (``([\w.\-]+)/`` on its own retries every word from each letter).
_WORD_AND_SLASH = re.compile(r"[\w.\-]+/?")
_QUOTED = re.compile(r"""["']([\w.\-]+)["']""")


@dataclass(frozen=True)
class Exclusion:
    reason: str
    sensitive: bool = False  # may hold secrets or is test code: only --include brings it back


TEST_MODULE_REASON = "test module"


def _is_test_module(name: str) -> bool:
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")
                                     or name == "conftest.py")


def imported_by_code(summaries: Mapping[str, ModuleSummary]) -> frozenset[str]:
    """Every dotted name (and each of its prefixes) that a module other than a test imports: a
    ``test_*.py`` module among them is code the DAGs need (``datasources/test_datasources.py``),
    not a test, and ships."""
    names: set[str] = set()
    for path, summary in summaries.items():
        parts = PurePosixPath(path).parts
        if _is_test_module(parts[-1]) or _TEST_DIRS.intersection(parts[:-1]):
            continue
        for qualname in summary.imports:
            pieces = qualname.split(".")
            names.update(".".join(pieces[:n]) for n in range(1, len(pieces) + 1))
    return frozenset(names)


def _imported_test_module(exclusion: Exclusion | None, module: str, imported: frozenset[str],
                          folder: str = "") -> bool:
    """Whether ``exclusion`` leaves out a test-named module that code imports, as ``module`` or
    through the name of the ``folder`` holding it (``dags.audit.test_checks``, ``src.dags...``)."""
    if exclusion is None or exclusion.reason != TEST_MODULE_REASON:
        return False
    parts = PurePosixPath(folder).parts if folder else ()
    prefixes = ["", *(".".join(parts[n:]) + "." for n in range(len(parts)))]
    return any(prefix + module in imported for prefix in prefixes)


def folder_exclusion(name: str, path: str | Path) -> Exclusion | None:
    """Why a folder named ``name`` never goes into a bundle, or None."""
    if name.endswith(TEMP_SUFFIX):
        return Exclusion(LEFTOVER_REASON)
    if name in _VCS_DIRS:
        return Exclusion("version-control folder")
    if name in _CACHE_DIRS:
        return Exclusion("cache folder")
    if (name in _TOOL_DIRS or name.endswith(".egg-info")
            or _is_regular_file(os.path.join(path, "pyvenv.cfg"))):
        return Exclusion("virtualenv, dependency or editor folder")
    if name in _CREDENTIAL_DIRS:
        return Exclusion("credentials folder", sensitive=True)
    if name in _TEST_DIRS:
        return Exclusion("test folder", sensitive=True)
    return None


def _is_regular_file(path: str) -> bool:
    """``Path.is_file`` that answers False instead of raising when the folder holding ``path``
    cannot be searched (no permission): the walk reports that folder as unreadable itself."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def file_exclusion(name: str, path: str | Path) -> Exclusion | None:
    """Why a file named ``name`` never goes into a bundle, or None (content is checked too)."""
    lower = name.lower()
    if name.endswith(TEMP_SUFFIX):
        return Exclusion(LEFTOVER_REASON)
    if lower.endswith((".pyc", ".pyo")):
        return Exclusion("compiled Python")
    if _is_test_module(name):
        return Exclusion(TEST_MODULE_REASON, sensitive=True)
    if name.startswith(".env"):
        return Exclusion("environment file (may hold secrets)", sensitive=True)
    if lower.endswith(_KEY_SUFFIXES) or _KEY_NAMES.match(name):
        return Exclusion("key or certificate store", sensitive=True)
    if _CREDENTIAL_NAMES.match(name):
        return Exclusion("credential file", sensitive=True)
    if _CLUTTER.match(name):
        return Exclusion("editor, OS or version-control leftover")
    if not lower.endswith(".py"):
        # Unreadable files are reported when they are copied; code is CON009's to report.
        credentials = detect_file(Path(path))
        if credentials is not None:
            return Exclusion(f"contains {describe(*credentials)}", sensitive=True)
    return None


# -- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Excluded:
    path: str  # POSIX, relative to the project root; folders end with "/"
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class BundleCheck:
    """A problem with the bundle, or something the user must know about it."""

    severity: Severity
    code: str  # stable, kebab-case: "dag-capacity", "excluded-but-imported", ...
    message: str
    path: str = ""

    def to_json(self) -> dict[str, str]:
        return {"severity": self.severity.label, "code": self.code, "message": self.message,
                "path": self.path}

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.severity.label}: {where}{self.message}"


@dataclass
class BundleOptions:
    private_network: bool = False
    include: tuple[str, ...] = ()  # gitignore-style patterns that bring back sensitive files
    environment_class: str | None = None  # the class DAG counts are checked against
    constraints: Path | None = None  # constraints file for --private-network downloads
    include_secret_options: bool = False  # keep credential-valued options in mwaa-config.json
    allow_broken_requirements: bool = False  # write a requirements.txt known not to install
    pip_command: tuple[str, ...] = ()  # default: this interpreter's pip
    pip_args: tuple[str, ...] = ()  # e.g. ("--index-url", URL) or ("--no-index", "--find-links", D)
    jobs: int = 0


@dataclass
class Bundle:
    root: Path
    out: Path
    target: MwaaVersion
    manifest: dict[str, Any]
    checks: list[BundleCheck]
    excluded: list[Excluded]
    kept: list[Excluded]  # files .airflowignore matches but a DAG needs: shipped, not parsed
    dag_files: int = 0
    dags: int = 0
    dags_estimated: bool = False
    error_findings: int = 0
    crashed: bool = False  # the scan behind it met a defect of this tool (MIG005/MIG006 say where)
    ignore_syntax: Syntax = "regexp"
    wheels: list[str] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)  # bundle file -> how it was made
    # plugins.zip member -> the project file it was carried from (code outside dags/ and plugins/)
    carried_from: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[BundleCheck]:
        return [c for c in self.checks if c.severity == Severity.ERROR]

    def files(self) -> list[dict[str, Any]]:
        return self.manifest["files"]

    def summary(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "target": self.manifest["target"],
            "dag_files": self.dag_files,
            "dags": self.dags,
            "dags_estimated": self.dags_estimated,
            "files": len([f for f in self.files() if "!" not in f["path"]]),
            "excluded": len(self.excluded),
            "error_findings": self.error_findings,
            "parts": dict(sorted(self.parts.items())),
            "checks": [c.to_json() for c in self.checks],
        }


class BundleError(InputError):
    """The project cannot be bundled as it is (a name clash, a failed wheel download, ...)."""


# -- collecting a folder's files -----------------------------------------------------------------


@dataclass
class Source:
    """One file headed for the bundle."""

    src: str  # POSIX, relative to the project root
    dest: str  # relative to dags/ or to the zip root
    folder: str  # the DAG or plugins folder it came from
    ignored_by: IgnoreRule | None = None  # the .airflowignore rule Airflow would skip it by
    included_by: str | None = None  # the --include pattern that brought a sensitive file back
    executable: bool = False  # shipped with mode 755 instead of 644

    @property
    def is_python(self) -> bool:
        return self.dest.endswith(".py")


@dataclass
class _Walk:
    root: Path
    syntax: Syntax
    include_patterns: tuple[str, ...]
    settings_exclude: pathspec.PathSpec
    special: dict[str, str]  # project path -> why it is not shipped (workspace sources, out dir)
    imported: frozenset[str] = frozenset()  # imported_by_code: test-named modules that ship
    sources: list[Source] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    warnings: list[IgnoreWarning] = field(default_factory=list)

    def _excluded(self, rel: str, exclusion: Exclusion | None) -> tuple[bool, str | None]:
        """(excluded?, --include pattern that overrode a sensitive exclusion)."""
        if exclusion is None:
            return False, None
        if exclusion.sensitive and self.include_patterns and \
                _pathspec(self.include_patterns).match_file(rel):
            return False, _matching_pattern(self.include_patterns, rel)
        self.excluded.append(Excluded(rel, exclusion.reason))
        return True, None

    def folder(self, folder: str) -> None:
        self._visit(folder, "", AirflowIgnore(self.syntax), None)

    def _visit(self, folder: str, rel_dir: str, scope: AirflowIgnore,
               inherited: IgnoreRule | None) -> None:
        base = self.root / folder / rel_dir if rel_dir else self.root / folder
        if inherited is None:  # Airflow never reads ignore files inside a folder it pruned
            rules, problems = load_rules(self.root, folder, rel_dir, self.syntax)
            self.warnings.extend(problems)
            scope = scope.extended(rules)
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError as exc:
            self.excluded.append(Excluded(_join(folder, rel_dir) + "/",
                                          f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            project_rel = _join(folder, rel)
            unusable = unusable_name_reason(entry.name)
            if unusable:  # it could be neither listed in the manifest nor uploaded to S3
                self.excluded.append(Excluded(printable_path(project_rel), unusable))
                continue
            if entry.is_symlink() and self._symlink_excluded(project_rel, Path(entry.path)):
                continue
            mode = _followed_mode(entry)  # one stat answers folder, regular file and executable
            if stat.S_ISDIR(mode):
                if project_rel in self.special:
                    self.excluded.append(Excluded(project_rel + "/", self.special[project_rel]))
                    continue
                if self.settings_exclude.match_file(project_rel + "/"):
                    self.excluded.append(Excluded(project_rel + "/", "[tool.migrator] exclude"))
                    continue
                excluded, _ = self._excluded(project_rel + "/",
                                             folder_exclusion(entry.name, entry.path))
                if excluded:
                    continue
                rule = inherited or scope.match(rel, is_dir=True)
                self._visit(folder, rel, scope, rule)
                continue
            if not stat.S_ISREG(mode):
                self.excluded.append(Excluded(project_rel, "not a regular file"))
                continue
            if entry.name == IGNORE_FILE:
                self.excluded.append(Excluded(project_rel, "replaced by the generated "
                                              ".airflowignore"))
                continue
            special_included_by = None
            if project_rel in self.special:
                reason = self.special[project_rel]
                # Secrets files are sensitive (--include brings them back, as its help says);
                # the others are replaced by a generated part of the bundle.
                excluded, special_included_by = self._excluded(
                    project_rel, Exclusion(reason, sensitive=reason in _SENSITIVE_SOURCES))
                if excluded:
                    continue
            if self.settings_exclude.match_file(project_rel):
                self.excluded.append(Excluded(project_rel, "[tool.migrator] exclude"))
                continue
            exclusion = file_exclusion(entry.name, entry.path)
            if _imported_test_module(exclusion, rel[:-3].replace("/", "."), self.imported, folder):
                exclusion = None
            excluded, included_by = self._excluded(project_rel, exclusion)
            if excluded:
                continue
            included_by = included_by or special_included_by
            rule = inherited or scope.match(rel, is_dir=False)
            self.sources.append(Source(project_rel, rel, folder, rule, included_by,
                                       executable=bool(mode & stat.S_IXUSR)))

    def _symlink_excluded(self, project_rel: str, path: Path) -> bool:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            self.excluded.append(Excluded(project_rel, "broken or looping symlink"))
            return True
        if target.is_dir():
            self.excluded.append(Excluded(project_rel + "/", "symlinked folder: not followed"))
            return True
        if self.root.resolve() not in target.parents:
            self.excluded.append(Excluded(project_rel, "symlink to a file outside the project"))
            return True
        return False  # a link to a file inside the project: its content is shipped


# The errors Path.is_dir and Path.is_file answer False to (the entry went away); others raise.
_GONE_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _followed_mode(entry: os.DirEntry) -> int:
    """st_mode of what ``entry`` names, symlinks followed; 0 when it is gone."""
    try:
        return entry.stat().st_mode
    except OSError as exc:
        if exc.errno in _GONE_ERRNOS:
            return 0
        raise


def _join(folder: str, rel: str) -> str:
    if folder in ("", "."):
        return rel
    return f"{folder}/{rel}" if rel else folder


def _matching_pattern(patterns: tuple[str, ...], rel: str) -> str:
    """The first of ``patterns`` that matches ``rel`` (to name it in a message)."""
    return next((p for p in patterns if _pathspec([p]).match_file(rel)), "--include")


def _pathspec(patterns: Iterable[str]) -> pathspec.PathSpec:
    """gitignore-style patterns (as in ``[tool.migrator] exclude``), matched on project paths."""
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


# -- what the DAGs need --------------------------------------------------------------------------


def module_name(dest: str) -> str:
    """``a/b/c.py`` -> ``a.b.c``, ``a/b/__init__.py`` -> ``a.b`` (string operations, not
    PurePosixPath: it runs twice for every module of the project)."""
    folder, _, name = dest.rpartition("/")
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:  # PurePosixPath's suffix: not a leading or trailing dot
        name = name[:dot]
    parts = folder.split("/") if folder else []
    if name != "__init__":
        parts.append(name)
    return ".".join(parts)


@dataclass
class _Needs:
    """Resolves what kept modules import or name, across dags/ and the plugins zip root."""

    root: Path
    summaries: dict[str, ModuleSummary]  # by project path
    sources: list[Source]
    module_index: dict[str, Source] = field(default_factory=dict)
    imported_by: dict[str, str] = field(default_factory=dict)  # src -> first importer's src
    # Kept modules are read only when a question needs their words (most projects ask none);
    # the bytes are kept for the copy into the bundle, so no file is read twice.
    _unread: list[Source] = field(default_factory=list)
    _contents: dict[str, bytes] = field(default_factory=dict)  # src -> bytes, in reading order
    _words: set[str] = field(default_factory=set)  # file names and words in kept modules
    _folder_words: set[str] = field(default_factory=set)  # names written before a "/", quoted
    _texts: dict[str, str] = field(default_factory=dict)  # decoded when a message needs them
    _lines_seen: set[bytes] = field(default_factory=set)
    _local_tops: set[str] = field(default_factory=set)  # first parts of the module_index names

    def __post_init__(self) -> None:
        for source in self.sources:
            if source.is_python:
                self.module_index.setdefault(module_name(source.dest), source)
        self._local_tops = {name.split(".", 1)[0] for name in self.module_index}

    @property
    def top_names(self) -> set[str]:
        """Top-level module names of dags/ and the plugins.zip root: what MWAA's sys.path finds."""
        return self._local_tops

    def imports_of(self, source: Source) -> tuple[str, ...]:
        summary = self.summaries.get(source.src)
        if summary is not None and summary.problem is None:
            return summary.imports
        module = ModuleFacts.from_file(self.root, self.root / source.src, module_name(source.dest))
        return tuple(sorted({i.qualname for i in module.imports}))

    def read_words(self, source: Source) -> None:
        self._unread.append(source)

    def _read(self) -> None:
        lines: set[bytes] = set()
        while self._unread:
            source = self._unread.pop()
            try:
                data = (self.root / source.src).read_bytes()
            except OSError:
                continue
            self._contents[source.src] = data
            lines.update(data.splitlines())
        # Modules repeat lines (imports, default_args, task boilerplate) and no word spans a
        # line, so only lines not seen before are searched. A UTF-8 sequence holds no line
        # break byte, so decoding line by line gives the same characters as decoding the file.
        lines -= self._lines_seen
        if not lines:
            return
        self._lines_seen |= lines
        fresh = b"\n".join(lines).decode("utf-8", errors="replace")
        tokens = set(_WORD_AND_SLASH.findall(fresh))
        folders = {token[:-1] for token in tokens if token[-1] == "/"}
        self._words.update(token for token in tokens if token[-1] != "/")
        self._words |= folders
        self._folder_words |= folders
        self._folder_words.update(_QUOTED.findall(fresh))

    def content(self, source: Source) -> bytes:
        """The bytes of ``source``: those read for its words, else read now (OSError passes)."""
        data = self._contents.get(source.src)
        return data if data is not None else (self.root / source.src).read_bytes()

    @property
    def words(self) -> set[str]:
        self._read()
        return self._words

    @property
    def folder_words(self) -> set[str]:
        self._read()
        return self._folder_words

    @property
    def texts(self) -> dict[str, str]:
        """Text of every module read for its words, in reading order."""
        self._read()
        for src in list(self._contents)[len(self._texts):]:
            # As Path.read_text reads it: universal newlines.
            text = self._contents[src].decode("utf-8", errors="replace")
            self._texts[src] = text.replace("\r\n", "\n").replace("\r", "\n")
        return self._texts

    def local_targets(self, qualname: str) -> list[str]:
        """Module names of local files an import of ``qualname`` executes (packages too)."""
        parts = qualname.split(".")
        if parts[0] not in self._local_tops:  # most imports are airflow, pendulum, ...
            return []
        return [".".join(parts[:n]) for n in range(1, len(parts) + 1)
                if ".".join(parts[:n]) in self.module_index]

    def mentions(self, source: Source, folder_level: bool) -> bool:
        """Whether kept code names this file (its name, or, for data files, its folder)."""
        path = PurePosixPath(source.dest)
        if path.name in self.words or source.dest in self.words:
            return True
        return folder_level and any(part in self.folder_words for part in path.parts[:-1])


def resolve_needs(root: Path, sources: list[Source], summaries: dict[str, ModuleSummary]
                  ) -> tuple[list[Source], list[tuple[Source, str]], _Needs]:
    """Split ``sources`` into shipped files and files .airflowignore drops.

    A file an .airflowignore matches is still shipped when a shipped module imports it, or
    names it (a SQL template, a script a task runs): .airflowignore says what the DAG processor
    should not parse, not what may be missing at run time. Returns (shipped, dropped with the
    reason, the resolver).
    """
    needs = _Needs(root, summaries, sources)
    shipped = {s.src: s for s in sources if s.ignored_by is None}
    pending = {s.src: s for s in sources if s.ignored_by is not None}
    queue = [s for s in shipped.values() if s.is_python]
    for source in queue:
        needs.read_words(source)
    while True:
        while queue:
            source = queue.pop()
            for qualname in needs.imports_of(source):
                for name in needs.local_targets(qualname):
                    target = needs.module_index[name]
                    needs.imported_by.setdefault(target.src, source.src)
                    if target.src in pending:
                        shipped[target.src] = pending.pop(target.src)
                        needs.read_words(target)
                        queue.append(target)
        # Files named by kept code; Python files only by exact name (a helper a task runs).
        named = [s for s in pending.values()
                 if needs.mentions(s, folder_level=not s.is_python)] if pending else []
        if not named:
            break
        for source in named:
            shipped[source.src] = pending.pop(source.src)
            if source.is_python:
                needs.read_words(source)
                queue.append(source)
    dropped = [(s, f".airflowignore ({s.ignored_by.describe()}); no DAG imports or names it")
               for s in pending.values() if s.ignored_by is not None]
    return sorted(shipped.values(), key=lambda s: (s.dest, s.src)), dropped, needs


# -- the generated .airflowignore ------------------------------------------------------------------


def parse_candidates(sources: Iterable[Source]) -> list[str]:
    return [s.dest for s in sources if s.dest.endswith((".py", ".zip"))]


def airflowignore_paths(shipped: list[Source], not_dags: set[str]) -> list[str]:
    """Paths (relative to dags/) for the generated .airflowignore.

    ``not_dags``: dest paths the DAG processor should skip. A folder whose every parseable file
    is skipped is listed once instead of file by file.
    """
    candidates = set(parse_candidates(shipped))
    skip = candidates & not_dags
    keep = candidates - skip
    folders_with_dags = {folder for dest in keep for folder in _folders_of(dest)}
    result: set[str] = set()
    for dest in sorted(skip):
        top = next((f for f in _folders_of(dest) if f not in folders_with_dags), None)
        result.add(f"{top}/" if top else dest)
    return sorted(result)


def _folders_of(dest: str) -> list[str]:
    """The folders holding ``dest``, outermost first: ``a/b/c.py`` -> ``a``, ``a/b``."""
    parts = dest.split("/")[:-1]
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


# -- plugins.zip ------------------------------------------------------------------------------------


def check_member_name(name: str) -> str:
    """Zip member names MWAA extracts safely: relative, POSIX, no ``..``, no empty parts."""
    if not name or name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise BundleError(f"refusing zip member {name!r}: not a relative POSIX path")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise BundleError(f"refusing zip member {name!r}: empty, '.' or '..' path segment")
    return name


@dataclass(frozen=True)
class ZipMember:
    name: str
    path: Path | None = None  # read from disk ...
    data: bytes | None = None  # ... or given
    executable: bool = False

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        try:
            return self.path.read_bytes()  # type: ignore[union-attr]
        except OSError as exc:  # as for dags/: a bundle missing a plugin file is not built
            raise BundleError(f"{self.path}: cannot read: {exc.strerror or exc}") from None


def write_deterministic_zip(dest: Path, members: Sequence[ZipMember]) -> list[dict[str, Any]]:
    """Write ``members`` sorted by name, every timestamp and mode fixed; returns the manifest
    rows (sha256 and size of each member's content) in the same order."""
    rows = []
    names = [check_member_name(m.name) for m in members]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise BundleError(f"two files would be {PLUGINS_ZIP}!{duplicate}")
    with zipfile.ZipFile(dest, "w", allowZip64=True) as archive:
        for member in sorted(members, key=lambda m: m.name):
            data = member.read()
            info = zipfile.ZipInfo(member.name, ZIP_EPOCH)
            info.create_system = 3  # Unix, so the modes below are honoured by unzip
            info.external_attr = ((0o100755 if member.executable else 0o100644) & 0xFFFF) << 16
            stored = member.name.lower().endswith(_STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else 9)
            rows.append({"path": f"{PLUGINS_ZIP}!{member.name}",
                         "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    return rows


# -- requirements, wheels ---------------------------------------------------------------------------


def requirement_lines(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(canonical name, requirement) of every named requirement in a requirements text, and the
    lines that are not one (VCS, URL and path requirements), options and comments aside."""
    named, other = [], []
    for raw in _logical_lines(text):
        line = _REQUIREMENT_TAIL.split(raw.strip(), maxsplit=1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            other.append(line)
            continue
        if requirement.url:
            other.append(line)
            continue
        named.append((canonicalize_name(requirement.name), line))
    return named, other


def _logical_lines(text: str) -> list[str]:
    return re.sub(r"\\\r?\n", "", text).splitlines()


def preinstalled_names(target: MwaaVersion) -> frozenset[str]:
    """Distributions the target's MWAA image has that compat knows of: the never-overridable
    pins, the preinstalled providers and the always-installed extras. The rest of the image's
    packages are not in compat, so wheels of those are shipped although the image has them."""
    names = set(essential_pin_names(target)) | set(preinstalled_providers(target))
    names |= {canonicalize_name(Requirement(n).name) for n in always_installed()}
    return frozenset(names)


def satisfied_by_image(name: str, line: str, target: MwaaVersion) -> bool:
    """Whether the MWAA image's own copy of ``name`` satisfies the requirement ``line``.

    Providers are checked against the version the image ships (users may ask for a newer one);
    never-overridable pins and the always-installed extras are the image's by definition.
    """
    providers = preinstalled_providers(target)
    if name in providers:
        try:
            return Requirement(line).specifier.contains(providers[name], prereleases=True)
        except InvalidRequirement:
            return False
    return name in preinstalled_names(target)


def wheel_distribution(filename: str) -> tuple[str, str]:
    """(canonical name, version) from a wheel file name."""
    parts = filename.split("-")
    return canonicalize_name(parts[0]), parts[1] if len(parts) > 1 else ""


def pip_download_command(target: MwaaVersion, requirements: Sequence[str], dest: Path,
                         constraints: Path, pip_command: Sequence[str] = (),
                         pip_args: Sequence[str] = ()) -> list[str]:
    python = target.python.replace(".", "")
    return [*(pip_command or (sys.executable, "-m", "pip")), "download",
            "--only-binary=:all:", "--platform", WHEEL_PLATFORM,
            "--python-version", target.python, "--implementation", "cp", "--abi", f"cp{python}",
            "--dest", str(dest), "--constraint", str(constraints), "--disable-pip-version-check",
            "--no-input", *pip_args, *requirements]


def download_wheels(target: MwaaVersion, requirements: Sequence[str], dest: Path,
                    constraints: Path, pip_command: Sequence[str] = (),
                    pip_args: Sequence[str] = ()) -> list[Path]:
    """Wheels for MWAA's platform of ``requirements`` and their dependencies, minus the ones
    the image already has."""
    dest.mkdir(parents=True, exist_ok=True)
    command = pip_download_command(target, requirements, dest, constraints, pip_command, pip_args)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=1800,
                                   check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BundleError(f"pip download for the MWAA platform failed to run: {exc}") from None
    if completed.returncode != 0:
        tail = [line for line in completed.stderr.splitlines() if line.strip()][-3:]
        raise BundleError(
            f"pip download for the MWAA platform ({WHEEL_PLATFORM}, CPython {target.python}) failed: "
            + " | ".join(tail or ["no output"])
            + ". Every requirement needs a wheel for that platform; build missing wheels on "
              "the MWAA image (amazon-mwaa-docker-images) and pass them with --find-links")
    preinstalled = preinstalled_names(target)
    providers = preinstalled_providers(target)
    wheels = []
    for path in sorted(dest.iterdir()):
        name, version = wheel_distribution(path.name)
        # A dependency the image already has at this version needs no wheel; a provider at
        # another version does (a requirement asked for a newer one).
        same_as_image = name in preinstalled and providers.get(name, version) == version
        if path.suffix != ".whl" or same_as_image:
            path.unlink()
        else:
            wheels.append(path)
    return wheels


def offline_requirements(text: str, constraints_name: str, target: MwaaVersion) -> str:
    """requirements.txt for a private network: installs only from the wheels in plugins.zip."""
    kept = [line for _, line in requirement_lines(text)[0]]
    header = [
        f"# For a private-network MWAA environment (Airflow {target.airflow}): pip installs only",
        f"# from the wheels in plugins.zip, which MWAA extracts to {MWAA_PLUGINS_DIR}.",
        "--no-index",
        f"--find-links {MWAA_PLUGINS_DIR}",
        f"--constraint {MWAA_PLUGINS_DIR}/{constraints_name}",
    ]
    return "\n".join([*header, *kept]) + "\n"


# -- startup.sh -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartupLine:
    command: str
    why: str


def render_startup(lines: Sequence[StartupLine], target: MwaaVersion) -> str:
    out = ["#!/bin/sh",
           f"# startup.sh for MWAA (Airflow {target.airflow}), generated by mwaa-migrator.",
           "# MWAA runs it on every component (scheduler, worker, webserver) before it installs",
           "# requirements.txt and starts Airflow. Why each line is here:"]
    out += [f"#   - {line.why}" for line in lines]
    out += ["# Variables MWAA reserves are never set here: MWAA resets them.", "set -e", ""]
    for line in lines:
        out += [f"# {line.why}", line.command, ""]
    return "\n".join(out).rstrip("\n") + "\n"


# Package managers whose package names are Amazon Linux's own (MWAA runs Amazon Linux 2023).
_YUM_MANAGERS = frozenset({"yum", "dnf"})
OS_PACKAGES_SHOWN = 4  # startup.sh lists them all


def startup_lines(os_packages: Sequence[tuple[str, str, str]],
                  env: Sequence[tuple[str, str, str]], target: MwaaVersion,
                  isolated: Sequence[IsolatedInstall] = ()) -> tuple[list[StartupLine], list[BundleCheck]]:
    """Lines for startup.sh from OS packages ``(name, manager, where)``, environment
    variables ``(name, value, where)`` and tools installed in a venv of their own. Reserved
    variables and secrets are left out, and packages named for another distribution are not
    guessed at, each with a check saying why."""
    policy = config_policy(target)
    lines: list[StartupLine] = []
    checks: list[BundleCheck] = []
    native = sorted({name for name, manager, _ in os_packages if manager in _YUM_MANAGERS})

    def files(yum: bool) -> str:
        return ", ".join(sorted({w.rsplit(":", 1)[0] for _, m, w in os_packages
                                 if (m in _YUM_MANAGERS) == yum}))

    foreign = sorted({(name, manager) for name, manager, _ in os_packages
                      if manager not in _YUM_MANAGERS})
    if native:
        origins = files(yum=True)
        # The webserver runs no tasks; skipping it there keeps private webservers, which cannot
        # reach package repositories, from timing out (UG using-startup-script).
        lines.append(StartupLine(
            'if [ "${MWAA_AIRFLOW_COMPONENT}" != "webserver" ]; then\n'
            f"  sudo yum -y install {' '.join(_shell_word(p) for p in native)}\nfi",
            f"OS packages the project installs with yum/dnf ({origins}); pip cannot"))
    if foreign:
        names = " ".join(name for name, _ in foreign)
        managers = "/".join(sorted({m for _, m in foreign}))
        origins = files(yum=False)
        lines.append(StartupLine(
            f"# sudo yum -y install {names}",
            f"OS packages named for {managers} ({origins}): MWAA runs Amazon Linux 2023, whose "
            "names differ; put the right names on this line and uncomment it"))
        shown = ", ".join(name for name, _ in foreign[:OS_PACKAGES_SHOWN])
        more = len(foreign) - OS_PACKAGES_SHOWN
        checks.append(BundleCheck(
            Severity.WARNING, "os-packages-need-names",
            f"{len(foreign)} OS package(s) have {managers} names ({shown}"
            f"{f' +{more} more' if more > 0 else ''}): write their Amazon Linux 2023 names "
            "on the commented install line", STARTUP))
    for install in isolated:
        venv = f'"${{AIRFLOW_HOME}}/{install.tool.venv}"'
        packages = " ".join(_shell_word(r) for r in install.requirements)
        # PIP_USER: MWAA installs requirements with --user, which a venv's pip refuses (Cosmos's MWAA guide).
        lines.append(StartupLine(
            f"if [ ! -x {venv}/bin/{install.tool.executable} ]; then\n"
            f"  PIP_USER=false python3 -m venv {venv}\n"
            f"  PIP_USER=false {venv}/bin/pip install {packages}\n"
            f"fi\nexport PATH={venv}/bin:\"$PATH\"",
            f"{install.tool.name} in its own virtual environment ({install.tool.why}); its "
            f"`{install.tool.executable}` on PATH for the tasks"))
    for name, value, where in sorted(env):
        if policy.protected_env_var(name):
            checks.append(BundleCheck(Severity.WARNING, "reserved-env-var",
                                      f"{name} is reserved by MWAA, which resets it; not set in "
                                      f"{STARTUP}", where))
            continue
        if is_sensitive_name(name) or mask(value) != value:
            checks.append(BundleCheck(Severity.WARNING, "secret-env-var",
                                      f"{name} holds a credential; not written to {STARTUP}: "
                                      "store it in Secrets Manager", where))
            continue
        lines.append(StartupLine(f"export {name}={_shell_word(value)}",
                                 f"{name}: read by the DAG code, set in {where}"))
    return lines, checks


def _shell_word(value: str) -> str:
    if re.fullmatch(r"[\w@%+=:,./-]+", value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


# -- the build --------------------------------------------------------------------------------------


def _dedupe_folders(folders: Iterable[str]) -> list[str]:
    """Drop folders nested in another listed folder (their files are already under it)."""
    ordered = sorted(set(folders), key=lambda f: (len(PurePosixPath(f).parts), f))
    kept: list[str] = []
    for folder in ordered:
        path = PurePosixPath(folder)
        if not any(k == "." or PurePosixPath(k) in path.parents for k in kept):
            kept.append(folder)
    return sorted(kept)


_ENV_FILE_REASON = "environment file (may hold secrets)"
_EXPORT_REASON = "connection/variable export (holds credentials)"
_SENSITIVE_SOURCES = frozenset({_ENV_FILE_REASON, _EXPORT_REASON})


def _special_paths(workspace: Workspace, out: Path, root: Path) -> dict[str, str]:
    special: dict[str, str] = {}
    kinds = (
        ("airflow_cfgs", "airflow.cfg: its options go to mwaa-config.json; it may hold secrets"),
        ("env_files", _ENV_FILE_REASON),
        ("connection_exports", _EXPORT_REASON),
        ("compose_files", "docker-compose file: MWAA does not run containers from it"),
        ("dockerfiles", "Dockerfile: MWAA does not build images"),
        ("entrypoints", "container entrypoint script: MWAA has its own"),
        ("startup_scripts", "start-up script: the bundle's startup.sh replaces it"),
        ("os_package_lists", "OS package list: the bundle's startup.sh installs them"),
        ("requirement_files", "requirements file: the bundle's requirements.txt replaces it"),
    )
    for attribute, reason in kinds:
        for rel in getattr(workspace, attribute, []):
            special[rel] = reason
    if workspace.plugins_folder:
        special[workspace.plugins_folder] = "plugins folder: packaged as plugins.zip"
    for name in ("pyproject.toml", ".migrator.toml"):
        special.setdefault(name, "project settings, not read by MWAA")
    try:
        special[out.resolve().relative_to(root.resolve()).as_posix()] = "the bundle's own folder"
    except ValueError:
        pass
    return special


def check_out_dir(out: Path, root: Path) -> None:
    """Refuse output folders whose replacement would destroy something that is not a bundle."""
    resolved, project = out.resolve(), root.resolve()
    if resolved == project or resolved in project.parents:
        raise InputError(f"{out}: the output folder would replace the project itself; "
                         "choose an empty folder")
    if resolved.exists() and not resolved.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if resolved.is_dir() and any(resolved.iterdir()) and not (resolved / MANIFEST).is_file():
        raise InputError(f"{out}: folder is not empty and holds no {MANIFEST} (not a bundle "
                         "this tool wrote); choose an empty or new folder")


def project_ignore_syntax(facts: ProjectFacts) -> Syntax:
    """The syntax the project's own .airflowignore files were written for: its
    ``core.dag_ignore_file_syntax``, else the default of the Airflow it runs today."""
    configured = facts.config.value("core.dag_ignore_file_syntax")
    majors = source_airflow_majors(facts)
    # Unknown: projects moving to MWAA run Airflow 1.10 or 2.x, whose default is regexp.
    version = str(min(majors)) if majors else "2"
    return effective_syntax(version, configured)


def source_airflow_majors(facts: ProjectFacts) -> set[int]:
    """Major versions of the Airflow the project runs now (requirement pins, image tags)."""
    majors: set[int] = set()
    requirements = facts.requirements
    lines = [r for f in requirements.files.values() for r in f.requirements]
    for requirement in [*lines, *requirements.hidden]:
        if requirement.name == "apache-airflow" and requirement.pinned_version:
            majors.add(int(requirement.pinned_version.split(".")[0]))
    for image in facts.env.base_images:
        if image.airflow_version:
            majors.add(int(image.airflow_version.split(".")[0]))
    return majors


def mwaa_configuration(facts: ProjectFacts, target: MwaaVersion, include_secrets: bool,
                       checks: list[BundleCheck], findings: Sequence[Finding] = ()) -> dict[str, str]:
    """The AirflowConfigurationOptions map from the project's config analysis; options whose
    value is a credential stay out unless asked for (mwaa-config.json is a file on disk).

    Findings whose fix sets an option (``kind="config"``, ``action="set"``, e.g. PLG010's
    ``core.lazy_load_plugins = False``) are applied here: `migrator fix` leaves them to this step.
    """
    from migrator.analysis.config import classify, configuration_options

    # The config analysis leaves credential-valued options out of the map itself; they are
    # named here (so the user knows what to set by hand) and put back only when asked.
    options = configuration_options(facts.config, target)
    policy = config_policy(target)
    for option, entry in sorted(facts.config.effective().items()):
        if not entry.is_secret or option in options:
            continue
        verdict = classify(option, target, entry.value)
        key = verdict.new_option or option
        if verdict.kind not in ("allowed", "deprecated", "renamed") or not policy.is_valid_key(key):
            continue  # MWAA takes no such option at all; the CFG rules say why
        if include_secrets:
            options[key] = entry.value
            checks.append(BundleCheck(
                Severity.WARNING, "secret-included",
                f"{key} holds a credential and is written to {MWAA_CONFIG} because "
                "--include-secret-options says so", entry.path))
        else:
            checks.append(BundleCheck(
                Severity.WARNING, "secret-option",
                f"{key} holds a credential: left out of {MWAA_CONFIG} (set it on the "
                "environment, or pass --include-secret-options)", entry.path))
    for finding in findings:
        params = finding.fix.params if finding.fix is not None else {}
        if params.get("kind") == "config" and params.get("action") == "set" \
                and policy.is_valid_key(str(params.get("option", ""))):
            options[params["option"]] = str(params["value"])
    return dict(sorted(options.items()))


def secrets_backend_options(facts: ProjectFacts, config: dict[str, str], target: MwaaVersion
                            ) -> dict[str, str]:
    """The Secrets Manager backend options, when the project defines connections or variables
    (``migrator connections export`` moves them to the default prefixes) and its configuration
    names no secrets backend of its own."""
    from migrator.connections_export import (
        DEFAULT_CONNECTIONS_PREFIX,
        DEFAULT_VARIABLES_PREFIX,
        backend_options,
    )

    connections = facts.connections
    if not (connections.connections or connections.variables) or "secrets.backend" in config:
        return {}
    return backend_options(DEFAULT_CONNECTIONS_PREFIX, DEFAULT_VARIABLES_PREFIX, target)


# Variables that wire containers together on-prem; none of them means anything on MWAA.
_CONTAINER_PLUMBING = re.compile(
    r"^(_?AIRFLOW_(UID|GID|PROJ_DIR|IMAGE_NAME|HOME|VERSION)|_AIRFLOW_\w+|_PIP_\w+|"
    r"AIRFLOW__\w+|AIRFLOW_CONN_\w+|AIRFLOW_VAR_\w+|POSTGRES_\w+|MYSQL_\w+|REDIS_\w+|"
    r"PATH|PYTHONPATH|HOME|PWD|USER|HOSTNAME|TZ|LANG|LC_\w+|DEBIAN_FRONTEND|PIP_\w+|"
    r"PYTHON\w*|CONNECTION_CHECK_\w+|DUMB_INIT_\w+)$")
_ORIGIN_RANK = {"compose": 0, "dockerfile": 1, "env-file": 2, "startup": 3, "script": 4}


def startup_inputs(facts: Any, needs: _Needs, target: MwaaVersion
                   ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(OS packages MWAA needs as (name, manager, where): those REQ017 reports and those the
    project's own startup.sh installs; environment variables the shipped code reads as (name,
    value, where)) from the project's environment sources."""
    env = facts.env
    packages = sorted({(p.name, p.manager, f"{p.path}:{p.line}") for p in needed_os_packages(facts, target)})
    chosen: dict[str, Any] = {}
    for variable in sorted(env.variables, key=lambda v: (_ORIGIN_RANK.get(v.origin, 9),
                                                         v.path, v.line)):
        if (variable.value is None or variable.is_reference or variable.name in chosen
                or _CONTAINER_PLUMBING.match(variable.name) or variable.name not in needs.words):
            continue
        chosen[variable.name] = variable
    variables = [(v.name, v.value, f"{v.path}:{v.line}") for v in chosen.values()]
    return packages, sorted(variables)


def fixed_requirements_text(facts: ProjectFacts, target: MwaaVersion) -> tuple[str | None, str]:
    """The bundle's requirements.txt for ``target``, and a note on how it was made.

    MWAA receives one file, so ``-r`` includes are inlined first (a ``-r other.txt`` line would
    name a file MWAA does not have); then the requirements fixer corrects the whole text: the
    target's --constraint line, no apache-airflow or never-overridable pins, conflicting pins
    moved, needed providers added.
    """
    from migrator.analysis.requirements import needed_providers

    requirements = facts.requirements
    entry = requirements.entry_files[0] if requirements.entry_files else None
    from migrator.requirements_fix import (
        extra_requirements,
        fix_requirements,
        imported_modules,
        inline_includes,
    )

    extra = extra_requirements(facts, target)
    needs = {name: need.min_version
             for name, need in needed_providers(facts.modules, target).items()}
    if entry is None and not extra and not needs:
        return None, "none: the project installs no Python packages"
    crashed = sorted({crash.path for crash in requirements.crashes}
                     & set(requirements.closure(entry) if entry else ()))
    if crashed:  # the fixer would meet the same defect; MIG006 and the exit code report it
        return None, f"none: {', '.join(crashed)} could not be analysed (an internal error)"
    text = inline_includes(facts, entry) if entry else ""
    constraints = facts.constraints_for(entry, target).constraints if entry else None
    fixed = fix_requirements(text, target, constraints=constraints, needed_providers=needs,
                             extra_requirements=extra, imported=imported_modules(facts.modules))
    included = [f for f in requirements.closure(entry) if f != entry] if entry else []
    source = entry or "the packages the project installs elsewhere"
    return fixed, (f"{source}" + (f" with {', '.join(included)} inlined" if included else "")
                   + f", fixed for Airflow {target.airflow}")


def unread_requirements(facts: ProjectFacts) -> list[BundleCheck]:
    """An error for each file of the requirements the bundle gets that could not be read: the
    packages it lists are missing from the bundle's requirements.txt."""
    requirements = facts.requirements
    entry = requirements.entry_files[0] if requirements.entry_files else None
    return [BundleCheck(Severity.ERROR, "requirements-unreadable",
                        f"cannot read it ({requirements.unreadable[path]}): the bundle's "
                        f"{REQUIREMENTS} lacks the packages it lists", path)
            for path in (requirements.closure(entry) if entry else ())
            if path in requirements.unreadable]


def requirements_without_superseded(text: str, facts: ProjectFacts, checks: list[BundleCheck]) -> str:
    """``text`` (the bundle's requirements, without the indexes MWAA cannot reach) with each
    requirement of a distribution PyPI does not have replaced by what ships its modules now
    when no index left may serve the old name, and a check for each such requirement of the
    project's file (the fixer replaced some already): what the bundle installs, or why it kept
    the line and what to do."""
    from migrator.requirements_fix import INDEX_OPTIONS, replace_superseded, superseded_requirements

    requirements = facts.requirements
    entry = requirements.shipped_entry
    if entry is None:
        return text
    text, left = replace_superseded(text)
    kept = {found.requirement.name: found for found in left if not found.replaceable}
    for found in superseded_requirements(requirements.requirements_of(entry),
                                         requirements.options_of(entry, *INDEX_OPTIONS)):
        where = f"{found.requirement.path} line {found.requirement.line} ({found.requirement.display()})"
        use = found.fact.requirement
        if found.requirement.name in kept:
            message = (f"{where}: {found.why}; kept because {', '.join(kept[found.requirement.name].other_sources)} "
                       f"may serve it: if it does not, the install fails; use {use}")
        else:
            message = f"{where}: {found.why}; the bundle installs {use} instead (the release checked to ship its modules): move the pin to the version you test"
        checks.append(BundleCheck(Severity.WARNING, "requirement-superseded", message, REQUIREMENTS))
    return text


# ``scheme://user:password@`` in an index URL, a VCS or a URL requirement.
# user:password@ on any scheme, or a bare token@ on http(s) (git+https://TOKEN@github.com/...).
# A password ends before the next "://": each search then stops there (linear time).
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,31}://[^\s/@:'\"]*:)(?P<password>(?!\d{1,5}(?:/|\s|$))(?:(?!://)[^\s@'\"])+)@"
    r"|(?P<token_head>(?<![A-Za-z0-9+.\-])(?:git\+)?https?://)(?P<token>[^\s/@:'\"]{6,})@")
# What pip expands in a requirements file: ${NAME} with upper-case letters, digits and "_".
# A comment or the options after a requirement; (?<!\s): a run of spaces is tried once.
_REQUIREMENT_TAIL = re.compile(r"(?<!\s)\s+(?:#|--)")
_PIP_VARIABLE = re.compile(r"^\$\{[A-Z0-9_]+\}$")
REQUIREMENTS_PASSWORD_VARIABLE = "REQUIREMENTS_PASSWORD_{}"


# Index hosts no MWAA environment can reach: this machine, private names, private addresses.
_LOCAL_SUFFIXES = (".local", ".localdomain", ".internal", ".lan", ".home", ".corp", ".intranet")


def unreachable_host(url: str) -> bool:
    """Whether ``url``'s host can only exist on the on-prem network (or this machine)."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return True
    if not host or host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def requirements_mwaa_can_use(text: str, private_network: bool, checks: list[BundleCheck]) -> str:
    """``text`` without the lines that cannot work on MWAA, each removal reported with what to
    do: local paths and local ``--find-links`` folders (MWAA receives requirements.txt alone),
    indexes on hosts only the on-prem network has, and VCS URLs and remote ``-r`` files in a
    private network (a remote ``-r`` file kept gets a warning: what it holds is not reviewed)."""
    from migrator.analysis.requirements import is_url, parse_requirements_text

    parsed = parse_requirements_text(text, REQUIREMENTS)
    ship = f"build a wheel, ship it in plugins.zip and install it by name with --find-links {MWAA_PLUGINS_DIR}"
    removed: dict[int, str] = {}
    for requirement in parsed.requirements:
        if requirement.kind == "path":
            removed[requirement.line] = f"a local path MWAA does not have: {ship}"
        elif requirement.kind == "vcs" and private_network:
            removed[requirement.line] = f"a private network cannot reach the repository: {ship}"
        elif requirement.kind in ("vcs", "url") and unreachable_host(requirement.url.split("+", 1)[-1]):
            removed[requirement.line] = f"a host only the on-prem network has: {ship}"
    inline = "copy its requirements into the project's requirements file, which the bundle's inlines"
    for option in parsed.options_named("find-links", "index-url", "extra-index-url", "requirement"):
        value = option.value or ""
        if option.option == "requirement":  # a local -r is inlined before; a URL is left to pip
            if not is_url(value):
                continue
            if private_network or unreachable_host(value):
                removed[option.line] = f"a remote requirements file MWAA cannot fetch: {inline}"
            else:
                checks.append(BundleCheck(
                    Severity.WARNING, "remote-requirements",
                    f"line {option.line} ({mask(value)}): MWAA fetches this requirements file at "
                    "install time, so the bundle installs whatever it holds then, and not at all in a "
                    f"private network: {inline}", REQUIREMENTS))
        elif option.option == "find-links" and not is_url(value):
            if value.rstrip("/") != MWAA_PLUGINS_DIR:
                removed[option.line] = f"a local folder MWAA does not have: {ship}"
        elif is_url(value) and unreachable_host(value):
            removed[option.line] = ("an index only the on-prem network has: mirror the packages into "
                                    "CodeArtifact and set PIP_EXTRA_INDEX_URL in startup.sh, or " + ship)
    if not removed:
        return text
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    skipping = False
    for number, line in enumerate(lines, start=1):
        if number in removed:
            checks.append(BundleCheck(Severity.WARNING, "requirement-removed",
                                      f"line {number} ({mask(line.strip())}) is left out of the bundle's "
                                      f"requirements.txt, {removed[number]}", REQUIREMENTS))
            skipping = True
        if not skipping:
            kept.append(line)
        skipping = skipping and line.rstrip().endswith("\\")
    return "".join(kept)


def requirements_without_passwords(text: str, keep: bool, checks: list[BundleCheck]) -> str:
    """``text`` with every URL password replaced by a ``${REQUIREMENTS_PASSWORD_<n>}`` reference.

    requirements.txt lands in the S3 bucket as it is; a private index's password written in it
    would be readable by everyone who can read the bucket. pip expands ``${VAR}`` references in
    requirements files from the environment, and MWAA runs startup.sh before it installs the
    requirements, so exporting the variable there (read from Secrets Manager) keeps the install
    working. ``keep`` (--include-secret-options) ships the passwords as they are, with a warning.
    """
    variables: dict[str, str] = {}  # password -> variable; one variable per distinct password
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        def replace(match: re.Match, number: int = number, line: str = line) -> str:
            password = match["password"] or match["token"]
            head = match["head"] or match["token_head"]
            if _PIP_VARIABLE.match(password):
                return match.group(0)  # already a reference
            shown = mask(line.strip())
            if keep:
                checks.append(BundleCheck(
                    Severity.WARNING, "secret-included",
                    f"line {number} ({shown}) ships its password because "
                    "--include-secret-options says so", REQUIREMENTS))
                return match.group(0)
            name = variables.setdefault(password, REQUIREMENTS_PASSWORD_VARIABLE.format(len(variables) + 1))
            checks.append(BundleCheck(
                Severity.WARNING, "secret-option",
                f"line {number} ({shown}): the password is left out; the line reads "
                f"${{{name}}} instead, which pip expands from the environment: export {name} in "
                f"{STARTUP} (MWAA runs it before installing requirements), reading it from Secrets "
                "Manager, or pass --include-secret-options", REQUIREMENTS))
            return f"{head}${{{name}}}@"

        lines[number - 1] = _URL_PASSWORD.sub(replace, line)
    return "".join(lines)


def _dump_json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def build_bundle(root: Path, settings: Settings, target: MwaaVersion, out: Path,
                 options: BundleOptions | None = None, scan_result: ScanResult | None = None,
                 sizing: Mapping[str, Any] | None = None) -> Bundle:
    """Build the bundle for ``root`` into ``out`` (replaced as a whole at the end).

    ``scan_result``: a finished scan of ``root`` (one is run when not given): its module facts
    say which files define DAGs and what they import, and its error findings are counted.
    ``sizing``: a sizing report whose environment class the DAG count is checked against.
    """
    from migrator.engine import scan

    options = options or BundleOptions()
    root = Path(root)
    out = Path(out)
    check_out_dir(out, root)
    result = scan_result if scan_result is not None else scan(root, settings, target,
                                                              jobs=options.jobs)
    workspace, facts = result.workspace, result.project
    checks: list[BundleCheck] = []
    summaries = {m.path: m for m in facts.modules}

    error_findings = sum(1 for f in result.findings if f.severity == Severity.ERROR)
    if error_findings:
        checks.append(BundleCheck(
            Severity.WARNING, "findings-remain",
            f"{error_findings} error finding(s) remain: what they point at breaks on MWAA "
            "until fixed (`migrator scan` lists them; `migrator fix` fixes what it can)"))
    dag_folders = _dedupe_folders(workspace.dag_folders)
    if not dag_folders:
        raise BundleError(f"{root}: no DAG folder found; name it with [tool.migrator] dags")

    syntax = project_ignore_syntax(facts)
    imported = imported_by_code(summaries)
    walk = _Walk(root, syntax, tuple(options.include), _pathspec(settings.exclude),
                 _special_paths(workspace, out, root), imported)
    for folder in dag_folders:
        walk.folder(folder)
    dag_sources = walk.sources
    walk.sources = []
    plugins_folder = workspace.plugins_folder
    if plugins_folder and not any(plugins_folder == f for f in dag_folders):
        walk.special.pop(plugins_folder, None)
        walk.folder(plugins_folder)
    plugin_sources = walk.sources
    # MWAA reads the one plugins.zip built here; an earlier one would sit inside it, never loaded.
    for source in [s for s in plugin_sources if s.src in facts.plugins.prebuilt_zips]:
        plugin_sources.remove(source)
        walk.excluded.append(Excluded(source.src, "an earlier plugins.zip (PLG011): not nested "
                                                  "in the one this bundle builds"))
        checks.append(BundleCheck(Severity.WARNING, "prebuilt-plugins-zip",
                                  "left out of plugins.zip: MWAA reads only the plugins.zip built "
                                  "from the folder; unpack the modules it holds into the folder "
                                  "if they are still needed", source.src))
    for warning in walk.warnings:
        checks.append(BundleCheck(Severity.WARNING, "airflowignore", warning.message, warning.path))

    _check_clashes(dag_sources)
    shipped, dropped, needs = resolve_needs(root, dag_sources + plugin_sources, summaries)
    excluded = list(walk.excluded) + [Excluded(s.src, reason) for s, reason in dropped]
    kept = [Excluded(s.src, f"shipped although {s.ignored_by.describe()} matches it: "
                            + _why_needed(s, needs))
            for s in shipped if s.ignored_by is not None]
    checks += _excluded_but_needed(root, shipped, excluded, needs, dag_folders, plugins_folder)
    carried, carried_members = carry_outside_packages(root, workspace, shipped, needs, target, facts, checks,
                                                      imported)
    checks += _named_outside(root, workspace, needs,
                             [*dag_folders, plugins_folder, *(p.source for p in carried if p.is_package)], out)
    for source in shipped:
        if source.included_by:
            checks.append(BundleCheck(Severity.WARNING, "sensitive-included",
                                      f"shipped because --include {source.included_by!r} says so",
                                      source.src))

    dag_shipped = [s for s in shipped if s.folder in dag_folders and s.folder != plugins_folder]
    plugin_shipped = [s for s in shipped if s.folder == plugins_folder and plugins_folder]

    target_config = mwaa_configuration(facts, target, options.include_secret_options, checks,
                                       result.findings)
    target_syntax = effective_syntax(target.airflow, target_config.get("core.dag_ignore_file_syntax"))
    not_dags = _not_dag_files(dag_shipped, summaries, needs)
    ignore_paths = airflowignore_paths(dag_shipped, not_dags)
    dag_count = project_dag_count(facts)
    checks += _capacity_checks(dag_count, options.environment_class, sizing)

    bundle = Bundle(root, out, target, {}, checks, sorted(set(excluded)), sorted(kept),
                    dag_files=dag_count.files, dags=dag_count.dags, dags_estimated=dag_count.at_least,
                    error_findings=error_findings, crashed=result.crashed, ignore_syntax=target_syntax,
                    carried_from={m.name: (m.path.relative_to(root).as_posix() if m.path else "")
                                  for m in carried_members})
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_folder(out)
    try:
        rows = _write_parts(bundle, staging, root, workspace, facts, dag_shipped, plugin_shipped,
                            ignore_paths, target_config, options, checks, needs,
                            carried_members, [p.zip_path for p in carried])
        bundle.manifest = {
            "target": {"airflow_version": target.airflow, "python_version": target.python,
                       "constraints_url": target.constraints_url},
            "tool_version": __version__,
            "files": sorted(rows, key=lambda r: r["path"]),
            "excluded": [e.to_json() for e in bundle.excluded],
        }
        (staging / MANIFEST).write_bytes(_dump_json(bundle.manifest))
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    bundle.checks = sorted(checks, key=lambda c: (-c.severity, c.code, c.path, c.message))
    return bundle


def apply_requirement_repairs(bundle: Bundle, repairs: Sequence[RequirementRepair]) -> None:
    """Write into the built bundle what verify found installs in place of the requirements.txt
    lines that do not (``airflow_env.RequirementRepair``s): MWAA installs the whole file or
    nothing, so one line no version of which installs would roll the environment back. The
    file says what changed and why, the manifest follows it, and each line gets a check: a
    version to review, or a package the DAGs that import it will miss."""
    if not repairs:
        return
    old = (bundle.out / REQUIREMENTS).read_bytes()
    data = apply_install_repairs(old.decode(), {r.line: (r.replacement, r.reason) for r in repairs}).encode()
    old_manifest = _dump_json(bundle.manifest)
    for row in bundle.manifest["files"]:
        if row["path"] == REQUIREMENTS:
            row.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    # Both or neither: a manifest that disagrees with the file it describes is a broken bundle.
    write_files(bundle.out, {REQUIREMENTS: (old, data), MANIFEST: (old_manifest, _dump_json(bundle.manifest))})
    bundle.checks += [repair_check(bundle.target, r.line, r.requirement, r.replacement, r.reason)
                      for r in repairs]
    bundle.checks.sort(key=lambda c: (-c.severity, c.code, c.path, c.message))


def repair_check(target: MwaaVersion, line: int, requirement: str, replacement: str | None,
                 reason: str) -> BundleCheck:
    """What a requirements.txt line moved to a version that installs, or removed, tells the user."""
    if replacement is None:
        return BundleCheck(
            Severity.ERROR, "requirement-removed",
            f"line {line}: no version of {mask(requirement)} installs with MWAA "
            f"{target.airflow}'s constraints ({mask(reason)}); removed, so the rest "
            "installs: the code importing it will not load until you ship a wheel that installs "
            "(package --private-network) or replace it", REQUIREMENTS)
    return BundleCheck(
        Severity.WARNING, "requirement-version-moved",
        f"line {line}: {mask(requirement)} does not install with MWAA "
        f"{target.airflow} ({mask(reason)}); {replacement} does: "
        "check the code against that version", REQUIREMENTS)


def requirements_with_fitting_companions(text: str, target: MwaaVersion,
                                         constraints: Constraints | None, checks: list[BundleCheck]) -> str:
    """``text`` with each exact pin whose own dependencies conflict with the constraints
    (``awscli==1.19.110`` pinning another botocore) moved to the newest release whose
    dependencies fit, read from the package index (:mod:`migrator.companion_pins`). Pins the
    index could not be asked about stay as they are, said in one check."""
    from migrator.companion_pins import companion_moves
    from migrator.package_index import PackageIndex

    moves, unchecked = companion_moves(text, target, constraints, PackageIndex())
    checks += [repair_check(target, m.line, m.requirement, m.replacement, m.reason) for m in moves]
    if unchecked:
        more = f" (+{len(unchecked) - 5} more)" if len(unchecked) > 5 else ""
        checks.append(BundleCheck(
            Severity.WARNING, "requirement-dependencies-unchecked",
            f"the package index could not say whether the dependencies of these pins fit MWAA "
            f"{target.airflow}'s constraints: {'; '.join(mask(u) for u in unchecked[:5])}{more}. "
            "A pin that itself pins a constrained package at another version (awscli pinning "
            "botocore) fails the whole install: run again with the index reachable, or check with "
            "pip install --dry-run -r requirements.txt -c <the target's constraints>", REQUIREMENTS))
    return apply_install_repairs(text, {m.line: (m.replacement, m.reason) for m in moves})


def _write_parts(bundle: Bundle, staging: Path, root: Path, workspace: Workspace, facts: ProjectFacts,
                 dag_shipped: list[Source], plugin_shipped: list[Source], ignore_paths: list[str],
                 target_config: dict[str, str], options: BundleOptions,
                 checks: list[BundleCheck], needs: _Needs, carried_members: list[ZipMember],
                 carried_paths: list[str]) -> list[dict[str, Any]]:
    target = bundle.target
    rows: list[dict[str, Any]] = []
    folders_made: set[str] = set()
    # The bundle this build replaces, whose unchanged files are linked rather than written.
    previous = str(bundle.out) if (bundle.out / MANIFEST).is_file() else None

    def put(rel: str, data: bytes, mode: int | None = None) -> None:
        path = os.path.join(staging, rel)
        folder = os.path.dirname(path)
        if folder not in folders_made:  # thousands of files share a few folders
            os.makedirs(folder, exist_ok=True)
            folders_made.add(folder)
        if not (previous and mode is not None
                and _link_unchanged(os.path.join(previous, rel), path, data, mode)):
            with open(path, "wb") as handle:
                handle.write(data)
            if mode is not None:
                os.chmod(path, mode)
        rows.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

    # dags/
    for source in dag_shipped:
        try:
            data = needs.content(source)
        except OSError as exc:
            raise BundleError(f"{root / source.src}: cannot read: {exc.strerror or exc}") from None
        put(f"{DAGS}/{source.dest}", data, 0o755 if source.executable else 0o644)
    if ignore_paths:
        header = [f"Generated by mwaa-migrator for Airflow {target.airflow}, "
                  + f"{bundle.ignore_syntax} syntax.",
                  "Modules the DAGs import and files they read: shipped, but not DAG files, so",
                  "the DAG processor skips them."]
        put(f"{DAGS}/{IGNORE_FILE}", render_ignore_file(ignore_paths, bundle.ignore_syntax,
                                                        header).encode())
    bundle.parts[DAGS + "/"] = f"{len(dag_shipped)} files from {', '.join(sorted({s.folder for s in dag_shipped})) or 'no DAG folder'}"

    # requirements.txt (+ wheels for a private network)
    requirements, how = fixed_requirements_text(facts, target)
    checks += unread_requirements(facts)
    isolated: list[IsolatedInstall] = []
    if requirements is not None:
        requirements = requirements_mwaa_can_use(requirements, options.private_network, checks)
        # After the indexes MWAA cannot reach are gone: the old name may come from none left.
        requirements = requirements_without_superseded(requirements, facts, checks)
        requirements, isolated = isolate_tools(requirements)
        for install in isolated:
            checks.append(BundleCheck(
                Severity.WARNING, "tool-isolated",
                f"{', '.join(mask(r) for r in install.requirements)}: installed by {STARTUP} into "
                f"${{AIRFLOW_HOME}}/{install.tool.venv}, not with Airflow ({install.tool.why}); "
                f"`{install.tool.executable}` is on PATH for tasks, but DAG code cannot import these "
                "packages", REQUIREMENTS))
        entry = facts.requirements.entry_files[0] if facts.requirements.entry_files else None
        constraints = facts.constraints_for(entry, target).constraints if entry else None
        requirements = requirements_with_fitting_companions(requirements, target, constraints, checks)
        blockers = install_blockers(requirements, target, constraints)
        if blockers and not options.allow_broken_requirements:
            more = f" (+{len(blockers) - 5} more)" if len(blockers) > 5 else ""
            raise BrokenRequirementsError(
                f"the bundle's requirements.txt would not install on MWAA {target.airflow}: "
                f"{'; '.join(mask(b) for b in blockers[:5])}{more}; fix them (migrator fix), or pass "
                "--allow-broken-requirements to write the bundle anyway")
        for blocker in blockers:
            checks.append(BundleCheck(Severity.ERROR, "requirements-do-not-install", mask(blocker), REQUIREMENTS))
    members = [ZipMember(s.dest, path=root / s.src, executable=s.executable)
               for s in plugin_shipped] + carried_members
    if options.private_network and requirements is not None:
        requirements, wheel_members = _private_network(bundle, staging, requirements, options,
                                                       workspace, checks)
        members += wheel_members
        how += "; installs offline from the wheels in plugins.zip"
    if requirements is not None:
        requirements = requirements_without_passwords(requirements, options.include_secret_options,
                                                      checks)
        put(REQUIREMENTS, requirements.encode())
        bundle.parts[REQUIREMENTS] = how

    # plugins.zip
    # Modules the plugins import, and the packages carried for the DAGs: not plugins, so the
    # plugin manager does not import them at start-up.
    plugin_ignores = [s.dest for s in plugin_shipped if s.ignored_by is not None
                      and s.dest.endswith(".py")] + carried_paths
    if plugin_ignores:
        members.append(ZipMember(IGNORE_FILE, data=render_ignore_file(
            plugin_ignores, bundle.ignore_syntax,
            [f"Generated by mwaa-migrator, {bundle.ignore_syntax} syntax: modules the plugins",
             "import, not plugins."]).encode()))
    if members:
        zip_path = staging / PLUGINS_ZIP
        member_rows = write_deterministic_zip(zip_path, members)
        data = zip_path.read_bytes()
        rows.append({"path": PLUGINS_ZIP, "sha256": hashlib.sha256(data).hexdigest(),
                     "size": len(data)})
        rows += member_rows
        bundle.parts[PLUGINS_ZIP] = (f"{len(plugin_shipped)} plugin files"
                                     + (f" + {', '.join(carried_paths)} (imported by the DAGs)"
                                        if carried_paths else "")
                                     + (f" + {len(bundle.wheels)} wheels" if bundle.wheels else ""))
        if len(data) > RECOMMENDED_MAX_BYTES:
            checks.append(BundleCheck(
                Severity.ERROR, "plugins-too-large",
                f"{PLUGINS_ZIP} is {len(data) / 1024**3:.2f} GB; MWAA extracts it while every "
                f"container starts and recommends staying under {PLUGINS_LIMIT.recommended_max_text} "
                f"(start-up times out after about {PLUGINS_LIMIT.start_up_limit_minutes:g} minutes "
                "and the update rolls back)", PLUGINS_ZIP))

    # startup.sh
    packages, variables = startup_inputs(facts, needs, target)
    lines, startup_checks = startup_lines(packages, variables, target, isolated)
    checks += startup_checks
    if lines:
        put(STARTUP, render_startup(lines, target).encode(), 0o755)
        bundle.parts[STARTUP] = (f"{len(packages)} OS package(s), "
                                 f"{sum(1 for line in lines if line.command.startswith('export'))}"
                                 " environment variable(s)"
                                 + "".join(f", the {i.tool.name} venv" for i in isolated))
        if options.private_network and packages:
            checks.append(BundleCheck(
                Severity.WARNING, "startup-needs-network",
                f"{STARTUP} installs OS packages with yum, which needs a route to the Amazon "
                "Linux repositories (an S3 gateway endpoint) on a private network", STARTUP))
        if options.private_network and isolated:
            checks.append(BundleCheck(
                Severity.WARNING, "startup-needs-network",
                f"{STARTUP} installs {', '.join(i.tool.name for i in isolated)} from PyPI into its own "
                "venv, which a private network cannot reach: point its pip at your repository "
                "(CodeArtifact) in that line", STARTUP))

    # mwaa-config.json
    options_map = dict(target_config)
    backend = secrets_backend_options(facts, options_map, target)
    options_map.update(backend)
    put(MWAA_CONFIG, _dump_json({"AirflowConfigurationOptions": dict(sorted(options_map.items()))}))
    bundle.parts[MWAA_CONFIG] = f"{len(options_map)} AirflowConfigurationOptions" + (
        " (with the Secrets Manager backend `migrator connections export` fills)" if backend
        else "")
    return rows


def _link_unchanged(previous: str, path: str, data: bytes, mode: int) -> bool:
    """Hard-link ``previous``, the same file in the bundle being replaced, to ``path`` when it
    holds ``data`` with ``mode`` and no other link shares it. Creating a file costs the
    filesystem far more than linking one (seconds for a 10,000-file bundle on a busy disk),
    and the old bundle only loses the name when it is removed after the swap."""
    try:
        info = os.lstat(previous)
        if (not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != mode
                or info.st_nlink != 1 or info.st_size != len(data)):
            return False
        with open(previous, "rb") as handle:
            if handle.read() != data:
                return False
        os.link(previous, path)
    except OSError:  # gone, unreadable, or a filesystem without hard links: write it
        return False
    return True


def _private_network(bundle: Bundle, staging: Path, requirements: str, options: BundleOptions,
                     workspace: Workspace, checks: list[BundleCheck]) -> tuple[str, list[ZipMember]]:
    from migrator.airflow_env import constraints_file, default_cache_dir

    target = bundle.target
    constraints_option = options.constraints or (
        Path(workspace.root / workspace.settings.constraints)
        if workspace.settings.constraints else None)
    # Raises an InputError naming --constraints FILE when the download fails.
    constraints = constraints_file(target, constraints_option, default_cache_dir())
    named, unnamed = requirement_lines(requirements)
    for line in unnamed:
        checks.append(BundleCheck(
            Severity.ERROR, "no-wheel-source",
            f"{mask_uri(line)} is not a package index requirement, so no wheel can be "
            "downloaded for it; build its wheel on the MWAA image, pass the folder with "
            "--find-links and require it by name", REQUIREMENTS))
    wanted = [line for name, line in named if not satisfied_by_image(name, line, target)]
    members: list[ZipMember] = []
    constraints_name = f"constraints-{target.airflow}-{target.python}.txt"
    members.append(ZipMember(constraints_name, data=constraints.read_bytes()))
    if wanted:
        with tempfile.TemporaryDirectory(dir=staging.parent, prefix=".wheels.") as scratch:
            wheels = download_wheels(target, wanted, Path(scratch), constraints,
                                     options.pip_command, options.pip_args)
            total = 0
            for wheel in wheels:
                data = wheel.read_bytes()
                total += len(data)
                members.append(ZipMember(wheel.name, data=data))
                bundle.wheels.append(wheel.name)
        if total > RECOMMENDED_MAX_BYTES:
            checks.append(BundleCheck(
                Severity.ERROR, "requirements-too-large",
                f"the requirements' wheels add up to {total / 1024**3:.2f} GB; MWAA recommends "
                f"under {REQUIREMENTS_LIMIT.recommended_max_text} (installation must finish "
                f"within about {REQUIREMENTS_LIMIT.start_up_limit_minutes:g} minutes)",
                REQUIREMENTS))
    return offline_requirements(requirements, constraints_name, target), members


def swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with renames, so readers never see a partial bundle."""
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{os.getpid()}{TEMP_SUFFIX}")
        os.replace(out, retired)
        try:
            os.replace(staging, out)
        except OSError:
            os.replace(retired, out)
            raise
        remove_tree(retired)
    else:
        os.replace(staging, out)


# Threads that remove a replaced output: an unlink waits on the filesystem with the GIL
# released, and unlinks in different folders do not wait on each other.
REMOVE_THREADS = 4


def remove_tree(path: Path) -> None:
    """``shutil.rmtree(path, ignore_errors=True)``, with the first level of subfolders that has
    enough of them to share out (``dags/<team>/`` in a bundle) removed by parallel threads."""
    folders = _subfolders(path)
    for _ in range(3):  # bundle/dags/<team>/ in a migrate output is three levels down
        if len(folders) >= 2 * REMOVE_THREADS:
            break
        deeper = [sub for folder in folders for sub in _subfolders(folder)]
        if not deeper:
            break
        folders = deeper
    if len(folders) > 1:
        with ThreadPoolExecutor(REMOVE_THREADS) as pool:
            for _ in pool.map(partial(shutil.rmtree, ignore_errors=True), folders):
                pass
    shutil.rmtree(path, ignore_errors=True)  # what is left: files and folders higher up


def _subfolders(path: str | Path) -> list[str]:
    """Folders directly in ``path``; symlinks are not followed (rmtree removes the link)."""
    try:
        with os.scandir(path) as entries:
            return [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


# -- checks -----------------------------------------------------------------------------------------


def _check_clashes(sources: list[Source]) -> None:
    by_dest: dict[str, Source] = {}
    by_module: dict[str, Source] = {}
    for source in sources:
        other = by_dest.get(source.dest)
        if other is not None and other.folder != source.folder:
            raise BundleError(f"DAG folders clash: {other.src} and {source.src} would both be "
                              f"dags/{source.dest}; rename one of them")
        by_dest.setdefault(source.dest, source)
        if source.is_python:
            name = module_name(source.dest)
            other = by_module.get(name)
            if other is not None and other.folder != source.folder:
                raise BundleError(f"DAG folders clash: {other.src} and {source.src} would both "
                                  f"be the module {name!r} in dags/; rename one of them")
            by_module.setdefault(name, source)


def _why_needed(source: Source, needs: _Needs) -> str:
    importer = needs.imported_by.get(source.src)
    if importer:
        return f"{importer} imports it"
    return "a shipped module names it"


def _excluded_but_needed(root: Path, shipped: list[Source], excluded: list[Excluded],
                         needs: _Needs, dag_folders: list[str], plugins_folder: str | None
                         ) -> list[BundleCheck]:
    """Excluded files that shipped code imports (an error) or names (a warning)."""
    checks: list[BundleCheck] = []
    reasons = {e.path: e.reason for e in excluded}
    bases = [*dag_folders, *([plugins_folder] if plugins_folder else [])]
    # Only names whose first part is a file or folder at the top of a DAG or plugins folder
    # can be local; everything else (airflow, pandas, ...) is skipped without a look.
    tops = {entry.split(".", 1)[0] for base in bases for entry in _listdir(root / base)}
    shipped_modules = set(needs.module_index)
    verdicts: dict[str, tuple[str, str] | None] = {}
    for source in shipped:
        if not source.is_python:
            continue
        for qualname in needs.imports_of(source):
            parts = qualname.split(".")
            if parts[0] not in tops:
                continue
            for n in range(1, len(parts) + 1):
                name = ".".join(parts[:n])
                if name in shipped_modules:
                    continue
                if name not in verdicts:
                    verdicts[name] = _excluded_module(name, bases, reasons)
                hit = verdicts[name]
                if hit:
                    path, reason = hit
                    checks.append(BundleCheck(
                        Severity.ERROR, "excluded-but-imported",
                        f"imports {name}, but {path} is not in the bundle ({reason}); the import "
                        "fails on MWAA", source.src))
                    break
    for item in excluded:
        if item.path.endswith("/") or item.reason.startswith(_HARMLESS_TO_NAME):
            continue
        base = PurePosixPath(item.path).name
        if base in needs.words and not _is_test_module(base):
            user = next((src for src, text in needs.texts.items() if base in text), "")
            checks.append(BundleCheck(
                Severity.WARNING, "excluded-but-named",
                f"names {base}, which is not in the bundle ({item.reason}); on MWAA it will not "
                "exist" + (": store secrets in Secrets Manager or as configuration"
                           if "secret" in item.reason or "credential" in item.reason
                           or "key" in item.reason or "environment" in item.reason else ""),
                user))
    return sorted(set(checks), key=lambda c: (c.path, c.message))


# Excluded files whose absence on MWAA is expected even when code mentions them.
_HARMLESS_TO_NAME = ("compiled Python", "editor, OS", "requirements file", "project settings",
                     "docker-compose", "Dockerfile", "container entrypoint", "replaced by the",
                     "test module", "start-up script", "OS package list")


# Files a task reads at run time (templates, queries, scripts, small configs).
_DATA_SUFFIXES = (".sql", ".hql", ".sh", ".j2", ".jinja", ".jinja2", ".tpl", ".yaml", ".yml",
                  ".json", ".csv", ".tsv", ".txt", ".html", ".py", ".r")


def _named_outside(root: Path, workspace: Workspace, needs: _Needs, folders: list[str | None],
                   out: Path) -> list[BundleCheck]:
    """Files outside the DAG and plugins folders that shipped code names: MWAA only has what
    is in dags/ and plugins.zip (an Astro ``include/`` folder, a top-level ``sql/``)."""
    roots = {f for f in folders if f}
    if "." in roots:
        return []  # the whole project is the DAG folder
    known = {*workspace.requirement_files, *workspace.airflow_cfgs, *workspace.env_files,
             *workspace.compose_files, *workspace.dockerfiles, *workspace.entrypoints,
             *workspace.connection_exports, *workspace.startup_scripts,
             *workspace.os_package_lists, "pyproject.toml", ".migrator.toml", "setup.py"}
    skip_dirs = _VCS_DIRS | _CACHE_DIRS | _TOOL_DIRS | _CREDENTIAL_DIRS | _TEST_DIRS
    try:
        out_rel = out.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        out_rel = None
    outside: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in skip_dirs and _join(rel_dir, d) not in roots and _join(rel_dir, d) != out_rel
            and not d.startswith("."))
        outside += [_join(rel_dir, f) for f in sorted(filenames)
                    if f.lower().endswith(_DATA_SUFFIXES) and _join(rel_dir, f) not in known
                    and not f.startswith(".")]
    checks = []
    for rel in outside:
        name = PurePosixPath(rel).name
        if name in needs.words:
            user = next((src for src, text in needs.texts.items() if name in text), "")
            checks.append(BundleCheck(
                Severity.WARNING, "outside-dag-folder",
                f"names {name}; the project's {rel} is outside the DAG and plugins folders, so "
                "it is not in the bundle: move it under the DAG folder (MWAA has only dags/ "
                "and plugins.zip)", user))
    return checks


def carry_outside_packages(root: Path, workspace: Workspace, shipped: list[Source], needs: _Needs,
                           target: MwaaVersion, facts: ProjectFacts, checks: list[BundleCheck],
                           imported: frozenset[str]) -> tuple[list[OutsidePackage], list[ZipMember]]:
    """Packages and modules outside the DAG and plugins folders that shipped code imports (an
    Astro ``include/``, a company package at the top or under ``src/``), as plugins.zip members
    at its root: MWAA has only dags/ and the plugins folder on ``sys.path``, so there the same
    imports resolve unchanged. Followed transitively (a carried package importing another)."""
    plugins = workspace.plugins_folder
    installed = frozenset(image_packages(target)) | {canonicalize_name(n) for n in facts.requirements.names()}
    carried, files = carried_packages(
        root, workspace.dag_folders, plugins, {s.src: needs.imports_of(s) for s in shipped if s.is_python},
        set(needs.top_names), installed,
        lambda package: _package_files(root, package, [*workspace.dag_folders, plugins], imported))
    for package in carried:
        shown = ", ".join(package.importers[:2]) + (f" +{len(package.importers) - 2} more"
                                                     if len(package.importers) > 2 else "")
        checks.append(BundleCheck(
            Severity.INFO, "carried-into-plugins",
            f"{package.source} is outside the DAG and plugins folders but {shown} import "
            f"{package.name}: carried into {PLUGINS_ZIP} as {package.zip_path}, where MWAA's "
            "sys.path finds it", package.source))
    return carried, [ZipMember(dest, path=root / src) for src, dest in files]


def _package_files(root: Path, package: OutsidePackage, skip: list[str | None],
                   imported: frozenset[str]) -> list[tuple[str, str]]:
    """(project path, plugins.zip path) of the files of a carried package: what a bundle would
    ship of a folder (no tests, caches, secrets; a test-named module the code imports ships),
    minus the DAG and plugins folders inside it."""
    if not package.is_package:
        return [(package.source, package.zip_path)]
    inside = {f.rstrip("/") for f in skip if f}
    files = []
    for dirpath, dirnames, filenames in os.walk(root / package.source, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        dirnames[:] = sorted(d for d in dirnames if _join(rel_dir, d) not in inside
                             and folder_exclusion(d, os.path.join(dirpath, d)) is None)
        for name in sorted(filenames):
            src = _join(rel_dir, name)
            member = package.name + "/" + src[len(package.source) + 1:]
            exclusion = file_exclusion(name, os.path.join(dirpath, name))
            if _imported_test_module(exclusion, member[:-3].replace("/", "."), imported):
                exclusion = None
            if exclusion is None and _is_regular_file(root / src):
                files.append((src, member))
    return files


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _excluded_module(name: str, bases: list[str], reasons: dict[str, str]
                     ) -> tuple[str, str] | None:
    """(path, reason) when the module ``name`` is a file the bundle leaves out."""
    relative = name.replace(".", "/")
    for base in bases:
        for candidate in (f"{relative}.py", f"{relative}/__init__.py"):
            path = _join(base, candidate)
            if path in reasons:
                return path, reasons[path]
            folder = path
            while "/" in folder:  # the file's folders, innermost first
                folder = folder.rsplit("/", 1)[0]
                if folder + "/" in reasons:
                    return path, reasons[folder + "/"]
    return None


def _not_dag_files(shipped: list[Source], summaries: dict[str, ModuleSummary],
                   needs: _Needs) -> set[str]:
    """Dest paths of shipped Python files the DAG processor should skip: files .airflowignore
    matched (kept only because a DAG needs them) and modules other modules import that define
    no DAG. A file that defines no DAG but nobody imports stays parseable: it may build DAGs in
    ways static analysis cannot see."""
    skip = set()
    for source in shipped:
        if not source.is_python:
            continue
        if source.ignored_by is not None:
            skip.add(source.dest)
            continue
        summary = summaries.get(source.src)
        if (summary is not None and summary.problem is None and summary.dag_count == 0
                and source.src in needs.imported_by):
            skip.add(source.dest)
    return skip


def _capacity_checks(count: DagCount, environment_class: str | None,
                     sizing: Mapping[str, Any] | None) -> list[BundleCheck]:
    name = environment_class
    if name is None and sizing is not None:
        recommendation = sizing.get("recommendation") if isinstance(sizing, dict) else None
        name = (recommendation or {}).get("environment_class")
    dags, counted = count.dags, dags_text(count.dags, count.at_least)
    if name is None:
        fitting = next((c for c in environment_classes() if dags <= c.dag_capacity), None)
        if fitting is None:
            return [BundleCheck(Severity.ERROR, "dag-capacity",
                                f"{counted} exceed the capacity of every MWAA class "
                                f"(largest: {environment_classes()[-1].dag_capacity})")]
        return []
    try:
        cls = get_environment_class(name)
    except KeyError as exc:
        raise InputError(str(exc).strip("'\"")) from None
    if dags > cls.dag_capacity:
        return [BundleCheck(Severity.ERROR, "dag-capacity",
                            f"{counted} exceed {cls.name}'s capacity of "
                            f"{cls.dag_capacity}; choose a larger class or fewer DAGs")]
    if dags > cls.dag_capacity * DAG_CAPACITY_COMFORT:
        return [BundleCheck(Severity.WARNING, "dag-capacity",
                            f"{counted} are over half of {cls.name}'s capacity of "
                            f"{cls.dag_capacity}; MWAA advises staying under half, or the "
                            "scheduler overloads")]
    return []

