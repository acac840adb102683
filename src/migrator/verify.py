"""``migrator verify``: load the project's DAG files in a real Airflow of the target version.

Static rules say what should break; this shows what does, the way MWAA's DAG processor sees it.
``verify_project(root, ...)`` builds (or reuses) the Airflow venv (``migrator.airflow_env``),
then runs ``verify_driver.py`` in it: Airflow's own ``DagBag`` loads each file Airflow would
list (``.airflowignore`` and the safe-mode heuristic applied) under ``-W always``, in a
subprocess with a throwaway AIRFLOW_HOME (holding a copy of an empty metadata database, as
MWAA's DAG processor has one) and a time limit per file. Variables the project defines are read
with their values; other Variable, Connection and environment lookups get stand-ins. All are
reported.

The result (``VerifyResult``) is the library API; ``migrator size`` reads its parse times. Its
JSON (``VerifyResult.to_json()``, what ``migrator verify -f json`` prints) is::

    {
      "tool": {"name", "version"},
      "target": {"mwaa_version", "airflow_version", "python_version"},   # what MWAA runs
      "environment": {"airflow_version", "python_version", "notes": [...]},  # what ran here
      "requirements": null | {"path", "installed", "failures": [{"path", "line", "requirement",
                              "reason"}], "notes", "sha256"},
      "files": [{"path", "status": "loaded" | "import_error" | "timeout", "error", "line",
                 "raised_in", "traceback", "dag_ids", "tasks", "warnings": [{"category",
                 "message", "path", "line"}], "lookups": [{"kind": "variable" | "connection" |
                 "env", "key", "answer": "stand-in" | "default" | "project"}], "parse_seconds", "sha256",
                 "project_frames"}],
      "summary": {"files", "loaded", "import_error", "timeout", "dags", "tasks", "warnings",
                  "lookups", "requirement_failures", "parse_seconds"}
    }

Paths are POSIX and relative to the project root; lists are sorted; there are no timestamps
(``parse_seconds`` is a measurement and varies between runs; it is null for a file that failed
to import, whose time says nothing about the file once it loads, and at least the limit for a
timeout). ``error`` is the exception's whole message from its first line
(``ModuleNotFoundError: No module named '...'``; Airflow's argument check names the arguments
on the lines below it), at most ``ERROR_CHARS`` long, secrets masked; ``line`` the line of the DAG file the error
passed through last, ``raised_in`` the project file and line where it was raised when that is
another file, ``project_frames`` every ``path:line`` of the project the error passed through
(outermost first). ``tasks`` is the number of tasks over the file's DAGs.

Saved as ``verify-results.json`` at the project root, the report travels with the project:
a plain ``migrator scan`` then reports it as findings (rules MIG101-MIG105) for the files that
have not changed since, and ``migrator scan --verify`` runs verify and merges fresh findings.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from migrator.airflow_env import (
    AirflowEnv,
    RequirementFailure,
    RequirementRepair,
    RequirementsInstall,
    ensure_airflow_env,
)
from migrator.compat import UnknownTargetError, get_version, mwaa_default
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.errors import InputError, MigratorError
from migrator.findings import Finding, finalize
from migrator.secrets import mask

RESULTS_FILE = "verify-results.json"
# What MWAA runs with for core.dagbag_import_timeout when the user sets nothing (compat records
# it per target; 30 s on every current one); --timeout replaces it.
DEFAULT_TIMEOUT_SECONDS = float(mwaa_default("core.dagbag_import_timeout").value)
# Importing Airflow and its providers before the first file; generous, the machine may be busy.
STARTUP_SECONDS = 300.0
# The parent's hard limit is Airflow's own timeout plus this, for code SIGALRM cannot interrupt.
GRACE_SECONDS = 10.0
STATUSES = ("loaded", "import_error", "timeout")
# An exception's message is kept whole up to this length (a DAG's repr in it can be huge).
ERROR_CHARS = 2000
DRIVER = Path(__file__).with_name("verify_driver.py")
# Variables passed through to the driver; everything else (AIRFLOW__*, credentials, the
# user's own settings) stays out, so the DAGs see an environment like MWAA's, not this shell's.
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "TMPDIR")
_DEV_REQUIREMENTS = re.compile(r"(^|[-_.])(dev|test|tests|testing|lint|docs?|ci|local|mypy|typing)([-_.]|$)", re.IGNORECASE)


class VerifyError(MigratorError):
    """Airflow could not be started to load the DAGs (an environment problem, not the DAGs')."""

    exit_code = 2


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarningEntry:
    category: str
    message: str
    path: str
    line: int

    def to_json(self) -> dict:
        return {"category": self.category, "message": self.message, "path": self.path, "line": self.line}


@dataclass(frozen=True)
class Lookup:
    kind: str  # variable | connection | env
    key: str
    answer: str  # stand-in | default | project (the project's own value)

    def to_json(self) -> dict:
        return {"kind": self.kind, "key": self.key, "answer": self.answer}


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str
    error: str | None = None
    line: int | None = None
    raised_in: str | None = None
    traceback: str | None = None
    dag_ids: tuple[str, ...] = ()
    tasks: int = 0
    warnings: tuple[WarningEntry, ...] = ()
    lookups: tuple[Lookup, ...] = ()
    parse_seconds: float | None = None  # None: the file failed to import
    sha256: str = ""
    # path:line of each frame of the error in the project's files, outermost first: the calls it
    # passed through (a helper building the task whose operator raised) as well as where it rose.
    project_frames: tuple[str, ...] = ()

    @property
    def error_line(self) -> str:
        """The exception's first line (``TypeError: Invalid arguments were passed to ...``)."""
        return (self.error or "").partition("\n")[0]

    def to_json(self) -> dict:
        return {
            "path": self.path, "status": self.status, "error": self.error, "line": self.line,
            "raised_in": self.raised_in, "traceback": self.traceback, "dag_ids": list(self.dag_ids),
            "tasks": self.tasks, "warnings": [w.to_json() for w in self.warnings],
            "lookups": [lookup.to_json() for lookup in self.lookups],
            "parse_seconds": self.parse_seconds, "sha256": self.sha256,
            "project_frames": list(self.project_frames),
        }

    @classmethod
    def from_json(cls, data: dict) -> FileResult:
        if data.get("status") not in STATUSES or not isinstance(data.get("path"), str):
            raise ValueError(f"bad file entry {str(data)[:80]}")
        return cls(
            path=data["path"], status=data["status"], error=data.get("error"), line=data.get("line"),
            raised_in=data.get("raised_in"), traceback=data.get("traceback"),
            dag_ids=tuple(data.get("dag_ids") or ()), tasks=int(data.get("tasks") or 0),
            warnings=tuple(WarningEntry(w["category"], w["message"], w["path"], int(w["line"]))
                           for w in data.get("warnings") or ()),
            lookups=tuple(Lookup(x["kind"], x["key"], x["answer"]) for x in data.get("lookups") or ()),
            parse_seconds=None if data.get("parse_seconds") is None else float(data["parse_seconds"]),
            sha256=str(data.get("sha256") or ""),
            project_frames=tuple(data.get("project_frames") or ()),
        )


@dataclass(frozen=True)
class Environment:
    """What actually ran the DAGs (may differ from the target's Python; ``notes`` say so)."""

    airflow_version: str
    python_version: str
    notes: tuple[str, ...] = ()
    created: bool = False  # this run built the venv (not part of the JSON: it is not reproducible)
    seconds: float = 0.0  # time spent building or finding the venv (likewise)

    def to_json(self) -> dict:
        return {"airflow_version": self.airflow_version, "python_version": self.python_version,
                "notes": list(self.notes)}


@dataclass
class VerifyResult:
    target: MwaaVersion
    environment: Environment
    files: list[FileResult]
    requirements: RequirementsInstall | None = None
    requirements_sha256: str = ""
    seconds: float = 0.0  # the whole run (not in the JSON)

    @property
    def summary(self) -> dict[str, Any]:
        counts = {status: sum(1 for f in self.files if f.status == status) for status in STATUSES}
        return {
            "files": len(self.files), **counts,
            "dags": sum(len(f.dag_ids) for f in self.files),
            "tasks": sum(f.tasks for f in self.files),
            "warnings": sum(len(f.warnings) for f in self.files),
            "lookups": sum(1 for f in self.files for x in f.lookups if x.answer != "project"),
            "requirement_failures": len(self.requirements.failures) if self.requirements else 0,
            "parse_seconds": round(sum(f.parse_seconds or 0.0 for f in self.files), 3),
        }

    def parse_seconds(self) -> dict[str, float]:
        """Seconds each DAG file took to load, by path (what the sizing report reads); files
        that failed to import are left out."""
        return {f.path: f.parse_seconds for f in self.files if f.parse_seconds is not None}

    def to_json(self) -> dict[str, Any]:
        from migrator.inventory import tool_info

        requirements = None
        if self.requirements is not None:
            requirements = {**self.requirements.to_json(), "sha256": self.requirements_sha256}
        return {
            "tool": tool_info(),
            "target": {"mwaa_version": self.target.airflow, "airflow_version": self.target.airflow,
                       "python_version": self.target.python},
            "environment": self.environment.to_json(),
            "requirements": requirements,
            "files": [f.to_json() for f in sorted(self.files, key=lambda f: f.path)],
            "summary": self.summary,
        }

    @classmethod
    def from_json(cls, data: dict) -> VerifyResult:
        """Read a saved report (``verify-results.json``); raises ValueError when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("files"), list):
            raise ValueError("not a migrator verify report (no 'files' list)")  # noqa: TRY004 (bad JSON content, like a parse error)
        target_data = data.get("target") or {}
        try:
            target = get_version(target_data.get("airflow_version"))
        except UnknownTargetError as exc:
            raise ValueError(str(exc)) from None
        env = data.get("environment") or {}
        requirements = None
        if isinstance(data.get("requirements"), dict):
            req = data["requirements"]
            requirements = RequirementsInstall(
                req["path"], bool(req.get("installed")),
                tuple(RequirementFailure(**f) for f in req.get("failures") or ()),
                tuple(req.get("notes") or ()),
                tuple(RequirementRepair(**r) for r in req.get("repairs") or ()))
        return cls(
            target=target,
            environment=Environment(str(env.get("airflow_version", "")), str(env.get("python_version", "")),
                                    tuple(env.get("notes") or ())),
            files=[FileResult.from_json(f) for f in data["files"]],
            requirements=requirements,
            requirements_sha256=str((data.get("requirements") or {}).get("sha256") or ""),
        )


# -- running the driver ---------------------------------------------------------------------------


class _EventReader:
    """JSON lines from the driver's protocol pipe, each read with a deadline."""

    def __init__(self, stream) -> None:
        self.fd = stream.fileno()
        os.set_blocking(self.fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.buffer = b""
        self.closed = False

    def next(self, deadline: float) -> dict | None:
        """The next event; None when the deadline passed; raises EOFError when the pipe closed."""
        while b"\n" not in self.buffer:
            if self.closed:
                raise EOFError
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.selector.select(remaining):
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.closed = True
                continue
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        self.selector.close()


def _stop(process: subprocess.Popen) -> None:
    """Kill the driver and anything the DAG code started (its own process group)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def _driver_env(home: Path, dags_folder: Path, plugins_folder: Path | None, timeout: float) -> dict[str, str]:
    env = {key: os.environ[key] for key in _PASSED_ENV if key in os.environ}
    env.update({
        "HOME": str(home),
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins_folder or home / "plugins"),
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": str(timeout),
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACKS": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH": "30",
        "AIRFLOW__CORE__DAG_DISCOVERY_SAFE_MODE": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow' / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ left in the user's DAG folder
        "PYTHONUNBUFFERED": "1",
    })
    return env


@dataclass
class DagLoad:
    """What one driver session saw: the Airflow that ran and each file's result."""

    airflow_version: str
    python_version: str
    files: list[FileResult] = field(default_factory=list)


def load_dags(env: AirflowEnv, root: Path, dag_folders: Sequence[str], plugins_folder: str | None = None,
              *, timeout: float = DEFAULT_TIMEOUT_SECONDS, files: Sequence[str] | None = None,
              grace: float = GRACE_SECONDS, working_dir: Path | None = None,
              variables: Mapping[str, str] | None = None,
              log: Callable[[str], None] | None = None) -> DagLoad:
    """Load DAG files with Airflow's DagBag in ``env``; one ``FileResult`` per file.

    ``dag_folders``/``plugins_folder``/``files`` are relative to ``root``. Without ``files``,
    the files are the ones Airflow itself lists in the DAG folders. ``timeout`` is the limit per
    file (Airflow's ``dagbag_import_timeout``; a file still running ``grace`` seconds later is
    killed and reported as a timeout, and the files after it load in a new process).
    ``working_dir``: the folder the DAG code runs in (relative paths resolve there; default: a
    scratch folder, so that code writing files never writes into the project). ``variables``:
    Airflow Variables the code reads as they are (the project's exports); any other gets a
    stand-in. Raises ``VerifyError`` when Airflow does not start.
    """
    say = log or (lambda message: None)
    root = Path(root).resolve()
    folders = [(root / folder).resolve() for folder in dag_folders]
    plugins = (root / plugins_folder).resolve() if plugins_folder else None
    pending: list[str] | None = [str((root / f).resolve()) for f in files] if files is not None else None
    results: dict[str, dict] = {}
    versions = ("", "")
    with tempfile.TemporaryDirectory(prefix="migrator-verify-") as tmp:
        home = Path(tmp)
        (home / "airflow").mkdir()
        if env.metadata_db is not None:
            shutil.copyfile(env.metadata_db, home / "airflow" / "airflow.db")
        driver_env = _driver_env(home, folders[0], plugins, timeout)
        while pending is None or pending:
            args = {"root": str(root), "home": str(home), "dag_folders": [str(f) for f in folders],
                    "plugins_folder": str(plugins) if plugins else None, "files": pending,
                    "variables": dict(variables or {})}
            args_path = home / "args.json"
            args_path.write_text(json.dumps(args), encoding="utf-8")
            versions, pending = _run_driver(env, args_path, home, driver_env, timeout, grace, results, say,
                                            working_dir or home)
    if versions == ("", ""):
        versions = (env.airflow_version, env.python_version)
    return DagLoad(versions[0], versions[1],
                   sorted((_file_result(root, path, data, env.root) for path, data in results.items()),
                          key=lambda f: f.path))


def _run_driver(env: AirflowEnv, args_path: Path, home: Path, driver_env: dict[str, str], timeout: float,
                grace: float, results: dict[str, dict], say: Callable[[str], None], working_dir: Path
                ) -> tuple[tuple[str, str], list[str]]:
    """One driver process. Returns (Airflow and Python versions, files still to load)."""
    stderr_path = home / "driver-stderr.txt"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            # -P: the driver's own folder (this package) must not come first on sys.path, or
            # our modules shadow the standard library's (secrets.py hides `secrets`).
            [str(env.python), "-P", "-W", "always", str(DRIVER), str(args_path)],
            stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, cwd=working_dir,
            env=driver_env, start_new_session=True)
    reader = _EventReader(process.stdout)
    files: list[str] = []
    versions = ("", "")
    current: str | None = None
    offset = 0  # where the current file's output starts in the driver's stderr
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            try:
                event = reader.next(deadline)
            except EOFError:
                process.wait()
                if current is None:
                    raise VerifyError(_startup_failure(env, process.returncode, stderr_path)) from None
                results[current] = _crash_result(current, f"the process loading this file exited with "
                                                          f"code {process.returncode}",
                                                 _tail(stderr_path, offset))
                return versions, _after(files, current)
            if event is None:
                _stop(process)
                if current is None:
                    raise VerifyError(f"Airflow {env.airflow_version} did not start within "
                                      f"{STARTUP_SECONDS:.0f} s in {env.root}")
                results[current] = _crash_result(
                    current, f"still loading after {timeout + grace:g} s (Airflow's own timeout did "
                             "not stop it); the process was killed", "", status="timeout",
                    seconds=timeout + grace)
                return versions, _after(files, current)
            kind = event.get("event")
            if kind == "ready":
                versions = (event["airflow_version"], event["python_version"])
                files = list(event["files"])
                say(f"loading {len(files)} DAG files with Airflow {versions[0]}")
            elif kind == "start":
                current = event["file"]
                offset = stderr_path.stat().st_size
            elif kind == "file":
                results[event["file"]] = event
                current = None
            elif kind == "done":
                process.wait()
                return versions, []
            deadline = time.monotonic() + timeout + grace
    finally:
        reader.close()
        _stop(process)
        process.stdout.close()


def _after(files: list[str], current: str) -> list[str]:
    return files[files.index(current) + 1:] if current in files else []


def _startup_failure(env: AirflowEnv, code: int | None, stderr_path: Path) -> str:
    tail = _tail(stderr_path, lines=5)
    return (f"Airflow {env.airflow_version} in {env.root} exited with code {code} before loading "
            f"any DAG file: {tail or 'no output'}")


def _tail(path: Path, offset: int = 0, lines: int = 3) -> str:
    """The last lines ``path`` got after ``offset``, on one line."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def _crash_result(path: str, message: str, tail: str, status: str = "import_error",
                  seconds: float = 0.0) -> dict:
    return {"file": path, "status": status, "error": message + (f" ({tail})" if tail else ""),
            "traceback": None, "frames": [], "dag_ids": [], "tasks": 0, "warnings": [], "lookups": [],
            "parse_seconds": seconds}


# -- turning driver events into results ------------------------------------------------------------


class _Paths:
    """Absolute paths from the driver made relative: to the project, else to site-packages."""

    def __init__(self, root: Path, venv: Path) -> None:
        self.roots = sorted({str(root), os.path.realpath(root)}, key=len, reverse=True)
        self.venv = str(venv)

    def relative(self, path: str) -> str | None:
        for prefix in self.roots:
            if path.startswith(prefix + os.sep):
                return PurePosixPath(Path(path[len(prefix) + 1:])).as_posix()
        return None

    def display(self, path: str) -> str:
        relative = self.relative(path)
        if relative is not None:
            return relative
        marker = "site-packages" + os.sep
        if marker in path:
            return "site-packages/" + path.split(marker, 1)[1].replace(os.sep, "/")
        return path

    def scrub(self, text: str) -> str:
        text = re.sub(r", PID: \d+", "", text)  # Airflow's timeout message names the process
        for prefix in self.roots:
            text = text.replace(prefix + os.sep, "")
        # Paths into the venv differ per machine; what follows site-packages/ does not.
        return _PATH_TOKEN.sub(_from_site_packages, text)


_PATH_TOKEN = re.compile(r"[^\s\"'()]+")


def _from_site_packages(token: re.Match) -> str:
    """A path token with each ``/.../site-packages/`` cut to ``site-packages/``: from the
    token's first "/" to the first "/site-packages/" after it. (The regex that says this,
    ``/[^\\s"'()]*?/site-packages/``, rescans the token from every "/" in it.)"""
    text, parts, position = token.group(0), [], 0
    while True:
        slash = text.find("/", position)
        marker = text.find("/site-packages/", slash + 1) if slash >= 0 else -1
        if marker < 0:
            break
        parts += [text[position:slash], "site-packages/"]
        position = marker + len("/site-packages/")
    return "".join(parts) + text[position:]


def _file_result(root: Path, path: str, data: dict, venv: Path) -> FileResult:
    paths = _Paths(root, venv)
    rel = paths.relative(path) or path
    line, raised_in = None, None
    frames = [(p, n) for p, n in data.get("frames") or []]
    real = os.path.realpath(path)
    in_file = [n for p, n in frames if os.path.realpath(p) == real]
    if in_file:
        line = in_file[-1]
    in_project = [(paths.relative(p), n) for p, n in frames if paths.relative(p) is not None]
    if in_project and in_project[-1][0] != rel:
        raised_in = f"{in_project[-1][0]}:{in_project[-1][1]}"
    if data.get("status") != "loaded" and line is None:
        line = 1
    warnings = sorted({WarningEntry(w["category"], paths.scrub(w["message"]), paths.display(w["file"]),
                                    int(w["line"])) for w in data.get("warnings") or ()},
                      key=lambda w: (w.path, w.line, w.category, w.message))
    lookups = sorted({Lookup(x["kind"], x["key"], x["answer"]) for x in data.get("lookups") or ()},
                     key=lambda x: (x.kind, x.key, x.answer))
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        digest = ""
    error = data.get("error")
    status = data.get("status", "import_error")
    return FileResult(
        path=rel, status=status,
        error=_bounded(mask(paths.scrub(error))) if error else None, line=line, raised_in=raised_in,
        traceback=mask(paths.scrub(data["traceback"])) if data.get("traceback") else None,
        dag_ids=tuple(sorted(data.get("dag_ids") or ())), tasks=int(data.get("tasks") or 0),
        warnings=tuple(warnings), lookups=tuple(lookups),
        parse_seconds=None if status == "import_error" else round(float(data.get("parse_seconds") or 0.0), 3),
        sha256=digest, project_frames=tuple(f"{p}:{n}" for p, n in in_project))


def _bounded(message: str) -> str:
    return message if len(message) <= ERROR_CHARS else message[:ERROR_CHARS - 1] + "…"


# -- the whole command --------------------------------------------------------------------------------


def project_requirements(workspace) -> str | None:
    """The requirements file MWAA would get: ``requirements.txt`` nearest the root, else the
    shallowest non-development ``requirements*.txt``."""
    candidates = [r for r in workspace.requirement_files
                  if PurePosixPath(r).name.lower().startswith("requirements") and r.endswith(".txt")
                  and not _DEV_REQUIREMENTS.search(PurePosixPath(r).stem.removeprefix("requirements"))]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (PurePosixPath(r).name != "requirements.txt", r.count("/"), r))


def verify_project(root: Path, settings: Settings | None = None, target: str | MwaaVersion | None = None, *,
                   constraints: Path | None = None, cache_dir: Path | None = None,
                   requirements: Path | str | None = "auto", python: Path | None = None,
                   timeout: float = DEFAULT_TIMEOUT_SECONDS, rebuild: bool = False,
                   repair_requirements: bool = False, working_dir: Path | None = None,
                   variables: Mapping[str, str] | None = None,
                   log: Callable[[str], None] | None = None) -> VerifyResult:
    """Verify the project at ``root`` against ``target`` (default: the settings', else the newest).

    ``requirements``: "auto" (the project's requirements file, if any), a path, or None (skip).
    ``constraints``: the target's constraints file (default: the settings', else downloaded).
    ``repair_requirements``: install what does in place of lines that do not (the result's
    ``requirements.repairs`` says what; the file itself is left as it is).
    ``working_dir``: where the DAG code runs (``load_dags``).
    ``variables``: the Variables the code reads as they are (default: those the project's
    exports and environment define, as ``migrator connections export`` would store them).
    Raises ``InputError`` for a missing project, an unknown target or a project without DAGs,
    and ``EnvironmentSetupError``/``VerifyError`` when Airflow cannot be installed or started.
    """
    from migrator.workspace import discover

    started = time.perf_counter()
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such directory")
    settings = settings or Settings()
    try:
        version = get_version(target if target is not None else settings.target)
    except UnknownTargetError as exc:
        raise InputError(str(exc)) from None
    workspace = discover(root, settings)
    if not workspace.dag_folders:
        raise InputError(f"{root}: no DAG folder found (looked for dags/, airflow.cfg dags_folder, "
                         "docker-compose mounts and DAG files at the root)")
    if not any(rel.endswith(".py") and _in_folders(rel, workspace.dag_folders)
               for rel in workspace.python_files):
        raise InputError(f"{root}: no Python files in the DAG folder(s) {', '.join(workspace.dag_folders)}")
    if constraints is None and settings.constraints:
        constraints = root / settings.constraints
    requirements_path = _requirements_path(root, workspace, requirements)
    env = ensure_airflow_env(version, constraints, cache_dir, requirements_path, python=python,
                             rebuild=rebuild, project_root=root,
                             repair_requirements=repair_requirements, log=log)
    if variables is None:
        from migrator.analysis.connections import read_definitions
        from migrator.analysis.envsources import analyse_env

        variables = project_variables(read_definitions(workspace, analyse_env(workspace)))
    loaded = load_dags(env, root, workspace.dag_folders, workspace.plugins_folder, timeout=timeout,
                       working_dir=working_dir, variables=variables, log=log)
    if not loaded.files:
        raise InputError(f"{root}: Airflow found no DAG files in {', '.join(workspace.dag_folders)} "
                         "(.airflowignore and Airflow's safe-mode heuristic applied: a DAG file "
                         "mentions both 'airflow' and 'dag')")
    environment = Environment(loaded.airflow_version, loaded.python_version, env.notes, env.created, env.seconds)
    req_sha = hashlib.sha256(requirements_path.read_bytes()).hexdigest() if requirements_path else ""
    return VerifyResult(version, environment, loaded.files, env.requirements, req_sha,
                        round(time.perf_counter() - started, 3))


def project_variables(connections) -> dict[str, str]:
    """The Variables the project defines (``ConnectionFacts``: exports, ``AIRFLOW_VAR_*``,
    airflow_settings.yaml), each with the value ``migrator connections export`` would store in
    Secrets Manager."""
    from migrator.connections_export import plan_export

    return {secret.key: secret.value for secret in plan_export(connections).secrets if secret.kind == "variable"}


def _in_folders(rel: str, folders: Sequence[str]) -> bool:
    return any(folder == "." or rel.startswith(folder.rstrip("/") + "/") for folder in folders)


def _requirements_path(root: Path, workspace, requirements: Path | str | None) -> Path | None:
    if requirements is None:
        return None
    if requirements == "auto":
        rel = project_requirements(workspace)
        return root / rel if rel else None
    path = Path(requirements)
    if not path.is_file():
        raise InputError(f"{path}: requirements file not found")
    return path


# -- results carried by the project, and findings ---------------------------------------------------


@dataclass
class ProjectVerifyResults:
    """Verify results a scan can use: attached by ``scan --verify`` or read from the project's
    ``verify-results.json``; ``files`` keeps only entries whose file is unchanged since."""

    result: VerifyResult | None = None
    files: list[FileResult] = field(default_factory=list)
    source: str = ""  # RESULTS_FILE, or "" for a fresh run
    problems: list[str] = field(default_factory=list)  # why some or all results are not used
    requirement_failures: list[RequirementFailure] = field(default_factory=list)


_ATTRIBUTE = "verify_results"


def attach(project, result: VerifyResult) -> None:
    """Give a scan's ``ProjectFacts`` fresh verify results (``scan --verify``)."""
    setattr(project, _ATTRIBUTE, ProjectVerifyResults(result, list(result.files), "", [],
                                                      list(result.requirements.failures if result.requirements else ())))


def results_for(project, target: MwaaVersion) -> ProjectVerifyResults:
    """The verify results of ``project`` for ``target`` (read once, then kept on the project)."""
    cached = getattr(project, _ATTRIBUTE, None)
    if cached is None:
        cached = read_carried_results(project.workspace.root)
        setattr(project, _ATTRIBUTE, cached)
    if cached.result is not None and cached.result.target.airflow != target.airflow:
        problem = (f"{cached.source or 'verify results'} were made for Airflow "
                   f"{cached.result.target.airflow}, not the target {target.airflow}; run "
                   f"`migrator verify --target {target.airflow} -f json -o {RESULTS_FILE}`")
        return ProjectVerifyResults(None, [], cached.source, [problem])
    return cached


def read_carried_results(root: Path) -> ProjectVerifyResults:
    """``verify-results.json`` at ``root``, with entries for changed or deleted files left out."""
    path = Path(root) / RESULTS_FILE
    if not path.is_file():
        return ProjectVerifyResults()
    try:
        result = VerifyResult.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return ProjectVerifyResults(None, [], RESULTS_FILE, [f"{RESULTS_FILE} cannot be used: {exc}"])
    kept, changed = [], []
    for entry in result.files:
        try:
            digest = hashlib.sha256((Path(root) / entry.path).read_bytes()).hexdigest()
        except OSError:
            digest = None
        (kept if digest == entry.sha256 else changed).append(entry)
    problems = []
    if changed:
        names = ", ".join(e.path for e in changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        problems.append(f"{len(changed)} file(s) changed since {RESULTS_FILE} was made, their results "
                        f"are not used: {names}; run `migrator verify -f json -o {RESULTS_FILE}` again")
    failures: list[RequirementFailure] = []
    if result.requirements is not None:
        try:
            digest = hashlib.sha256((Path(root) / result.requirements.path).read_bytes()).hexdigest()
        except OSError:
            digest = None
        if digest == result.requirements_sha256:
            failures = list(result.requirements.failures)
        else:
            problems.append(f"{result.requirements.path} changed since {RESULTS_FILE} was made; its "
                            "install results are not used")
    return ProjectVerifyResults(result, kept, RESULTS_FILE, problems, failures)


VERIFY_RULE_PREFIX = "MIG1"  # MIG101-MIG105 (migrator.rules.mig) read verify results


def verify_rules(settings: Settings, target: MwaaVersion) -> list:
    from migrator.rules import ProjectRule, all_rules

    return [r for r in all_rules() if isinstance(r, ProjectRule) and r.id.startswith(VERIFY_RULE_PREFIX)
            and settings.rule_enabled(r.id) and r.applies(target)]


def verify_findings(project, result: VerifyResult, settings: Settings) -> list[Finding]:
    """The findings of a verify run, filtered like a scan's (select/ignore, per-path, inline)."""
    from migrator.engine import build_index, run_project_rules
    from migrator.rules.base import RuleContext

    attach(project, result)
    ctx = RuleContext(target=result.target, index=build_index(project.workspace))
    findings = run_project_rules(project, verify_rules(settings, result.target), ctx)
    return finalize(_filtered(findings, settings, project.workspace.root))


def _filtered(findings: list[Finding], settings: Settings, root: Path) -> list[Finding]:
    from migrator.analysis.source import SourceText, read_text
    from migrator.engine import is_suppressed

    lines: dict[str, list[str]] = {}
    kept = []
    for finding in findings:
        if not settings.rule_enabled(finding.rule) or settings.ignored_for_path(finding.rule, finding.path):
            continue
        if finding.path not in lines:
            source = read_text(root / finding.path) if finding.path != "." else None
            lines[finding.path] = source.text.splitlines() if isinstance(source, SourceText) else []
        text = lines[finding.path]
        line = text[finding.location.line - 1] if 0 < finding.location.line <= len(text) else ""
        if not is_suppressed(finding, line):
            kept.append(finding)
    return kept


def merge_into_scan(scan_result, result: VerifyResult, settings: Settings) -> None:
    """``scan --verify``: replace the scan's verify findings with those of a fresh run."""
    fresh = verify_findings(scan_result.project, result, settings)
    ids = {r.id for r in verify_rules(Settings(), result.target)}
    scan_result.findings = finalize([f for f in scan_result.findings if f.rule not in ids] + fresh)


# -- text report -------------------------------------------------------------------------------------


def render_text(result: VerifyResult, findings: Sequence[Finding] = (), color: bool = False) -> str:
    import click

    def style(text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if color else text

    status_style = {"loaded": {"fg": "green"}, "import_error": {"fg": "red", "bold": True},
                    "timeout": {"fg": "yellow", "bold": True}}
    env = result.environment
    out = [(f"Airflow {env.airflow_version} on Python {env.python_version} "
            f"(target: MWAA {result.target.airflow}, Python {result.target.python})")]
    out += [f"  note: {note}" for note in env.notes]
    if result.requirements is not None:
        req = result.requirements
        state = "installed" if req.installed else f"{len(req.failures)} requirement(s) do not install"
        out.append(f"{req.path}: {state}")
        for failure in req.failures:
            out.append(f"  {failure.path}:{failure.line}: {failure.requirement}")
            out.append(f"      {failure.reason}")
        out += [f"  note: {note}" for note in req.notes]
    out.append("")
    width = max((len(f.path) for f in result.files), default=0)
    for entry in sorted(result.files, key=lambda f: f.path):
        label = style(entry.status.replace("_", " "), **status_style[entry.status])
        detail = (f"{len(entry.dag_ids)} DAG(s), {entry.tasks} task(s)" if entry.status == "loaded"
                  else f"line {entry.line}")
        seconds = f"  {entry.parse_seconds:.2f} s" if entry.parse_seconds is not None else ""
        out.append(f"{entry.path:<{width}}  {label}  {detail}{seconds}")
        if entry.error:
            where = f" (raised in {entry.raised_in})" if entry.raised_in else ""
            first, *rest = entry.error.splitlines()
            out += [f"    {first}{where}", *(f"      {line}" for line in rest)]
        if entry.dag_ids:
            out.append(f"    dags: {', '.join(entry.dag_ids)}")
        for warning in entry.warnings:
            out.append(f"    warning: {warning.path}:{warning.line}: {warning.category.rsplit('.', 1)[-1]}: "
                       f"{warning.message.splitlines()[0] if warning.message else ''}")
        if entry.lookups:
            out.append("    lookups: " + ", ".join(f"{x.kind} {x.key} ({x.answer})" for x in entry.lookups))
    summary = result.summary
    out += ["", (f"{summary['files']} file(s): {summary['loaded']} loaded, {summary['import_error']} "
                 f"import error(s), {summary['timeout']} timeout(s); {summary['dags']} DAG(s), "
                 f"{summary['tasks']} task(s), {summary['warnings']} warning(s), "
                 f"{summary['lookups']} stand-in lookup(s); parse time {summary['parse_seconds']:.2f} s")]
    if findings:
        out.append(f"{len(findings)} finding(s): " + ", ".join(
            f"{rule} x{count}" for rule, count in sorted(Counter(f.rule for f in findings).items())))
    return "\n".join(out) + "\n"

