"""Running ``verify_driver.py`` in the target's Airflow: one subprocess with a throwaway
AIRFLOW_HOME that loads the DAG files one at a time, each under a time limit, read back as
per-file results; a file that kills the driver is reported and the rest carry on."""

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from migrator.airflow_env import AirflowEnv
from migrator.compat import mwaa_default
from migrator.secrets import mask
from migrator.verify.results import FileResult, Lookup, VerifyError, WarningEntry, _bounded

# What MWAA runs with for core.dagbag_import_timeout when the user sets nothing (compat records
# it per target; 30 s on every current one); --timeout replaces it.
DEFAULT_TIMEOUT_SECONDS = float(mwaa_default("core.dagbag_import_timeout").value)
# Importing Airflow and its providers before the first file; generous, the machine may be busy.
STARTUP_SECONDS = 300.0
# The parent's hard limit is Airflow's own timeout plus this, for code SIGALRM cannot interrupt.
GRACE_SECONDS = 10.0
DRIVER = Path(__file__).parents[1] / "verify_driver.py"
# Variables passed through to the driver; everything else (AIRFLOW__*, credentials, the
# user's own settings) stays out, so the DAGs see an environment like MWAA's, not this shell's.
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "TMPDIR")


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
