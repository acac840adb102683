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
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from migrator.airflow_env import ensure_airflow_env
from migrator.analysis.connections.project import read_definitions
from migrator.analysis.envsources import analyse_env
from migrator.compat import UnknownTargetError, get_version
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.connections_export import plan_export
from migrator.errors import InputError
from migrator.findings import Finding
from migrator.verify.loading import DEFAULT_TIMEOUT_SECONDS, _file_result, load_dags
from migrator.verify.results import (
    ERROR_CHARS,
    Environment,
    FileResult,
    Lookup,
    VerifyResult,
    WarningEntry,
)
from migrator.verify.scan_results import (
    RESULTS_FILE,
    read_carried_results,
    results_for,
)
from migrator.workspace import discover

__all__ = ["ERROR_CHARS", "RESULTS_FILE", "FileResult", "Lookup", "WarningEntry", "_file_result",
    "project_requirements", "project_variables", "read_carried_results", "render_text", "results_for",
    "verify_project"]


_DEV_REQUIREMENTS = re.compile(r"(^|[-_.])(dev|test|tests|testing|lint|docs?|ci|local|mypy|typing)([-_.]|$)", re.IGNORECASE)


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
