"""Where a repository keeps what only its CI runs (``data/ci_layout.json``)."""

from __future__ import annotations

from pathlib import PurePosixPath

from ._data import load_json


def ci_only_path(rel: str) -> bool:
    """Whether a project file belongs to CI alone: it lies in a CI service's folder
    (``.travis/entrypoint.sh``) or is the Dockerfile of a CI test image (``Dockerfile.travis``)."""
    data = load_json("ci_layout.json")
    path = PurePosixPath(rel.lower())
    if any(part in data["ci_folders"] for part in path.parts[:-1]):
        return True
    stem, _, suffix = path.name.partition(".")
    return stem == "dockerfile" and suffix in data["ci_dockerfile_suffixes"]
