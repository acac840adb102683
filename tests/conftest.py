"""Shared fixtures: paths to the repo, ../shared, and a helper that writes tiny projects."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared").resolve()
EXAMPLE_PROJECT = REPO / "examples" / "onprem-project"


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path):
    """Write ``{relative path: content}`` under a fresh folder and return its root."""
    counter = iter(range(1_000_000))

    def make(files: dict[str, str | bytes]) -> Path:
        return write_files(tmp_path / f"project{next(counter)}", files)

    return make
