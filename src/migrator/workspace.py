"""Workspace discovery: find every part of an Airflow project the way a migration engineer would.

DAG folders come from, in order: ``[tool.migrator] dags``; airflow.cfg ``dags_folder``;
docker-compose volumes mounted at ``/opt/airflow/dags`` or ``/usr/local/airflow/dags``; folders
named ``dags`` (``dags/``, ``src/dags/``, ``<pkg>/dags/``); and, when none exists, by content:
the root when a file at the top builds a DAG, else each top-level folder holding files that
build DAGs (1.x-era repos keep them in ``etl/``, ``poc/``, ...). Test fixtures (a ``dags/``
under ``tests/``) are never DAG folders. A repo can have several DAG folders; DAG folders that
belong to different deployments (each beside its own compose file, Dockerfile or airflow.cfg)
make the repository a collection of projects, an input error naming each one. Python files that
import Airflow with none of them analysed is an input error too, never an empty, passing scan.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from stat import S_ISLNK, S_ISREG

import pathspec
import yaml

from migrator.analysis import yamlparse
from migrator.analysis.source import Problem, read_text
from migrator.config import Settings
from migrator.errors import InputError
from migrator.safe_write import TEMP_SUFFIX

# Why a temp file or staging folder of this tool (``TEMP_SUFFIX``) is neither analysed nor shipped.
LEFTOVER_REASON = "left by an interrupted migrator run"
# Folders no Airflow project wants scanned.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", ".eggs", "site-packages",
    ".migrator-cache", ".idea", ".vscode",
})
# Of those, the folders packaging tools write (``python -m build``, setuptools): a folder of that
# name holding an ``__init__.py`` is a package of the project's own code (a team named "dist"),
# which the bundle ships and MWAA parses, so it is scanned like any other.
PACKAGING_OUTPUT_DIRS = frozenset({"build", "dist"})
CONTAINER_DAG_DIRS = ("/opt/airflow/dags", "/usr/local/airflow/dags")
CONTAINER_PLUGIN_DIRS = ("/opt/airflow/plugins", "/usr/local/airflow/plugins")
MAX_DAG_FOLDER_DEPTH = 3

_REQUIREMENTS = re.compile(r"^(requirements|constraints)[\w.-]*\.(txt|in)$", re.IGNORECASE)
# Any .txt/.in file of a folder named requirements/ (base.txt, production.txt, dev.in: the
# cookiecutter and pip-tools layouts); which of them MWAA gets is the requirements analysis's call.
_REQUIREMENTS_FOLDER = "requirements"
_REQUIREMENTS_FOLDER_FILE = re.compile(r"^[\w.-]+\.(txt|in)$", re.IGNORECASE)
_COMPOSE = re.compile(r"^(docker-)?compose[\w.-]*\.ya?ml$", re.IGNORECASE)
_DOCKERFILE = re.compile(r"^(Dockerfile[\w.-]*|[\w.-]+\.Dockerfile)$")
_ENTRYPOINT = re.compile(r"^(entrypoint|docker-entrypoint|init|bootstrap)[\w.-]*\.sh$", re.IGNORECASE)
_STARTUP = re.compile(r"^startup[\w.-]*\.sh$", re.IGNORECASE)
_CONN_EXPORT = re.compile(r"^(connections|variables|pools)[\w.-]*\.(json|ya?ml|env)$", re.IGNORECASE)
# Pools kept as a ``pool_name,slots`` table (what teams feed to a setup script): read only when
# its header says so, and shipped like any data file (it holds no credentials).
_POOL_TABLE = re.compile(r"^pools[\w.-]*\.csv$", re.IGNORECASE)
# `airflow connections|variables export` JSON named for its project or stage, in any folder
# (dag-variables.json, airflow_variables_prod.json, airflow_var/conn.json); read only when
# shaped like an export.
NAMED_EXPORT = re.compile(r"^(?:[\w-]*[_.-])?(connections?|conns?|variables?|vars?|pools?)(?:[_.-][\w.-]*)?\.json$",
                          re.IGNORECASE)
# Configuration of test and CI runs (tox, nox, pytest, GitHub Actions, GitLab CI, Travis, CircleCI).
_TEST_RUN_CONFIG = re.compile(r"^(tox\.ini|noxfile\.py|pytest\.ini|\.gitlab-ci\.ya?ml|\.travis\.ya?ml)$")
_TEST_RUN_FOLDERS = (".github/workflows", ".circleci")
_OS_PACKAGES = re.compile(r"^(packages|apt|apt-packages|system-packages|bindep)\.txt$", re.IGNORECASE)
_DAG_MARKERS = (b"DAG(", b"@dag", b"models.DAG", b"import DAG")
_AIRFLOW_IMPORT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+airflow\b", re.MULTILINE)


@dataclass
class Workspace:
    root: Path
    settings: Settings
    dag_folders: list[str] = field(default_factory=list)  # POSIX, relative to root ("." = root)
    plugins_folder: str | None = None
    python_files: list[str] = field(default_factory=list)  # DAG folders + plugins, sorted
    # Every other non-test .py file of the repo: candidates for helper modules DAGs import from
    # outside the DAG and plugins folders (an Astro-style include/, a src/ package).
    other_python_files: frozenset[str] = frozenset()
    # Python files named like tests (``test_*.py``) outside test folders: a test, unless code
    # imports it (``test_verification.py`` holding helpers), when it is code the bundle ships.
    test_named_files: frozenset[str] = frozenset()
    requirement_files: list[str] = field(default_factory=list)
    airflow_cfgs: list[str] = field(default_factory=list)
    env_files: list[str] = field(default_factory=list)  # .env*
    compose_files: list[str] = field(default_factory=list)
    dockerfiles: list[str] = field(default_factory=list)
    entrypoints: list[str] = field(default_factory=list)
    connection_exports: list[str] = field(default_factory=list)
    pool_tables: list[str] = field(default_factory=list)  # pools*.csv
    airflowignores: list[str] = field(default_factory=list)
    startup_scripts: list[str] = field(default_factory=list)
    os_package_lists: list[str] = field(default_factory=list)
    test_run_configs: list[str] = field(default_factory=list)  # tox.ini, CI workflows
    # The other files of the DAG and plugins folders (outside test folders): what a bundle
    # carries besides code.
    data_files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def path(self, rel: str) -> Path:
        return self.root / rel

    @property
    def leftovers(self) -> list[str]:
        """Temp files and folders killed runs of this tool left (named ``*TEMP_SUFFIX``)."""
        return [path for path, reason in self.skipped if reason == LEFTOVER_REASON]

    def sources(self) -> dict[str, list[str]]:
        """Every discovered source by kind (the JSON inventory's ``sources``)."""
        return {
            "dag_folders": self.dag_folders,
            "plugins_folder": [self.plugins_folder] if self.plugins_folder else [],
            "requirements": self.requirement_files,
            "airflow_cfg": self.airflow_cfgs,
            "env_files": self.env_files,
            "docker_compose": self.compose_files,
            "dockerfiles": self.dockerfiles,
            "entrypoint_scripts": self.entrypoints,
            "connection_exports": self.connection_exports,
            "pool_tables": self.pool_tables,
            "airflowignore": self.airflowignores,
            "startup_scripts": self.startup_scripts,
            "os_package_lists": self.os_package_lists,
        }

    def files_for_imports(self, qualnames: list[str] | set[str]) -> list[str]:
        """Repo files outside the DAG/plugins folders that these imported names live in.

        ``include.helpers.clean`` is looked up as ``include/helpers/clean.py``, then
        ``include/helpers.py``, ``include/helpers/__init__.py`` and so on, also under ``src/``.
        A test-named module is found there and in the DAG and plugins folders: imported by code,
        it is code (the scan reads only non-test files, so every importer here is code).
        """
        found: set[str] = set()
        test_bases = ["", "src/", *(f"{r}/" for r in self._import_roots if r != ".")]
        for qualname in qualnames:
            parts = qualname.split(".")
            for end in range(len(parts), 0, -1):
                stem = "/".join(parts[:end])
                hits = [c for base in ("", "src/") for c in (f"{base}{stem}.py", f"{base}{stem}/__init__.py")
                        if c in self.other_python_files]
                hits += [f"{base}{stem}.py" for base in test_bases
                         if f"{base}{stem}.py" in self.test_named_files]
                if hits:
                    found.update(hits)
                    break
        return sorted(found)

    def module_name(self, rel: str) -> str:
        """Dotted module name of a Python file as its DAG folder or plugins folder imports it."""
        best = None
        for folder in self._import_roots:
            if folder == ".":
                candidate = rel
            elif rel.startswith(folder + "/"):
                candidate = rel[len(folder) + 1:]
            else:
                continue
            if best is None or candidate.count("/") < best.count("/"):
                best = candidate
        parts = (best or rel).removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        if best is None and parts and parts[0] == "src":
            parts.pop(0)  # a src/ layout imports without the "src." prefix
        return ".".join(parts)

    @property
    def _import_roots(self) -> list[str]:
        roots = [*self.dag_folders, *([self.plugins_folder] if self.plugins_folder else [])]
        return [r.rstrip("/") for r in roots]


# Control characters in a name (a newline, an escape) would split or rewrite report lines,
# diff headers and generated .airflowignore lines.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def unusable_name_reason(name: str) -> str | None:
    """Why a file or folder name cannot be carried through reports and S3, or None.

    A name that is not UTF-8 reaches Python with surrogate escapes: it can be neither printed,
    nor written to JSON, nor used as an S3 object key (which must be UTF-8).
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8 (S3 object keys and reports need UTF-8)"
    if _CONTROL_CHARACTERS.search(name):
        return "name contains control characters (a newline, a tab, an escape)"
    return None


def printable_path(rel: str) -> str:
    """``rel`` with undecodable bytes and control characters escaped, safe on one report line."""
    text = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL_CHARACTERS.sub(lambda m: repr(m.group(0))[1:-1], text)


def _walk(root: Path, excluded: pathspec.PathSpec, skipped: list[tuple[str, str]]):
    """Yield (relative POSIX path, file name) of files under root, never leaving it or looping.
    On strings and one lstat per file: a project has tens of thousands of files."""
    real_root = root.resolve()
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=None):
        current = Path(dirpath)
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        try:
            stat = os.stat(dirpath)
            if (stat.st_dev, stat.st_ino) in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add((stat.st_dev, stat.st_ino))
        except OSError:
            dirnames[:] = []
            continue
        kept = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir != "." else name
            full = current / name
            if ((name in SKIP_DIRS and not _is_code_package(name, full)) or name.endswith(".egg-info")
                    or excluded.match_file(rel + "/")):
                continue
            unusable = unusable_name_reason(name)
            if unusable:
                skipped.append((printable_path(rel), f"folder {unusable}"))
                continue
            if name.endswith(TEMP_SUFFIX):
                skipped.append((rel, LEFTOVER_REASON))
                continue
            if full.is_symlink():
                skipped.append((rel, "symlinked folder not followed"))
                continue
            if not os.access(full, os.R_OK | os.X_OK):
                skipped.append((rel, "folder is not readable"))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir != "." else name
            if excluded.match_file(rel):
                continue
            unusable = unusable_name_reason(name)
            if unusable:
                skipped.append((printable_path(rel), f"file {unusable}"))
                continue
            if name.endswith(TEMP_SUFFIX):
                skipped.append((rel, LEFTOVER_REASON))
                continue
            full = os.path.join(dirpath, name)
            try:
                mode = os.lstat(full).st_mode
            except OSError:
                mode = 0
            if S_ISLNK(mode):
                try:
                    target = Path(full).resolve(strict=True)
                except (OSError, RuntimeError):
                    skipped.append((rel, "broken or looping symlink"))
                    continue
                if real_root not in target.parents:
                    skipped.append((rel, "symlink points outside the project"))
                    continue
                regular = os.path.isfile(full)
            else:
                regular = S_ISREG(mode)
            if not regular:  # FIFOs, sockets, devices: reading them could block forever
                skipped.append((rel, "not a regular file"))
                continue
            yield rel, name


def _is_code_package(name: str, path: Path) -> bool:
    """Whether the folder ``name`` (a packaging tool's output name) is a package of code; an
    unreadable one is not (it stays skipped, as before)."""
    try:
        return name in PACKAGING_OUTPUT_DIRS and (path / "__init__.py").is_file()
    except OSError:
        return False


def _map_container_path(value: str, root: Path, container_dirs: tuple[str, ...]) -> str | None:
    """Map an absolute path from airflow.cfg or compose onto a folder inside the project."""
    value = value.strip().strip("'\"")
    if not value:
        return None
    if not value.startswith("/") and (root / value).is_dir():
        return PurePosixPath(value).as_posix()
    parts = PurePosixPath(value).parts
    # Try ever shorter tails: /opt/airflow/dags -> airflow/dags -> dags.
    for start in range(1, len(parts)):
        tail = PurePosixPath(*parts[start:])
        if (root / tail).is_dir():
            return tail.as_posix()
    return None


def _cfg_folders(root: Path, cfg: str) -> tuple[str | None, str | None]:
    # Imported here: the config analysis reads env sources, which import this module.
    from migrator.analysis.config import parse_airflow_cfg

    source = read_text(root / cfg)
    if isinstance(source, Problem):
        return None, None  # reported by the config analysis, which names the problem
    # Lines the parser cannot read are reported by the config analysis; the options around
    # them still count (configparser would give up on the whole file).
    try:
        options = {entry.option: entry.value for entry in parse_airflow_cfg(source.text, cfg)[0]}
    except Exception:  # noqa: BLE001 - a parser defect: the config analysis reports it (MIG006)
        return None, None
    dags = options.get("core.dags_folder", "")
    plugins = options.get("core.plugins_folder", "")
    dags = dags.replace("{AIRFLOW_HOME}", "").replace("$AIRFLOW_HOME", "")
    return (_map_container_path(dags, root, CONTAINER_DAG_DIRS) if dags else None,
            _map_container_path(plugins, root, CONTAINER_PLUGIN_DIRS) if plugins else None)


# Keys only a service definition has. A compose file in the v1 format has no ``services:``
# (and no ``version:``): its top-level keys are the services, told apart from other top-level
# mappings by these keys.
COMPOSE_SERVICE_KEYS = frozenset({"image", "build", "command", "entrypoint", "environment", "env_file",
                                  "volumes", "ports", "links", "depends_on", "container_name"})


def is_v1_compose_service(name: str, keys) -> bool:
    """Whether a top-level entry ``name`` with mapping ``keys`` is a v1-format compose service."""
    return not name.startswith("x-") and not COMPOSE_SERVICE_KEYS.isdisjoint(keys)


def compose_services(document: object) -> dict:
    """{name: service mapping} of a parsed compose document, in the current or the v1 format."""
    if not isinstance(document, dict):
        return {}
    if "services" in document or "version" in document:
        services = document.get("services")
        return services if isinstance(services, dict) else {}
    return {name: service for name, service in document.items()
            if isinstance(service, dict) and is_v1_compose_service(str(name), service)}


def compose_volumes(document: object) -> list[tuple[str, str]]:
    """(host, container) pairs of every service volume in a parsed compose document."""
    pairs: list[tuple[str, str]] = []
    for service in compose_services(document).values():
        volumes = service.get("volumes", []) if isinstance(service, dict) else []
        for volume in volumes if isinstance(volumes, list) else []:
            if isinstance(volume, str) and ":" in volume:
                host, _, rest = volume.partition(":")
                pairs.append((host, rest.split(":", 1)[0]))
            elif isinstance(volume, dict) and volume.get("source") and volume.get("target"):
                pairs.append((str(volume["source"]), str(volume["target"])))
    return pairs


def _compose_folders(root: Path, compose: str) -> tuple[list[str], str | None]:
    source = read_text(root / compose)
    try:
        document = None if isinstance(source, Problem) else yamlparse.safe_load(source.text)
    except yaml.YAMLError:
        document = None
    if document is None:
        return [], None  # reported by the env analysis, which names the problem
    dags, plugins = [], None
    base = (root / compose).parent
    for host, container in compose_volumes(document):
        host_dir = (base / host.replace("${AIRFLOW_PROJ_DIR:-.}", ".")).resolve()
        try:
            rel = host_dir.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        if not host_dir.is_dir():
            continue
        container = container.rstrip("/")
        if container in CONTAINER_DAG_DIRS:
            dags.append(rel)
        elif container in CONTAINER_PLUGIN_DIRS:
            plugins = rel
    return dags, plugins


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(200_000)
    except OSError:
        return b""


def _imports_airflow(path: Path) -> bool:
    return _AIRFLOW_IMPORT.search(_head(path)) is not None


def _looks_like_dag_file(path: Path) -> bool:
    head = _head(path)
    return _AIRFLOW_IMPORT.search(head) is not None and any(marker in head for marker in _DAG_MARKERS)


def discover(root: Path, settings: Settings) -> Workspace:
    if not root.exists():
        raise InputError(f"{root}: no such directory")
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise InputError(f"{root}: directory is not readable")
    ws = Workspace(root=root, settings=settings)
    excluded = pathspec.GitIgnoreSpec.from_lines(settings.exclude)
    files = list(_walk(root, excluded, ws.skipped))

    dag_candidates: list[str] = []
    dag_named: list[str] = []
    py_files: list[str] = []
    for rel, name in files:
        folder = rel.rpartition("/")[0]  # "" at the root
        folder_name = folder.rpartition("/")[2]
        if name.endswith(".py"):
            py_files.append(rel)
        if _REQUIREMENTS.match(name) or (folder_name.lower() == _REQUIREMENTS_FOLDER
                                         and _REQUIREMENTS_FOLDER_FILE.match(name)):
            ws.requirement_files.append(rel)
        elif name == "airflow.cfg":
            ws.airflow_cfgs.append(rel)
        elif name.startswith(".env") and not name.endswith((".example", ".sample", ".template")):
            ws.env_files.append(rel)
        elif _COMPOSE.match(name):
            ws.compose_files.append(rel)
        elif _DOCKERFILE.match(name):
            ws.dockerfiles.append(rel)
        elif _STARTUP.match(name):
            ws.startup_scripts.append(rel)
        elif _ENTRYPOINT.match(name):
            ws.entrypoints.append(rel)
        elif _CONN_EXPORT.match(name) or NAMED_EXPORT.match(name) \
                or name in ("airflow_settings.yaml", "airflow_settings.yml"):
            ws.connection_exports.append(rel)
        elif _POOL_TABLE.match(name):
            ws.pool_tables.append(rel)
        elif name == ".airflowignore":
            ws.airflowignores.append(rel)
        elif _OS_PACKAGES.match(name):
            ws.os_package_lists.append(rel)
        elif _TEST_RUN_CONFIG.match(name) or folder in _TEST_RUN_FOLDERS:
            ws.test_run_configs.append(rel)
        if folder_name == "dags" and folder.count("/") + 1 <= MAX_DAG_FOLDER_DEPTH:
            dag_named.append(folder)

    # Explicit settings win; otherwise every signal adds folders.
    if settings.dags:
        for folder in settings.dags:
            _check_configured_folder(root, folder, "DAG folder", settings)
        dag_candidates = [PurePosixPath(f).as_posix() for f in settings.dags]
    else:
        for cfg in ws.airflow_cfgs:
            dags, plugins = _cfg_folders(root, cfg)
            dag_candidates += [dags] if dags else []
            ws.plugins_folder = ws.plugins_folder or plugins
        for compose in ws.compose_files:
            dags, plugins = _compose_folders(root, compose)
            dag_candidates += dags
            ws.plugins_folder = ws.plugins_folder or plugins
        dag_candidates += dag_named
        dag_candidates = [folder for folder in dag_candidates if not _in_test_folder(folder)]
        if not dag_candidates:
            dag_candidates = _dag_folders_by_content(root, py_files)
        _check_one_project(root, dag_candidates, files)
    ws.dag_folders = sorted(dict.fromkeys(dag_candidates))

    if settings.plugins:
        _check_configured_folder(root, settings.plugins, "plugins folder", settings)
        ws.plugins_folder = PurePosixPath(settings.plugins).as_posix()
    elif ws.plugins_folder is None and (root / "plugins").is_dir():
        ws.plugins_folder = "plugins"

    roots = [*ws.dag_folders, *([ws.plugins_folder] if ws.plugins_folder else [])]

    def in_roots(rel: str) -> bool:
        return any(r == "." or rel.startswith(r.rstrip("/") + "/") for r in roots)

    test_files = {rel for rel in py_files if _is_test_file(rel)}
    ws.python_files = sorted(rel for rel in py_files if in_roots(rel) and rel not in test_files)
    ws.data_files = [rel for rel, _ in files
                     if not rel.endswith(".py") and in_roots(rel) and not _in_test_folder(rel.rpartition("/")[0])]
    ws.other_python_files = frozenset(set(py_files) - set(ws.python_files) - test_files)
    ws.test_named_files = frozenset(rel for rel in test_files if not _in_test_folder(rel.rpartition("/")[0]))
    if not ws.python_files:
        _check_nothing_left_out(root, py_files)
    return ws


def _check_nothing_left_out(root: Path, py_files: list[str]) -> None:
    """An input error when Python files outside tests import Airflow but none is analysed."""
    airflow_files = [rel for rel in py_files if not _is_test_file(rel) and _imports_airflow(root / rel)]
    if airflow_files:
        shown = ", ".join(airflow_files[:3]) + (f" and {len(airflow_files) - 3} more" if len(airflow_files) > 3 else "")
        raise InputError(f"{root}: {len(airflow_files)} Python file(s) import Airflow ({shown}) but no DAG "
                         "folder holds them; name the DAG folders with [tool.migrator] dags")


TEST_FOLDERS = frozenset({"tests", "test", "testing", "unittests", "integration_tests"})


# Both on strings: asked of every file of the project, a PurePosixPath each took a third of discovery.
def _in_test_folder(rel: str) -> bool:
    """Whether the folder ``rel`` (a project path, "." or "" the root) is, or is inside, a test folder."""
    return any(part in TEST_FOLDERS for part in rel.split("/"))


def _is_test_file(rel: str) -> bool:
    folder, _, name = rel.rpartition("/")
    return _in_test_folder(folder) or name.startswith("test_") or name == "conftest.py"


def _check_configured_folder(root: Path, folder: str, what: str, settings: Settings) -> None:
    path = root / folder
    if not path.is_dir():
        raise InputError(f"{path}: {what} named in {settings.source} does not exist")
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise InputError(f"{path}: {what} named in {settings.source} leads outside the project "
                         f"(to {real}); name a folder inside it")


def _dag_folders_by_content(root: Path, py_files: list[str]) -> list[str]:
    """Where DAGs live when no folder is named for them: the root when a top-level file builds
    a DAG, else every top-level folder holding (at any depth) a file that builds one."""
    candidates = [rel for rel in py_files if not _is_test_file(rel)]
    if any("/" not in rel and _looks_like_dag_file(root / rel) for rel in candidates):
        return ["."]
    tops: dict[str, None] = {}
    for rel in candidates:
        top = rel.split("/", 1)[0]
        if "/" in rel and top not in tops and _looks_like_dag_file(root / rel):
            tops[top] = None
    return list(tops)


# Files that make their folder an Airflow deployment of its own: what starts or configures
# one. (A requirements.txt does not: a monorepo's root often holds one for its tooling.)
_PROJECT_MARKERS = (_COMPOSE, _DOCKERFILE, re.compile(r"^airflow\.cfg$"))


class SeveralProjectsError(InputError):
    """The repository holds several independent Airflow projects: each is migrated on its own."""

    def __init__(self, root: Path, projects: list[str]) -> None:
        shown = projects[:12]
        more = f" and {len(projects) - len(shown)} more" if len(projects) > len(shown) else ""
        super().__init__(
            f"{root}: holds {len(projects)} independent Airflow projects (DAG folders each beside "
            f"its own compose file, Dockerfile or airflow.cfg): {', '.join(shown)}{more}. "
            f"Run the command on each project, e.g. `migrator scan {root / shown[0]}`, or name the "
            "DAG folders to treat as one project with [tool.migrator] dags")
        self.projects = projects


def _check_one_project(root: Path, dag_folders: list[str], files: list[tuple[str, str]]) -> None:
    """Raise ``SeveralProjectsError`` when the DAG folders belong to different projects.

    A DAG folder's project is the nearest folder at or above it that holds a project marker.
    When the root holds one, everything is the root's project. Otherwise two or more marked
    projects, neither inside the other, are independent (a book's chapters, a monorepo of
    teams), and a DAG folder with no marker above it is a project of its own (its parent).
    """
    if len(set(dag_folders)) < 2:
        return
    marked = {str(PurePosixPath(rel).parent) for rel, name in files
              if any(marker.match(name) for marker in _PROJECT_MARKERS)}
    if "." in marked:
        return

    def project_of(folder: str) -> str | None:
        path = PurePosixPath(folder)
        return next((str(p) for p in [path, *path.parents][:-1] if str(p) in marked), None)

    owners = {folder: project_of(folder) for folder in dag_folders}
    projects = {p for p in owners.values() if p is not None}
    outermost = {p for p in projects if not any(p.startswith(other + "/") for other in projects)}
    if len(outermost) > 1:
        loose = {str(PurePosixPath(folder).parent) for folder, owner in owners.items() if owner is None}
        raise SeveralProjectsError(root, sorted(outermost | loose))
