"""What ``migrator verify`` reports: per file whether Airflow loaded it, its DAGs, warnings and
lookups, the environment it ran in, and the JSON of it all (see ``migrator.verify``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrator.airflow_env import RequirementFailure, RequirementRepair, RequirementsInstall
from migrator.compat import UnknownTargetError, get_version
from migrator.compat.mwaa import MwaaVersion
from migrator.errors import MigratorError
from migrator.schemas import tool_info

STATUSES = ("loaded", "import_error", "timeout")
# An exception's message is kept whole up to this length (a DAG's repr in it can be huge).
ERROR_CHARS = 2000


class VerifyError(MigratorError):
    """Airflow could not be started to load the DAGs (an environment problem, not the DAGs')."""

    exit_code = 2


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


def _bounded(message: str) -> str:
    return message if len(message) <= ERROR_CHARS else message[:ERROR_CHARS - 1] + "…"


