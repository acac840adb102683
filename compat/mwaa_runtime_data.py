"""The MWAA images' files in ``--mwaa-data`` (shared/mwaa-data): their targets, pins and the
README that names where they were copied from; ``generate_runtime`` turns them into
compat/data/generated/runtime/<airflow>.json (no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .generated_files import GENERATED_BY, GenerationError, dump_compact, file_sha256
from .mwaa import find_version


def read_pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) == 1 and specifiers[0].operator == "==":
            pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


# The three files per target in shared/mwaa-data and the key each gets in the runtime data.
RUNTIME_FILES = {"constraints": "airflow_constraints.txt", "essential": "mwaa_essential_constraints.txt",
                 "preinstalled": "preinstalled.txt"}
_README_SOURCE = re.compile(r"Source:\s*(?P<repository>\S+)\s*\((?P<license>[^)]*)\),\s*commit\s*"
                            r"(?P<commit>[0-9a-f]{40})\s*\((?P<date>[0-9-]+)\)")
_README_ROW = re.compile(r"^\|\s*`(?P<file>[^`]+)`\s*\|.*\|\s*`(?P<path>[^`]+)`\s*\|\s*$", re.MULTILINE)


def mwaa_data_source(mwaa_data: Path) -> dict[str, Any]:
    """Repository, licence, commit, date and the image path of each file, from the README of
    ``mwaa_data`` (the copies' own record of where they were taken from)."""
    readme = mwaa_data / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        raise GenerationError(f"{readme}: cannot read it ({exc.strerror})") from None
    source = _README_SOURCE.search(text)
    paths = {row["file"]: row["path"] for row in _README_ROW.finditer(text)}
    missing = [name for name in RUNTIME_FILES.values() if name not in paths]
    if source is None or missing:
        raise GenerationError(f"{readme}: no 'Source: <repository> (<licence>), commit <sha> (<date>)' line"
                              if source is None else f"{readme}: the table names no image path for {missing}")
    return {**source.groupdict(), "paths": paths}


def generate_runtime(mwaa_data: Path, out: Path) -> dict[str, int]:
    """``out/runtime/<airflow>.json`` per target: the image's constraints, essential pins and
    preinstalled distributions (canonical names), each file's image path and sha256."""
    source = mwaa_data_source(mwaa_data)
    written: dict[str, int] = {}
    for target in mwaa_targets(mwaa_data):
        version = find_version(target)
        files: dict[str, Any] = {}
        document: dict[str, Any] = {"airflow": target, "python": version.python}
        for key, name in RUNTIME_FILES.items():
            path = mwaa_data / target / name
            if not path.is_file():
                raise GenerationError(f"{path} is missing")
            document[key] = dict(sorted(read_pins(path).items()))
            files[key] = {"path": source["paths"][name].replace("<v>", target), "sha256": file_sha256(path)}
        document["provenance"] = {"repository": source["repository"], "license": source["license"],
                                  "commit": source["commit"], "date": source["date"], "files": files,
                                  "generated_by": GENERATED_BY}
        name = f"runtime/{target}.json"
        written[name] = dump_compact(out / name, document)
    return written


def mwaa_targets(mwaa_data: Path) -> list[str]:
    targets = [p.name for p in mwaa_data.iterdir()
               if p.is_dir() and (p / "airflow_constraints.txt").is_file() and find_version(p.name)]
    if not targets:
        raise GenerationError(f"no MWAA target folders with airflow_constraints.txt in {mwaa_data}")
    return sorted(targets, key=Version)
