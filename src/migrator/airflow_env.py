"""A real Apache Airflow of the target version, in an isolated venv built once and then reused.

``ensure_airflow_env(target, constraints)`` returns an ``AirflowEnv`` whose ``python`` runs with
``apache-airflow==<target>`` and the providers MWAA preinstalls for that target, every package
pinned by the target's constraints file. The venv lives in a cache folder keyed by the Airflow
version, the interpreter and the constraints' content, so the second call costs nothing.

The project's own requirements go into a thin second venv layered over the base one (a ``.pth``
file puts the base site-packages on its path), so one project's packages never leak into
another's. A requirement that does not install is not hidden: it comes back with pip's reason
(``RequirementFailure``), the way MWAA would refuse it when updating the environment.

``verify`` uses this module, and so do the tests that prove fixed DAGs import in real Airflow.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from migrator.analysis.requirements import ConstraintsUnavailable, target_constraints_file
from migrator.analysis.source import Problem, decode_text
from migrator.cache import cache_dir as tool_cache_dir
from migrator.compat import UnknownTargetError, get_version, preinstalled_providers
from migrator.compat.mwaa import MwaaVersion
from migrator.errors import InputError

try:
    import fcntl
except ImportError:  # Windows: no POSIX locks; `migrator verify` itself needs POSIX anyway
    fcntl = None

# Bumped when the layout or the contents of a built venv change, so old caches are not reused.
ENV_FORMAT = 1
# Likewise for the requirements layer (and the failure reasons cached in it).
LAYER_FORMAT = 2
REPAIR_FORMAT = 3  # bump when what the repair of failing requirement lines decides changes
MARKER = "migrator-env.json"
# An empty metadata database of the base venv's Airflow (``airflow db migrate``), made once and
# copied into each verify run: MWAA's DAG processor has one, and code that reads it while the
# file is parsed (a SubDagOperator looks up its pool on Airflow 2) must find the tables.
METADATA_DB = "metadata.db"
DB_MIGRATE_TIMEOUT_SECONDS = 600
# MWAA runs one of these; when the target's interpreter is missing we try the other one next.
MWAA_PYTHONS = ("3.12", "3.11")
PIP_TIMEOUT_SECONDS = 60
# A requirement tried without its version may send pip's resolver backtracking through every
# release of it (awscli against a pinned botocore: over 15 minutes); past this it is no repair.
REPAIR_SECONDS = 120
# Each distinct requirements file gets a layer venv of a few hundred MB; past this many per base
# venv the least recently used go (``$MWAA_MIGRATOR_KEEP_LAYERS`` changes it; 0 keeps every one).
KEEP_LAYERS = 12
KEEP_LAYERS_ENV_VAR = "MWAA_MIGRATOR_KEEP_LAYERS"

# pip prints these when it could not talk to the index at all (as opposed to a resolution or
# build failure); they turn a failed install into "cannot reach the index".
_NETWORK_MARKERS = (
    "NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
    "Name or service not known", "Network is unreachable", "ConnectTimeoutError", "ProxyError",
    "Connection refused", "Max retries exceeded", "Could not fetch URL", "nodename nor servname",
    "ReadTimeoutError", "SSLError",
)
_PIP_GLOBAL_OPTIONS = re.compile(
    r"^(-i|--index-url|--extra-index-url|--no-index|-f|--find-links|--trusted-host|--prefer-binary"
    r"|--only-binary|--no-binary|--pre)\b")
_PIP_CONSTRAINT = re.compile(r"^(-c|--constraint)(\s+|=)(?P<value>\S+)")
_PIP_INCLUDE = re.compile(r"^(?P<option>-r|--requirement|-e|--editable)(\s+|=)(?P<value>\S+)")


class EnvironmentSetupError(InputError):
    """The Airflow venv could not be built: no index, no constraints, pip refused the target."""


@dataclass(frozen=True)
class RequirementFailure:
    """One line of the project's requirements that pip would not install, with pip's reason."""

    path: str  # the requirements file holding the line (relative to the project when inside it)
    line: int
    requirement: str
    reason: str

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


@dataclass(frozen=True)
class AirflowEnv:
    """A venv with a real Airflow. ``python`` is the interpreter to run code with.

    ``root`` is the venv holding the project's requirements when they were asked for, else the
    base venv. ``created`` says whether this call built anything (False: reused from cache).
    """

    python: Path
    root: Path
    airflow_version: str
    python_version: str
    created: bool
    notes: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()  # what was asked of pip for the base venv
    requirements: RequirementsInstall | None = None
    seconds: float = 0.0  # time this call took (building or just checking the cache)
    metadata_db: Path | None = None  # METADATA_DB of the base venv; None when Airflow made none


@dataclass(frozen=True)
class PythonChoice:
    path: Path
    version: str  # "3.12.1"
    notes: tuple[str, ...] = ()

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


# -- locations ---------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """The tool's cache folder (``migrator.cache.cache_dir``: ``$MWAA_MIGRATOR_CACHE``, else
    ``$XDG_CACHE_HOME/mwaa-migrator``, else ``~/.cache/mwaa-migrator``); ``--cache-dir`` replaces
    it for one run. Venvs go in its ``venvs/``, downloaded constraints in ``constraints/``."""
    return tool_cache_dir()


def _venv_python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


# -- finding an interpreter --------------------------------------------------------------------


def _interpreter_candidates(minor: str) -> Iterator[Path]:
    """Where an interpreter for ``minor`` ("3.12") may be: PATH first, then pyenv/uv-style folders."""
    name = f"python{minor}"
    found = shutil.which(name)
    if found:
        yield Path(found)
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv"), "/root/.pyenv", "/opt/pyenv"]
    patterns = [f"{root}/versions/{minor}*/bin/{name}" for root in roots if root]
    patterns += [str(Path.home() / f".local/share/uv/python/cpython-{minor}*/bin/{name}"),
                 f"/usr/local/bin/{name}", f"/usr/bin/{name}", f"/opt/homebrew/bin/{name}"]
    for pattern in patterns:
        # Newest patch release first: "3.12.10" sorts after "3.12.9".
        for match in sorted(glob.glob(pattern), key=_natural_key, reverse=True):
            yield Path(match)


def _natural_key(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _probe_python(path: Path) -> tuple[Path, str] | None:
    """(real executable, full version) if ``path`` runs and can make venvs, else None."""
    code = ("import sys, venv, ensurepip; "
            "print(sys.executable); print('.'.join(map(str, sys.version_info[:3])))")
    try:
        done = subprocess.run([str(path), "-c", code], check=False, capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2:
        return None  # a pyenv shim for an unselected version, or a Python without venv/ensurepip
    return Path(lines[0]), lines[1]


def find_python(minor: str) -> tuple[Path, str] | None:
    """A working interpreter for ``minor`` ("3.12"): (path, full version), or None."""
    seen: set[Path] = set()
    for candidate in _interpreter_candidates(minor):
        if candidate in seen:
            continue
        seen.add(candidate)
        probed = _probe_python(candidate)
        if probed and probed[1].startswith(minor + "."):
            return probed
    return None


def choose_python(wanted: str, explicit: Path | None = None) -> PythonChoice:
    """The interpreter for the venv: ``explicit``, else the target's, else another MWAA one."""
    if explicit is not None:
        probed = _probe_python(explicit)
        if probed is None:
            raise EnvironmentSetupError(f"{explicit}: not a working Python with the venv module")
        notes = ()
        if not probed[1].startswith(wanted + "."):
            notes = (f"using Python {probed[1]} ({explicit}) as asked; MWAA runs Python {wanted} "
                     + "for this target",)
        return PythonChoice(probed[0], probed[1], notes)
    probed = find_python(wanted)
    if probed:
        return PythonChoice(probed[0], probed[1])
    for other in (v for v in MWAA_PYTHONS if v != wanted):
        probed = find_python(other)
        if probed:
            return PythonChoice(probed[0], probed[1], (
                f"Python {wanted} (what MWAA runs for this target) was not found on PATH or in "
                + f"pyenv-style folders; using Python {probed[1]} ({probed[0]}) instead",))
    own = ".".join(map(str, sys.version_info[:3]))
    return PythonChoice(Path(sys.executable), own, (
        f"neither Python {wanted} (what MWAA runs for this target) nor another MWAA Python was "
        + f"found; using this tool's own Python {own} ({sys.executable})",))


# -- constraints -------------------------------------------------------------------------------


def constraints_file(target: MwaaVersion, constraints: Path | None, cache_dir: Path) -> Path:
    """The constraints to install with: ``constraints`` if given, else the target's own (the
    MWAA image's, shipped with the tool; a cached download only for a version without them)."""
    if constraints is not None:
        path = Path(constraints).expanduser()
        if not path.is_file():
            raise InputError(f"{path}: constraints file not found")
        return path.resolve()
    try:
        path = target_constraints_file(target, cache_dir / "constraints")
    except ConstraintsUnavailable as exc:
        raise EnvironmentSetupError(
            f"cannot read the constraints of Airflow {target.airflow} ({exc}); pass --constraints FILE "
            "(Apache's constraints file for that version)") from None
    if "apache-airflow" not in path.read_text(encoding="utf-8", errors="replace"):
        raise EnvironmentSetupError(f"{target.constraints_url} did not return a constraints file; "
                                    "pass --constraints FILE")
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- pip ---------------------------------------------------------------------------------------


@dataclass
class PipResult:
    ok: bool
    output: str
    timed_out: bool = False  # stopped at its time limit: no verdict on the requirements

    @property
    def network_error(self) -> str | None:
        if self.ok:
            return None
        for line in self.output.splitlines():
            if any(marker in line for marker in _NETWORK_MARKERS):
                # The phrase that says what went wrong, without urllib3's object reprs.
                match = re.search(r"(Failed to establish a new connection: [^')]*|Temporary failure in "
                                  r"name resolution|Name or service not known|Network is unreachable|"
                                  r"Connection refused|timed out|SSLError\([^)]*|ProxyError\([^)]*|"
                                  r"Could not fetch URL [^:]*)", line)
                return match.group(1).strip() if match else line.strip()[:300]
        return None

    @property
    def reason(self) -> str:
        return pip_reason(self.output)

    @property
    def judges_the_requirements(self) -> bool:
        """Whether the failure says something about the requirements themselves: a conflict, a
        build that fails, a package the index does not have. Not so for this machine's
        problems (an unreachable host, pip stopped at its time limit, pip's own crash), after
        which the same lines may well install on MWAA."""
        reason = self.reason
        if "conflicting dependencies" in reason:
            return True
        # A build that failed on a download (a wheel fetched from GitHub) says nothing either.
        return not self.timed_out and self.network_error is None and not reason.startswith("Exception")


def pip_reason(output: str, limit: int = 600) -> str:
    """pip's own explanation of a failure, on one line.

    Its ERROR lines, with the detail that says why: the requirements behind a conflict, the
    last line a failed build printed, git's ``fatal:`` line. pip's help links are left out.
    """
    lines = [line.rstrip() for line in output.splitlines()]
    errors: list[str] = []
    details: list[str] = []
    in_conflict = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("The conflict is caused by"):
            in_conflict = True
            continue
        if in_conflict:
            if not stripped or stripped.startswith(("To fix", "Additionally", "ERROR")):
                in_conflict = False
            else:
                details.append(stripped)
                continue
        if stripped.startswith("ERROR:"):
            text = stripped.removeprefix("ERROR:").strip()
            if not text.startswith(("ResolutionImpossible", "Failed to build", "Failed building")) and \
                    "subprocess-exited-with-error" not in text:
                errors.append(text)
        elif stripped.startswith("×") and "subprocess-exited-with-error" not in stripped:
            errors.append(stripped.lstrip("× ").strip())
        elif stripped == "[end of output]":
            # The last thing a failed build or metadata step printed is usually its reason.
            previous = next((lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), "")
            if previous and not previous.startswith("╰─>"):
                details.append(previous)
        elif stripped.startswith("fatal:"):
            details.append(stripped)
    parts = list(dict.fromkeys(errors))
    if details:
        detail = "; ".join(dict.fromkeys(details))
        parts = [f"{parts[0].rstrip('.')}: {detail}", *parts[1:]] if parts else [detail]
    text = "; ".join(parts) or (lines[-1].strip() if lines else "pip failed")
    text = re.sub(r"-r \S*migrator-req-[^/\s]+/requirements\.txt \(line \d+\)", "the requirement", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _run_pip(python: Path, args: list[str], pip_python: Path | None = None,
             timeout: float | None = None) -> PipResult:
    """Run pip of ``python`` (installing into ``pip_python``'s environment when given); after
    ``timeout`` seconds pip and the builds it started are stopped and the run has failed."""
    command = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    if pip_python is not None:
        command += ["--python", str(pip_python)]
    command += args
    # pip's own temporary folders live in one of ours, removed whatever happens: a pip that is
    # stopped cannot clean up, and a runaway resolution leaves gigabytes of unpacked wheels.
    with tempfile.TemporaryDirectory(prefix="migrator-pip-") as scratch:
        env = {**os.environ, "PIP_PROGRESS_BAR": "off", "PYTHONWARNINGS": "ignore", "TMPDIR": scratch}
        env.pop("PYTHONPATH", None)
        env.pop("PIP_REQUIRE_VIRTUALENV", None)
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, start_new_session=True) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_tree(process)
                stdout, stderr = process.communicate()
                return PipResult(False, f"{stdout}\n{stderr}\nERROR: pip found no versions that fit "
                                        f"together within {timeout:.0f} seconds", timed_out=True)
            except BaseException:  # an interrupt: pip and its builds go too
                _kill_tree(process)
                raise
    return PipResult(process.returncode == 0, stdout + "\n" + stderr)


def _kill_tree(process: subprocess.Popen) -> None:
    """Stop ``process`` and what it started (its session, on POSIX)."""
    with contextlib.suppress(ProcessLookupError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()


def _pip_install_args(constraints: Path) -> list[str]:
    return ["install", "--timeout", str(PIP_TIMEOUT_SECONDS), "--retries", "1",
            "--constraint", str(constraints)]


# -- the base venv -----------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes: two runs never build the same venv at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_marker(root: Path) -> dict | None:
    try:
        data = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and _venv_python(root).exists() else None


def _create_venv(python: Path, root: Path, with_pip: bool = True) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    command = [str(python), "-m", "venv", str(root)]
    if not with_pip:
        command.insert(3, "--without-pip")
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise EnvironmentSetupError(f"{python} -m venv {root} failed: {done.stderr.strip()[-300:]}")


def _site_packages(python: Path) -> Path:
    done = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())


def base_packages(target: MwaaVersion) -> list[str]:
    """What the base venv asks pip for: Airflow and the providers MWAA preinstalls, pinned."""
    return [f"apache-airflow=={target.airflow}",
            *(f"{name}=={version}" for name, version in preinstalled_providers(target).items())]


def ensure_airflow_env(target: str | MwaaVersion | None, constraints: Path | None = None,
                       cache_dir: Path | None = None, extra_requirements: Path | None = None, *,
                       python: Path | None = None, rebuild: bool = False,
                       project_root: Path | None = None, repair_requirements: bool = False,
                       log: Callable[[str], None] | None = None) -> AirflowEnv:
    """A venv with ``apache-airflow==<target>`` and MWAA's providers, built once then reused.

    ``constraints``: the target's constraints file; without it, the target's constraints URL is
    downloaded once into the cache (a clear error says to pass the file when it cannot be).
    ``extra_requirements``: the project's requirements file, installed in a layer over the base
    venv; failures come back in ``AirflowEnv.requirements`` with pip's reason.
    ``project_root``: what requirement paths in the results are relative to.
    ``repair_requirements``: when lines fail, install what does instead (the package at another
    version, or nothing) and say so in ``AirflowEnv.requirements.repairs``.
    ``python``: the interpreter to build with (default: the target's, found on this machine).
    ``rebuild``: build afresh even when a cached venv exists.
    Raises ``InputError`` for an unknown target and ``EnvironmentSetupError`` when pip cannot
    reach the index or refuses Airflow itself.
    """
    started = time.perf_counter()
    say = log or (lambda message: None)
    try:
        version = get_version(target)
    except UnknownTargetError as exc:
        raise InputError(str(exc)) from None
    cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    venvs = cache / "venvs"
    choice = choose_python(version.python, python)
    constraints_path = constraints_file(version, constraints, cache)
    constraints_text = constraints_path.read_bytes()
    packages = base_packages(version)
    key = _sha256(json.dumps({
        "format": ENV_FORMAT, "airflow": version.airflow, "python": str(choice.path),
        "python_version": choice.version, "constraints": _sha256(constraints_text),
        "packages": packages,
    }, sort_keys=True).encode())[:12]
    root = venvs / f"airflow-{version.airflow}-py{choice.minor}-{key}"
    notes = list(choice.notes)
    created = False
    with _locked(venvs / f"{root.name}.lock"):
        marker = None if rebuild else _read_marker(root)
        if marker is None:
            say(f"building a venv with Airflow {version.airflow} on Python {choice.version} in {root}")
            _build_base(choice, root, packages, constraints_path, version)
            created = True
        else:
            say(f"reusing the venv with Airflow {version.airflow} in {root}")
        metadata_db = _ensure_metadata_db(root, notes)
    env_root, requirements = root, None
    if extra_requirements is not None:
        env_root, requirements, layer_created = _ensure_requirements_layer(
            choice, root, Path(extra_requirements), constraints_path, venvs, project_root,
            rebuild, repair_requirements, say)
        created = created or layer_created
    return AirflowEnv(
        python=_venv_python(env_root), root=env_root, airflow_version=version.airflow,
        python_version=choice.version, created=created, notes=tuple(notes),
        packages=tuple(packages), requirements=requirements,
        seconds=round(time.perf_counter() - started, 3), metadata_db=metadata_db)


def _ensure_metadata_db(root: Path, notes: list[str]) -> Path | None:
    """``root``'s METADATA_DB, made by its Airflow when missing (the caller holds the venv's
    lock); None, with a note, when Airflow cannot make it."""
    path = root / METADATA_DB
    if path.exists():
        return path
    with tempfile.TemporaryDirectory(prefix="migrator-db-") as home:
        staged = Path(home) / "airflow.db"
        env = {**os.environ, "HOME": home, "AIRFLOW_HOME": home, "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{staged}"}
        env.pop("PYTHONPATH", None)
        try:
            done = subprocess.run([str(_venv_python(root)), "-m", "airflow", "db", "migrate"], env=env,
                                  capture_output=True, text=True, check=False,
                                  timeout=DB_MIGRATE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            done = None
        if done is None or done.returncode != 0 or not staged.exists():
            reason = "timed out" if done is None else (done.stderr.strip().splitlines() or ["failed"])[-1]
            notes.append(f"no metadata database for the DAG files to read ({reason}): code that "
                         "queries it while a file is parsed fails here, not on MWAA")
            return None
        _write_atomic(path, staged.read_bytes())
    return path


def _build_base(choice: PythonChoice, root: Path, packages: list[str], constraints: Path,
                version: MwaaVersion) -> None:
    _create_venv(choice.path, root)
    try:
        result = _run_pip(_venv_python(root), [*_pip_install_args(constraints), *packages])
        if not result.ok:
            network = result.network_error
            if network:
                index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
                raise EnvironmentSetupError(
                    f"pip cannot reach the package index ({index}) to install Airflow "
                    f"{version.airflow}: {network}; check the network or proxy settings, or "
                    "point PIP_INDEX_URL at a reachable mirror")
            raise EnvironmentSetupError(
                f"pip could not install Airflow {version.airflow} on Python {choice.version} "
                f"with {constraints}: {result.reason}")
        marker = {"format": ENV_FORMAT, "airflow_version": version.airflow,
                  "python": str(choice.path), "python_version": choice.version,
                  "packages": packages, "constraints": str(constraints)}
        # Written last: a venv without it is a half-built one and is rebuilt next time.
        _write_atomic(root / MARKER, json.dumps(marker, indent=2, sort_keys=True).encode())
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


# -- the project's requirements, in a layer over the base venv ----------------------------------


@dataclass
class RequirementLines:
    """A requirements file (with its ``-r`` includes) split into what each pip attempt needs."""

    options: list[str] = field(default_factory=list)  # index/find-links options, kept in every attempt
    items: list[tuple[str, int, str]] = field(default_factory=list)  # (file label, line, requirement)
    notes: list[str] = field(default_factory=list)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line: comments dropped, continuations joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = "" if raw.lstrip().startswith("#") else re.split(r"\s#", raw, maxsplit=1)[0].strip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            yield start, line
    if pending.strip():
        yield start, pending.strip()


def split_requirements(path: Path, label_root: Path | None = None) -> RequirementLines:
    """The requirement lines of ``path`` and of the files it includes with ``-r``.

    ``--constraint`` lines are dropped: verify always installs with the target's constraints, the
    ones MWAA applies, and a URL there may not be reachable from this machine. Items are labelled
    with their file relative to ``label_root`` (default: the file's folder) and line number.
    """
    result = RequirementLines()
    base = (label_root or path.parent).resolve()

    def label(file: Path) -> str:
        try:
            return file.resolve().relative_to(base).as_posix()
        except ValueError:
            return str(file)

    def read(file: Path, stack: tuple[Path, ...]) -> None:
        try:
            source = decode_text(file.read_bytes())
        except OSError as exc:
            raise InputError(f"{file}: cannot read requirements: {exc.strerror or exc}") from None
        if isinstance(source, Problem):
            raise InputError(f"{file}: cannot read requirements: {source.message}")
        text = source.text
        for number, line in _logical_lines(text):
            where = f"{label(file)}:{number}"
            if _PIP_CONSTRAINT.match(line):
                result.notes.append(f"{where}: {line!r} not applied; verify installs with the "
                                    "target's constraints")
            elif _PIP_GLOBAL_OPTIONS.match(line):
                if line not in result.options:
                    result.options.append(line)
            elif match := _PIP_INCLUDE.match(line):
                value = match.group("value")
                if match.group("option") in ("-r", "--requirement"):
                    child = (file.parent / value).resolve()
                    if child in stack:
                        result.notes.append(f"{where}: include cycle through {label(child)} ignored")
                    elif not child.is_file():
                        result.items.append((label(file), number, line))  # pip reports it
                    else:
                        read(child, (*stack, child))
                    continue
                if value.startswith((".", "/")):
                    value = str((file.parent / value).resolve())
                result.items.append((label(file), number, f"{match.group('option')} {value}"))
            else:
                result.items.append((label(file), number, line))

    read(path, (path.resolve(),))
    return result


def _ensure_requirements_layer(choice: PythonChoice, base: Path, requirements: Path,
                               constraints: Path, venvs: Path, project_root: Path | None,
                               rebuild: bool, repair: bool, say: Callable[[str], None]
                               ) -> tuple[Path, RequirementsInstall, bool]:
    lines = split_requirements(requirements, project_root)
    label = lines.items[0][0] if lines.items else requirements.name
    try:
        label = requirements.resolve().relative_to((project_root or requirements.parent).resolve()).as_posix()
    except ValueError:
        label = str(requirements)
    if not lines.items:
        return base, RequirementsInstall(label, True, (), (*lines.notes, "no requirements to install")), False
    # A repaired layer holds packages the file does not ask for: never the plain one's venv;
    # and its repairs are only as good as the rules that made them (REPAIR_FORMAT).
    key = _sha256(json.dumps({"format": LAYER_FORMAT, "base": base.name, "options": lines.options,
                              "items": lines.items, **({"repair": REPAIR_FORMAT} if repair else {})},
                             sort_keys=True).encode())[:12]
    root = venvs / f"{base.name}-req-{key}"
    with _locked(venvs / f"{root.name}.lock"):
        marker = None if rebuild else _read_marker(root)
        if marker is not None:
            say(f"reusing the venv with {label} in {root}")
            os.utime(root / MARKER)  # its last use, which eviction goes by
            failures = tuple(RequirementFailure(**f) for f in marker.get("failures", []))
            repairs = tuple(RequirementRepair(**r) for r in marker.get("repairs", []))
            return root, RequirementsInstall(label, not failures, failures, tuple(lines.notes), repairs), False
        say(f"installing {label} ({len(lines.items)} requirements) into {root}")
        failures, repairs = _build_layer(choice, base, root, lines, constraints, repair, say)
    for evicted in evict_layers(venvs, base.name, keep_layers()):
        say(f"removed the least recently used requirements venv {evicted}")
    return root, RequirementsInstall(label, not failures, tuple(failures), tuple(lines.notes),
                                     tuple(repairs)), True


def keep_layers() -> int:
    """How many requirements layers to keep per base venv (``$MWAA_MIGRATOR_KEEP_LAYERS``)."""
    configured = os.environ.get(KEEP_LAYERS_ENV_VAR, "").strip()
    if not configured:
        return KEEP_LAYERS
    try:
        return max(0, int(configured))
    except ValueError:
        raise InputError(f"${KEEP_LAYERS_ENV_VAR} must be a whole number, not {configured!r}") from None


def evict_layers(venvs: Path, base_name: str, keep: int) -> list[Path]:
    """Remove the requirements layers of ``base_name`` beyond the ``keep`` most recently used
    (by their marker's time: written when built, touched when reused); ``keep`` 0 keeps all.
    A layer another run holds the lock of is in use and stays. Returns the removed folders."""
    if keep <= 0 or fcntl is None:
        return []
    layers = [path for path in venvs.glob(f"{base_name}-req-*") if path.is_dir()]

    def last_used(path: Path) -> float:
        try:
            return (path / MARKER).stat().st_mtime
        except OSError:  # being built, or a build that died: oldest, and the lock decides
            return 0.0

    removed = []
    for layer in sorted(layers, key=last_used, reverse=True)[keep:]:
        with open(venvs / f"{layer.name}.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # another run is building or reusing it
            try:
                shutil.rmtree(layer, ignore_errors=True)
                removed.append(layer)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    return removed


def _build_layer(choice: PythonChoice, base: Path, root: Path, lines: RequirementLines,
                 constraints: Path, repair: bool, say: Callable[[str], None]
                 ) -> tuple[list[RequirementFailure], list[RequirementRepair]]:
    _create_venv(choice.path, root, with_pip=False)
    try:
        # The layer sees the base venv's packages through a .pth file, after its own: what the
        # project pins differently from Airflow's constraints wins, as it would on MWAA.
        (_site_packages(_venv_python(root)) / "_migrator_base_env.pth").write_text(
            str(_site_packages(_venv_python(base))) + "\n", encoding="utf-8")
        failures, repairs = _install_requirements(_venv_python(base), _venv_python(root), lines,
                                                  constraints, repair, say)
        marker = {"format": ENV_FORMAT, "base": base.name,
                  "failures": [f.to_json() for f in failures], "repairs": [r.to_json() for r in repairs]}
        _write_atomic(root / MARKER, json.dumps(marker, indent=2, sort_keys=True).encode())
        return failures, repairs
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _no_disk_space(result: PipResult) -> None:
    """A full disk is this machine's problem: said as such, and nothing of it is cached."""
    if not result.ok and "No space left on device" in result.output:
        raise EnvironmentSetupError(f"pip ran out of disk space ({tempfile.gettempdir()} or the venv "
                                    "cache): free some and run again")


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
        return [RequirementFailure(*item, result.reason) for item, result in failing], []
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
            failures.append(RequirementFailure(*item, result.reason))
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
                                                                 f"version: {trial.reason}"))
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
