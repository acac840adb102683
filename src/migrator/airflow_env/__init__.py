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

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migrator.airflow_env.interpreters import PythonChoice, choose_python, find_python
from migrator.airflow_env.pip import (
    PipResult,
    _no_disk_space,
    _pip_install_args,
    _run_pip,
    pip_reason,
)
from migrator.airflow_env.repair import (
    RequirementFailure,
    RequirementRepair,
    RequirementsInstall,
    _install_requirements,
    _installed_versions,
    failing_items,
)
from migrator.airflow_env.requirement_lines import RequirementLines, split_requirements
from migrator.airflow_env.venvs import (
    MARKER,
    EnvironmentSetupError,
    _create_venv,
    _locked,
    _read_marker,
    _sha256,
    _site_packages,
    _venv_python,
    _write_atomic,
    default_cache_dir,
)
from migrator.analysis.requirements import ConstraintsUnavailable, target_constraints_file
from migrator.compat import UnknownTargetError, get_version, preinstalled_providers
from migrator.compat.mwaa import MwaaVersion
from migrator.errors import InputError

__all__ = ["DB_MIGRATE_TIMEOUT_SECONDS", "ENV_FORMAT", "KEEP_LAYERS", "KEEP_LAYERS_ENV_VAR", "LAYER_FORMAT",
    "METADATA_DB", "REPAIR_FORMAT", "AirflowEnv", "PipResult", "_installed_versions", "_no_disk_space",
    "base_packages", "constraints_file", "ensure_airflow_env", "evict_layers", "failing_items",
    "find_python", "keep_layers", "pip_reason"]

try:
    import fcntl
except ImportError:  # Windows: no POSIX locks; `migrator verify` itself needs POSIX anyway
    fcntl = None

# Bumped when the layout or the contents of a built venv change, so old caches are not reused.
ENV_FORMAT = 1
# Likewise for the requirements layer (and the failure reasons cached in it).
LAYER_FORMAT = 2
REPAIR_FORMAT = 3  # bump when what the repair of failing requirement lines decides changes
# An empty metadata database of the base venv's Airflow (``airflow db migrate``), made once and
# copied into each verify run: MWAA's DAG processor has one, and code that reads it while the
# file is parsed (a SubDagOperator looks up its pool on Airflow 2) must find the tables.
METADATA_DB = "metadata.db"
DB_MIGRATE_TIMEOUT_SECONDS = 600
# Each distinct requirements file gets a layer venv of a few hundred MB; past this many per base
# venv the least recently used go (``$MWAA_MIGRATOR_KEEP_LAYERS`` changes it; 0 keeps every one).
KEEP_LAYERS = 12
KEEP_LAYERS_ENV_VAR = "MWAA_MIGRATOR_KEEP_LAYERS"


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
        if marker is not None and marker.get("undecided"):
            say(f"rebuilding the venv with {label}: pip ran out of time on some lines when it was built")
            marker = None
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
        marker = {"format": ENV_FORMAT, "base": base.name, "undecided": any(f.undecided for f in failures),
                  "failures": [f.to_json() for f in failures], "repairs": [r.to_json() for r in repairs]}
        _write_atomic(root / MARKER, json.dumps(marker, indent=2, sort_keys=True).encode())
        return failures, repairs
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
