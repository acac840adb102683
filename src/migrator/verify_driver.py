"""Runs inside the Airflow venv (standard library + Airflow only): loads DAG files with DagBag.

``migrator.verify`` starts it as ``<venv python> -W always verify_driver.py ARGS.json`` with a
throwaway AIRFLOW_HOME. It speaks JSON lines on the stdout it was started with (DAG code that
prints goes to stderr instead), one event per line:

    {"event": "ready", "airflow_version": ..., "python_version": ..., "files": [abs paths]}
    {"event": "start", "file": abs path}
    {"event": "file", "file": abs path, "status": ..., ...}
    {"event": "done"}

The parent enforces a hard time limit per file and, when it has to kill this process, starts it
again on the files that remain. Airflow's own ``dagbag_import_timeout`` is the first line of
defence; the parent's limit catches code that signals cannot interrupt.

Variable, Connection and environment lookups made while DAG files load are answered by
stand-ins and reported per file, so DAGs that read them at parse time still load (there is no
metadata database here, and there should not be one: MWAA's DAG processor has its own).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
import time
import traceback
import warnings

NO_DEFAULT = object()
_TIMEOUT_TEXT = "DagBag import timeout for"
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')


class Recorder:
    """Lookups made by the file being loaded right now."""

    def __init__(self, root: str) -> None:
        self.roots = tuple({root.rstrip(os.sep) + os.sep, os.path.realpath(root).rstrip(os.sep) + os.sep})
        self.lookups: list[dict] = []

    def add(self, kind: str, key: str, answer: str) -> None:
        entry = {"kind": kind, "key": str(key), "answer": answer}
        if entry not in self.lookups:
            self.lookups.append(entry)

    def in_project(self, filename: str) -> bool:
        return filename.startswith(self.roots)


# -- stand-ins -----------------------------------------------------------------------------------


class StandInJson(dict):
    """What ``Variable.get(key, deserialize_json=True)`` returns: an empty mapping whose missing
    keys are stand-ins too, so ``cfg["tables"]`` loops over nothing instead of failing."""

    def __missing__(self, key):
        return StandInJson()


def stand_in_text(key: str) -> str:
    return f"stand-in-{key}"


def _given(value) -> bool:
    # Airflow's sentinels for "no default": a bare object() or its NOTSET (class ArgNotSet).
    return value is not NO_DEFAULT and type(value) is not object and type(value).__name__ != "ArgNotSet"


def install_variable_stand_ins(recorder: Recorder, values: dict | None = None) -> None:
    """``values``: the Variables the project defines (its exports), which MWAA will hold once
    they are imported: read as they are, not stood in for."""
    values = values or {}

    def make(original_cls):
        def get(cls, key, *args, **kwargs):
            default = kwargs.pop("default_var", kwargs.pop("default", args[0] if args else NO_DEFAULT))
            deserialize = kwargs.pop("deserialize_json", args[1] if len(args) > 1 else False)
            if key in values:
                recorder.add("variable", key, "project")
                return json.loads(values[key]) if deserialize else values[key]
            if _given(default):
                recorder.add("variable", key, "default")
                return default
            recorder.add("variable", key, "stand-in")
            return StandInJson() if deserialize else stand_in_text(key)
        return classmethod(get)

    for module, name in (("airflow.models.variable", "Variable"),
                         ("airflow.sdk.definitions.variable", "Variable")):
        cls = _load(module, name)
        if cls is not None:
            cls.get = make(cls)


def install_connection_stand_ins(recorder: Recorder) -> None:
    def fake(cls, conn_id):
        recorder.add("connection", conn_id, "stand-in")
        return cls(conn_id=conn_id, conn_type="generic", host="stand-in.invalid", login="stand-in",
                   password="stand-in", schema="stand-in")

    models = _load("airflow.models.connection", "Connection")
    if models is not None:
        models.get_connection_from_secrets = classmethod(lambda cls, conn_id, *a, **k: fake(cls, conn_id))
    sdk = _load("airflow.sdk.definitions.connection", "Connection")
    if sdk is not None:
        sdk.get = classmethod(lambda cls, conn_id, *a, **k: fake(cls, conn_id))


def install_environ_stand_in(recorder: Recorder) -> None:
    """Missing environment variables read by project code: ``os.environ[k]`` gets a stand-in,
    ``os.getenv``/``.get`` its default; both are reported. Everyone else sees the real mapping."""
    original = os.environ
    skip = {os.__file__, "<frozen os>", "<frozen _collections_abc>"}
    import _collections_abc

    skip.add(_collections_abc.__file__ if hasattr(_collections_abc, "__file__") else "")

    def project_caller() -> bool:
        frame = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename in skip:
            frame = frame.f_back
        return frame is not None and recorder.in_project(frame.f_code.co_filename)

    class StandInEnviron(type(original)):
        def __getitem__(self, key):
            try:
                return super().__getitem__(key)
            except KeyError:
                if not project_caller():
                    raise
                recorder.add("env", key, "stand-in")
                return stand_in_text(key)

        def __contains__(self, key):
            # Mapping's own __contains__ and get() go through __getitem__, which now answers.
            try:
                return self.encodekey(key) in self._data
            except TypeError:
                return False

        def get(self, key, default=None):
            if key in self:
                return super().__getitem__(key)
            if project_caller():
                recorder.add("env", key, "default")
            return default

    os.environ = StandInEnviron(  # noqa: B003 (a wrapper over the same data, not a new environment)
        original._data, original.encodekey, original.decodekey, original.encodevalue,
        original.decodevalue)


def _load(module: str, name: str):
    try:
        imported = __import__(module, fromlist=[name])
        return getattr(imported, name)
    except Exception:  # noqa: BLE001 (that Airflow version has no such class)
        return None


# -- loading files ------------------------------------------------------------------------------


def make_dagbag(folder: str):
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.1
    except ImportError:
        from airflow.models.dagbag import DagBag
    kwargs = {"dag_folder": folder, "collect_dags": False}
    # Airflow 3.3 dropped include_examples; AIRFLOW__CORE__LOAD_EXAMPLES=False covers it there.
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:
        kwargs["include_examples"] = False
    return DagBag(**kwargs)


def list_dag_files(folder: str) -> list[str]:
    """The files Airflow itself would parse: .airflowignore and the safe-mode heuristic applied."""
    try:
        from airflow.dag_processing.importers import get_importer_registry
    except ImportError:
        from airflow.utils.file import list_py_file_paths

        return sorted(list_py_file_paths(folder, safe_mode=True, include_examples=False))
    return sorted(get_importer_registry().list_dag_files(folder, safe_mode=True))


def summarize_error(text: str) -> tuple[str, list[tuple[str, int]]]:
    """(the exception's whole message, [(path, line) of every traceback frame]) of an import
    error. The message runs from the exception's line to the end: Airflow's checks go on below
    it ("Invalid arguments were:" then "**kwargs: {...}" names the arguments)."""
    lines = text.rstrip().splitlines()
    frames = [(m.group("path"), int(m.group("line"))) for m in map(_FRAME.match, lines) if m]
    last_frame = max((i for i, line in enumerate(lines) if _FRAME.match(line)), default=-1)
    # After the last frame come its source line and carets (indented), then the exception.
    start = next((i for i in range(last_frame + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")),
                 None)
    if start is None:  # no traceback, just "Type: message"
        start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        return text.strip(), frames
    return "\n".join(lines[start:]).strip(), frames


_CAPTURED = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<category>[\w.]+): (?P<message>.*)$", re.DOTALL)


def keep_warning(category: str, message: str, filename: str, recorder: Recorder) -> bool:
    """Airflow's deprecation warnings and any warning pointing at project code; not library noise."""
    return (recorder.in_project(filename) or category.startswith("airflow.")
            or "airflow" in message.lower())


def file_warnings(dagbag, path: str, caught: list, recorder: Recorder) -> list[dict]:
    """Warnings raised while loading ``path``, Airflow's record of them first.

    DagBag keeps the warnings of each file's import (Airflow >= 2.9) with their real category;
    Airflow 3.3 re-emits them as UserWarning, so what this process caught only adds the warnings
    raised after the import (validating and bagging the DAGs).
    """
    entries: dict[tuple, str] = {}
    for text in getattr(dagbag, "captured_warnings", {}).get(path, ()):
        match = _CAPTURED.match(str(text))
        if match:
            key = (match.group("file"), int(match.group("line")), match.group("message"))
            entries[key] = match.group("category")
    for message in caught:
        category = message.category
        name = category.__name__ if category.__module__ == "builtins" else f"{category.__module__}.{category.__name__}"
        key = (str(message.filename), message.lineno or 0, str(message.message))
        entries.setdefault(key, name)
    return [{"category": category, "message": message, "file": file, "line": line}
            for (file, line, message), category in entries.items()
            if keep_warning(category, message, file, recorder)]


def load_file(dagbag, path: str, recorder: Recorder) -> dict:
    recorder.lookups = []
    dagbag.import_errors.clear()
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            found = dagbag.process_file(path, only_if_updated=False, safe_mode=True) or []
            crash = None
        except Exception:  # noqa: BLE001 (Airflow itself failed on the file: an import error too)
            found, crash = [], traceback.format_exc()
    seconds = time.perf_counter() - started
    errors = [crash] if crash else [str(value) for value in dagbag.import_errors.values()]
    result = {
        "file": path,
        "status": "loaded",
        "error": None,
        "traceback": None,
        "frames": [],
        "dag_ids": sorted({dag.dag_id for dag in found}),
        "tasks": sum(len(dag.tasks) for dag in found),
        "warnings": [],
        "lookups": list(recorder.lookups),
        "parse_seconds": seconds,
    }
    result["warnings"] = file_warnings(dagbag, path, caught, recorder)
    if errors:
        text = "\n".join(errors)
        error, frames = summarize_error(errors[-1])
        result.update(status="timeout" if _TIMEOUT_TEXT in text else "import_error", error=error,
                      traceback=text, frames=frames)
    return result


WARM_UP_DAG = """\
import datetime

try:
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator

with DAG("migrator_warm_up", start_date=datetime.datetime(2024, 1, 1), schedule=None):
    EmptyOperator(task_id="noop")
"""


def warm_up(dagbag, home: str, recorder: Recorder) -> None:
    """Load a tiny DAG first, so what Airflow imports lazily on its first DAG (and the warnings
    that come with it) is not charged to the project's first file."""
    path = os.path.join(home, "migrator_warm_up_dag.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(WARM_UP_DAG)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            dagbag.process_file(path, only_if_updated=False, safe_mode=True)
        except Exception:  # noqa: BLE001, S110 (the real files will show what is wrong)
            pass
    dagbag.dags.clear()
    dagbag.import_errors.clear()
    recorder.lookups = []


def main(args_path: str) -> int:
    with open(args_path, encoding="utf-8") as handle:
        args = json.load(handle)
    # The protocol keeps the real stdout; whatever DAG code prints goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(event: dict) -> None:
        protocol.write(json.dumps(event, default=str) + "\n")
        protocol.flush()

    for folder in [*args["dag_folders"], *([args["plugins_folder"]] if args.get("plugins_folder") else [])]:
        if folder not in sys.path:
            sys.path.insert(0, folder)
    recorder = Recorder(args["root"])

    import airflow
    import airflow.models  # warm-up: its import-time warnings are not the DAGs'

    install_variable_stand_ins(recorder, args.get("variables"))
    install_connection_stand_ins(recorder)
    install_environ_stand_in(recorder)
    dagbag = make_dagbag(args["dag_folders"][0])
    warm_up(dagbag, args["home"], recorder)
    files = args.get("files")
    if files is None:
        files = sorted({path for folder in args["dag_folders"] for path in list_dag_files(folder)})
    send({"event": "ready", "airflow_version": airflow.__version__,
          "python_version": ".".join(map(str, sys.version_info[:3])), "files": files})
    for path in files:
        send({"event": "start", "file": path})
        send({"event": "file", **load_file(dagbag, path, recorder)})
    send({"event": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
