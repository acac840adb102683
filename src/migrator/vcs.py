"""What this tool asks git: the work tree a path is in, and which files have uncommitted changes.

Asked through the ``git`` command; a path outside a work tree, a missing ``git`` or a repository
git refuses to read (another user's, ``safe.directory``) all answer "not in a work tree".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

GIT_TIMEOUT_SECONDS = 60


def _git(cwd: Path, *args: str) -> str | None:
    """``git args`` run in ``cwd``; its standard output, None when it fails or is missing."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        proc = subprocess.run([git, *args], cwd=cwd, capture_output=True, check=False,
                              timeout=GIT_TIMEOUT_SECONDS,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "surrogateescape")


def work_tree_root(path: Path) -> Path | None:
    """The top folder of the git work tree holding ``path``, None outside one."""
    top = _git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
    return Path(top.rstrip("\n")).resolve() if top and top.strip() else None


def uncommitted(root: Path, paths: Iterable[str]) -> list[str]:
    """Which of ``paths`` (POSIX, relative to ``root``) differ from the last commit: modified,
    staged, or never committed. Empty outside a git work tree."""
    top = work_tree_root(root)
    if top is None:
        return []
    # -z: paths as they are (no quoting), relative to the work tree's top.
    status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".")
    if not status:
        return []
    changed: set[Path] = set()
    entries = iter(status.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        changed.add(top / entry[3:])
        if entry[0] in "RC":  # a rename or copy: its source path follows, changed too
            changed.add(top / next(entries, ""))
    base = root.resolve()
    return sorted(rel for rel in paths if base / rel in changed)
