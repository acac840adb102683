"""Putting a built bundle in place: the output folder is checked, the bundle is assembled beside
it and swapped in whole, and the replaced one is removed."""

from __future__ import annotations

import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from migrator.bundle.model import MANIFEST
from migrator.errors import InputError
from migrator.safe_write import TEMP_SUFFIX


def check_out_dir(out: Path, root: Path) -> None:
    """Refuse output folders whose replacement would destroy something that is not a bundle."""
    resolved, project = out.resolve(), root.resolve()
    if resolved == project or resolved in project.parents:
        raise InputError(f"{out}: the output folder would replace the project itself; "
                         "choose an empty folder")
    if resolved.exists() and not resolved.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if resolved.is_dir() and any(resolved.iterdir()) and not (resolved / MANIFEST).is_file():
        raise InputError(f"{out}: folder is not empty and holds no {MANIFEST} (not a bundle "
                         "this tool wrote); choose an empty or new folder")


def link_unchanged(previous: str, path: str, data: bytes, mode: int) -> bool:
    """Hard-link ``previous``, the same file in the bundle being replaced, to ``path`` when it
    holds ``data`` with ``mode`` and no other link shares it. Creating a file costs the
    filesystem far more than linking one (seconds for a 10,000-file bundle on a busy disk),
    and the old bundle only loses the name when it is removed after the swap."""
    try:
        info = os.lstat(previous)
        if (not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != mode
                or info.st_nlink != 1 or info.st_size != len(data)):
            return False
        with open(previous, "rb") as handle:
            if handle.read() != data:
                return False
        os.link(previous, path)
    except OSError:  # gone, unreadable, or a filesystem without hard links: write it
        return False
    return True


def swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with renames, so readers never see a partial bundle."""
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{os.getpid()}{TEMP_SUFFIX}")
        os.replace(out, retired)
        try:
            os.replace(staging, out)
        except OSError:
            os.replace(retired, out)
            raise
        remove_tree(retired)
    else:
        os.replace(staging, out)


# Threads that remove a replaced output: an unlink waits on the filesystem with the GIL
# released, and unlinks in different folders do not wait on each other.
REMOVE_THREADS = 4


def remove_tree(path: Path) -> None:
    """``shutil.rmtree(path, ignore_errors=True)``, with the first level of subfolders that has
    enough of them to share out (``dags/<team>/`` in a bundle) removed by parallel threads."""
    folders = _subfolders(path)
    for _ in range(3):  # bundle/dags/<team>/ in a migrate output is three levels down
        if len(folders) >= 2 * REMOVE_THREADS:
            break
        deeper = [sub for folder in folders for sub in _subfolders(folder)]
        if not deeper:
            break
        folders = deeper
    if len(folders) > 1:
        with ThreadPoolExecutor(REMOVE_THREADS) as pool:
            for _ in pool.map(partial(shutil.rmtree, ignore_errors=True), folders):
                pass
    shutil.rmtree(path, ignore_errors=True)  # what is left: files and folders higher up


def _subfolders(path: str | Path) -> list[str]:
    """Folders directly in ``path``; symlinks are not followed (rmtree removes the link)."""
    try:
        with os.scandir(path) as entries:
            return [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []
