"""The project's requirement set: which files pip is given (the entry file, ``-r`` includes
followed inside the project, cycles detected), which only constrain, which are for development,
what the project's own metadata installs, and what the bundle ships."""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from migrator import compat
from migrator.analysis.crashes import AnalysisCrash, contained
from migrator.analysis.envsources import EnvFacts
from migrator.analysis.requirements.files import (
    RequirementFile,
    RequirementLine,
    RequirementOption,
    parse_requirement,
    parse_requirements_text,
    requirements_from_args,
)
from migrator.analysis.source import Problem, read_text

# Paths MWAA syncs the project's folders to; a ``-c`` or ``--find-links`` there refers to a file
# shipped in the DAGs folder or plugins.zip.
MWAA_DAGS_DIR = compat.worker_paths().dags
MWAA_PLUGINS_DIR = compat.worker_paths().plugins
# A file named as constraints (constraints-3.12.txt, requirements-constraints.txt) only limits
# versions when another file's pip install names it with -c: its pins install nothing.
_CONSTRAINTS_FILE = re.compile(r"(^|[-_.])constraints?([-_.]|$)", re.IGNORECASE)
_DEV_FILE = re.compile(r"(^|[-_.])(dev|test|tests|testing|lint|docs?|ci|local|mypy|typing)([-_.]|$)", re.IGNORECASE)


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
