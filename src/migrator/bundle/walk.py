"""Which files of the DAG and plugins folders may ship: what never goes into a bundle (caches,
tests, credentials), the project's own .airflowignore and ``[tool.migrator] exclude``, and the
workspace sources the bundle replaces with generated parts."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pathspec

from migrator.airflowignore import (
    IGNORE_FILE,
    AirflowIgnore,
    IgnoreRule,
    IgnoreWarning,
    Syntax,
    load_rules,
)
from migrator.analysis.credential_files import describe, detect_file
from migrator.bundle.model import BundleError, Excluded, Source
from migrator.bundle.needs import module_name
from migrator.safe_write import TEMP_SUFFIX
from migrator.workspace import LEFTOVER_REASON, printable_path, unusable_name_reason

if TYPE_CHECKING:
    from migrator.project import ModuleSummary
    from migrator.workspace import Workspace


_VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
_CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                         ".ipynb_checkpoints", ".migrator-cache", ".tox", ".nox", ".hypothesis"})
_TOOL_DIRS = frozenset({".venv", "venv", "node_modules", ".idea", ".vscode", "site-packages"})
_CREDENTIAL_DIRS = frozenset({".aws", ".ssh", ".gnupg", ".docker", ".kube", ".azure", ".gcloud"})
_TEST_DIRS = frozenset({"tests", "test"})
# Folders no bundle ships from, wherever they are: what a search for files the code names skips.
UNSHIPPED_FOLDERS = _VCS_DIRS | _CACHE_DIRS | _TOOL_DIRS | _CREDENTIAL_DIRS | _TEST_DIRS
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


@dataclass(frozen=True)
class Exclusion:
    reason: str
    sensitive: bool = False  # may hold secrets or is test code: only --include brings it back


TEST_MODULE_REASON = "test module"


def is_test_module(name: str) -> bool:
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")
                                     or name == "conftest.py")


def imported_by_code(summaries: Mapping[str, ModuleSummary]) -> frozenset[str]:
    """Every dotted name (and each of its prefixes) that a module other than a test imports: a
    ``test_*.py`` module among them is code the DAGs need (``datasources/test_datasources.py``),
    not a test, and ships."""
    names: set[str] = set()
    for path, summary in summaries.items():
        parts = PurePosixPath(path).parts
        if is_test_module(parts[-1]) or _TEST_DIRS.intersection(parts[:-1]):
            continue
        for qualname in summary.imports:
            pieces = qualname.split(".")
            names.update(".".join(pieces[:n]) for n in range(1, len(pieces) + 1))
    return frozenset(names)


def imported_test_module(exclusion: Exclusion | None, module: str, imported: frozenset[str],
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
            or is_regular_file(os.path.join(path, "pyvenv.cfg"))):
        return Exclusion("virtualenv, dependency or editor folder")
    if name in _CREDENTIAL_DIRS:
        return Exclusion("credentials folder", sensitive=True)
    if name in _TEST_DIRS:
        return Exclusion("test folder", sensitive=True)
    return None


def is_regular_file(path: str) -> bool:
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
    if is_test_module(name):
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


@dataclass
class Walk:
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
                path_spec(self.include_patterns).match_file(rel):
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
            self.excluded.append(Excluded(join_path(folder, rel_dir) + "/",
                                          f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            project_rel = join_path(folder, rel)
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
            if imported_test_module(exclusion, rel[:-3].replace("/", "."), self.imported, folder):
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


def join_path(folder: str, rel: str) -> str:
    if folder in ("", "."):
        return rel
    return f"{folder}/{rel}" if rel else folder


def _matching_pattern(patterns: tuple[str, ...], rel: str) -> str:
    """The first of ``patterns`` that matches ``rel`` (to name it in a message)."""
    return next((p for p in patterns if path_spec([p]).match_file(rel)), "--include")


def path_spec(patterns: Iterable[str]) -> pathspec.PathSpec:
    """gitignore-style patterns (as in ``[tool.migrator] exclude``), matched on project paths."""
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def dedupe_folders(folders: Iterable[str]) -> list[str]:
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


def special_paths(workspace: Workspace, out: Path, root: Path) -> dict[str, str]:
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


def check_clashes(sources: list[Source]) -> None:
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
