"""Project files the paths the code reads can name, for MWA021 (which never reads files).

**From the project's root.** On-prem, Airflow often starts in the project's root (a compose
service's working directory, an image whose WORKDIR holds the checkout), so
``open("catalogs/catalog.yaml")`` finds the file there. MWAA starts Airflow in its own working
directory (compat ``worker_paths``), where only the bundle's ``dags/`` and ``plugins/`` are.
``quick_root_named_files`` is an index pre-pass: the project files that a string literal of the
code names relative to the root, so that MWA021 can tell a path of the project from any other
string.

**Beside a helper module.** ``migrator package`` carries a helper package outside the DAG and
plugins folders that the DAGs import into plugins.zip with its data files, so a file beside such
a module ships with it: ``quick_helper_files`` lists them.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path

from migrator.cache import FileFacts

# A quoted relative path with a folder or an extension ("catalogs/catalog.yaml", "./x.csv",
# "feeds.json"): absolute paths, URLs and bare words are never a project-root path.
_RELATIVE_PATH_LITERAL = re.compile(rb"""["']((?:\./)?(?:[\w.-]+/)*[\w-][\w.-]*\.[A-Za-z0-9]{1,8})["']""")


def normalized_relative(path: str) -> str | None:
    """``path`` without ``./`` and ``a/../``, or None when it is absolute or leaves the root."""
    if not path or path.startswith("/"):
        return None
    normal = posixpath.normpath(path)
    return None if normal == ".." or normal.startswith("../") else normal


def quick_root_named_files(root: Path, texts: Mapping[str, bytes], file_facts: FileFacts | None = None
                           ) -> frozenset[str]:
    """Project paths of the regular files that a string literal of ``texts`` (the project's
    Python files by path) names relative to ``root``. ``file_facts``: each file's literals by
    content (which of them are files is asked of the file system each run)."""
    file_facts = file_facts or FileFacts()
    literals = file_facts.of_files("relative_path_literals", texts, relative_path_literals)
    named = frozenset().union(*literals.values())
    real_root = root.resolve()
    found = set()
    for rel in named:
        path = root / rel
        # Never outside the project (a symlink out of it is not the project's file).
        if path.is_file() and not path.is_symlink() and real_root in path.resolve().parents:
            found.add(rel)
    return frozenset(found)


def relative_path_literals(data: bytes) -> frozenset[str]:
    """The relative paths the string literals of ``data`` spell, normalized."""
    return frozenset(normal for match in _RELATIVE_PATH_LITERAL.finditer(data)
                     if (normal := normalized_relative(match.group(1).decode("utf-8", "replace"))))


def quick_helper_files(root: Path, helper_modules: frozenset[str], skip: list[str]) -> frozenset[str]:
    """Project paths of the files under the folders holding ``helper_modules`` (the project's
    Python files outside the DAG and plugins folders), without the folders in ``skip`` (the DAG
    and plugins folders); for a helper module at the root, the root's own files only."""
    folders = {posixpath.dirname(rel) for rel in helper_modules}
    # Walked once: a folder under another one listed is in its walk.
    folders = {f for f in folders if not any(f.startswith(other + "/") for other in folders if other)}
    inside = {folder.rstrip("/") for folder in skip if folder and folder != "."}
    found = set()
    for folder in sorted(folders):
        if not folder:
            found.update(path.name for path in root.iterdir() if path.is_file() and not path.is_symlink())
            continue
        for dirpath, dirnames, filenames in os.walk(root / folder, followlinks=False):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            dirnames[:] = [d for d in dirnames if f"{rel_dir}/{d}" not in inside and d != "__pycache__"]
            found.update(f"{rel_dir}/{name}" for name in filenames)
    return frozenset(found)
