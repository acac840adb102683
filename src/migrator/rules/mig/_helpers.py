"""Helpers shared by two or more MIG rules."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from migrator import compat
from migrator.findings import Finding, Location
from migrator.project import ProjectFacts
from migrator.rules.base import ProjectRule, RuleContext
from migrator.verify import RESULTS_FILE, FileResult, results_for


class _ProblemRule(ProjectRule):
    """Reports the file problems whose ``kind`` is in ``kinds``."""

    kinds: frozenset[str] = frozenset()

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for path, problem in project.file_problems:
            if problem.kind in self.kinds:
                location = Location(problem.line, problem.column, problem.line, problem.column + 1)
                yield self.finding(path, location, problem.message, anchor=problem.kind)


# The examples are a verify run on the newest target with image data (its Python below): an
# example's finding can hang on the image's constraints (a pinned markupsafe).
_EXAMPLE_TARGET = compat.newest_with_image().airflow


def _example(files: dict[str, str], results: list[dict], *, airflow: str = _EXAMPLE_TARGET,
             requirements: dict | None = None) -> dict[str, str]:
    """A tiny project and the verify report a real run made of it (each file's sha256 filled in,
    so the report is current for exactly these contents)."""
    def sha(path: str) -> str:
        return hashlib.sha256(files[path].encode()).hexdigest() if path in files else "0" * 64

    entries = []
    for entry in results:
        full = {"error": None, "line": None, "raised_in": None, "traceback": None, "dag_ids": [],
                "tasks": 0, "warnings": [], "lookups": [],
                "parse_seconds": None if entry["status"] == "import_error" else 0.01, **entry}
        full.setdefault("sha256", sha(full["path"]))
        entries.append(full)
    if requirements is not None:
        requirements = {"installed": not requirements.get("failures"), "notes": [],
                        "sha256": sha(requirements["path"]), **requirements}
    python = compat.get_version(_EXAMPLE_TARGET).python
    report = {"target": {"mwaa_version": airflow, "airflow_version": airflow, "python_version": python},
              "environment": {"airflow_version": airflow, "python_version": f"{python}.1", "notes": []},
              "requirements": requirements, "files": entries, "summary": {}}
    return {**files, RESULTS_FILE: json.dumps(report, indent=2)}


_LEGACY_DAG = """\
from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator

with DAG("nightly", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="run", bash_command="echo hi")
"""


_MODERN_DAG = """\
from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("nightly", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="run", bash_command="echo hi")
"""


_LOADED = {"path": "dags/nightly.py", "status": "loaded", "dag_ids": ["nightly"], "tasks": 1}


_IMPORT_ERROR = {"path": "dags/nightly.py", "status": "import_error", "line": 4,
                 "error": "ModuleNotFoundError: No module named 'airflow.operators.bash_operator'"}


def _report_location(line: int | None) -> Location:
    return Location(line or 1, 1, line or 1, 1)


class _VerifyRule(ProjectRule):
    def files(self, project: ProjectFacts, ctx: RuleContext) -> list[FileResult]:
        return results_for(project, ctx.target).files
