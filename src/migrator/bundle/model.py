"""What a bundle build produces and shares between its steps: the bundle's file names, the
results (``Bundle``, ``BundleCheck``, ``Excluded``), the options and the files headed for it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrator.airflowignore import (
    IgnoreRule,
    Syntax,
)
from migrator.compat import upload_limit, worker_paths
from migrator.compat.mwaa import MwaaVersion
from migrator.errors import InputError
from migrator.findings import Severity

MANIFEST = "manifest.json"
PLUGINS_ZIP = "plugins.zip"
REQUIREMENTS = "requirements.txt"
STARTUP = "startup.sh"
MWAA_CONFIG = "mwaa-config.json"
DAGS = "dags"
# Where MWAA extracts plugins.zip on its containers (compat/data, with its source).
MWAA_PLUGINS_DIR = worker_paths().plugins
# MWAA's guidance for what a container unpacks or installs while it starts (migrator.compat:
# recommended size and start-up time limit), for plugins.zip and for the requirements' wheels.
PLUGINS_LIMIT = upload_limit(PLUGINS_ZIP)
REQUIREMENTS_LIMIT = upload_limit(REQUIREMENTS)
# One threshold for both checks: MWAA recommends the same 1 GB for each (tests lower it).
RECOMMENDED_MAX_BYTES = min(PLUGINS_LIMIT.recommended_max_bytes,
                            REQUIREMENTS_LIMIT.recommended_max_bytes)


@dataclass(frozen=True, order=True)
class Excluded:
    path: str  # POSIX, relative to the project root; folders end with "/"
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class BundleCheck:
    """A problem with the bundle, or something the user must know about it."""

    severity: Severity
    code: str  # stable, kebab-case: "dag-capacity", "excluded-but-imported", ...
    message: str
    path: str = ""
    # ``path`` is a file of the bundle (requirements.txt, startup.sh), not of the project: SARIF
    # places it under BUNDLEROOT. Not compared: it follows from the code and the path.
    in_bundle: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, str]:
        return {"severity": self.severity.label, "code": self.code, "message": self.message,
                "path": self.path}

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.severity.label}: {where}{self.message}"


@dataclass
class BundleOptions:
    private_network: bool = False
    include: tuple[str, ...] = ()  # gitignore-style patterns that bring back sensitive files
    environment_class: str | None = None  # the class DAG counts are checked against
    constraints: Path | None = None  # constraints file for --private-network downloads
    include_secret_options: bool = False  # keep credential-valued options in mwaa-config.json
    allow_broken_requirements: bool = False  # write a requirements.txt known not to install
    pip_command: tuple[str, ...] = ()  # default: this interpreter's pip
    pip_args: tuple[str, ...] = ()  # e.g. ("--index-url", URL) or ("--no-index", "--find-links", D)


@dataclass
class Bundle:
    root: Path
    out: Path
    target: MwaaVersion
    manifest: dict[str, Any]
    checks: list[BundleCheck]
    excluded: list[Excluded]
    kept: list[Excluded]  # files .airflowignore matches but a DAG needs: shipped, not parsed
    dag_files: int = 0
    dags: int = 0
    dags_estimated: bool = False
    error_findings: int = 0
    crashed: bool = False  # the scan behind it met a defect of this tool (MIG005/MIG006 say where)
    ignore_syntax: Syntax = "regexp"
    wheels: list[str] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)  # bundle file -> how it was made
    # plugins.zip member -> the project file it was carried from (code outside dags/ and plugins/)
    carried_from: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[BundleCheck]:
        return [c for c in self.checks if c.severity == Severity.ERROR]

    def files(self) -> list[dict[str, Any]]:
        return self.manifest["files"]

    def summary(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "target": self.manifest["target"],
            "dag_files": self.dag_files,
            "dags": self.dags,
            "dags_estimated": self.dags_estimated,
            "files": len([f for f in self.files() if "!" not in f["path"]]),
            "excluded": len(self.excluded),
            "error_findings": self.error_findings,
            "parts": dict(sorted(self.parts.items())),
            "checks": [c.to_json() for c in self.checks],
        }


class BundleError(InputError):
    """The project cannot be bundled as it is (a name clash, a failed wheel download, ...)."""


@dataclass
class Source:
    """One file headed for the bundle."""

    src: str  # POSIX, relative to the project root
    dest: str  # relative to dags/ or to the zip root
    folder: str  # the DAG or plugins folder it came from
    ignored_by: IgnoreRule | None = None  # the .airflowignore rule Airflow would skip it by
    included_by: str | None = None  # the --include pattern that brought a sensitive file back
    executable: bool = False  # shipped with mode 755 instead of 644

    @property
    def is_python(self) -> bool:
        return self.dest.endswith(".py")


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
