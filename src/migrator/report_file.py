"""Writing a report to a path named on the command line (``-o``): as ``>`` would, never half.

What the path names decides how it is written:

- nothing yet, or a regular file with no other name: the report goes to a temp file beside it,
  renamed over it at the end, so a reader never sees half a report and a run that fails midway
  leaves the earlier one. An existing file keeps its mode and owner; a new one gets what
  ``open()`` gives under the umask.
- a symlink, a device (``/dev/null``), a FIFO or socket (``/dev/stdout``, ``>(...)``), a file
  with other hard links: written in place (through the link), as ``>`` does. A rename would
  replace the link or the special file itself (as root, /dev/null would become a regular
  file) and cut the other names off.
- one of this process's descriptors (``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``):
  written to that descriptor. Opening the name again would truncate a file the shell opened
  for appending (``-o /dev/stdout >> ci.log``).
- a folder: refused, like anything else that cannot be opened for writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from migrator.errors import InputError
from migrator.safe_write import create_temp, keep_mode_and_owner


def write_report(path: Path, pieces: Iterable[str]) -> None:
    """Write the text ``pieces`` to ``path`` (UTF-8, ``\\n`` newlines); InputError naming the
    path when it cannot be written."""
    path = Path(path)
    try:
        descriptor = _descriptor(path)
        if descriptor is not None:
            for stream in (sys.stdout, sys.stderr):  # what was printed before comes first
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    if stream.fileno() == descriptor:
                        stream.flush()
            with os.fdopen(os.dup(descriptor), "w", encoding="utf-8", newline="\n") as stream:
                stream.writelines(pieces)
            return
        try:
            info: os.stat_result | None = os.lstat(path)
        except FileNotFoundError:
            info = None
        if info is None or (stat.S_ISREG(info.st_mode) and info.st_nlink == 1):
            _replace(path, pieces, info)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as stream:
                stream.writelines(pieces)
    except OSError as exc:
        raise InputError(f"{path}: cannot write report: {exc.strerror or exc}") from None


_DESCRIPTOR = re.compile(r"/(?:dev/fd|proc/(?P<pid>self|thread-self|\d+)/fd)/(?P<fd>\d+)")
_MAX_LINKS = 40  # as the kernel's limit on symlinks followed in one lookup


def _descriptor(path: Path) -> int | None:
    """The descriptor ``path`` names, following symlinks one at a time (/dev/stdout is a link
    to /proc/self/fd/1), or None."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        match = _DESCRIPTOR.fullmatch(current)
        if match:
            pid = match["pid"] or "self"
            own = not pid.isdigit() or int(pid) == os.getpid()
            return int(match["fd"]) if own else None
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return None


def _replace(path: Path, pieces: Iterable[str], old: os.stat_result | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        temp = create_temp(folder, path.name, 0o666)  # the umask applies, as for open()
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_NOFOLLOW, dir_fd=folder)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
                if old is not None:
                    keep_mode_and_owner(fd, stat.S_IMODE(old.st_mode), old.st_uid, old.st_gid)
                stream.writelines(pieces)
            os.replace(temp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=folder)
            raise
    finally:
        os.close(folder)
