"""Writing fixed files: all of them or none, never outside the project, never through a symlink.

The pip-audit order: plan (check every target and that it still holds what the fix was
computed from), back up (the old bytes are the backup; they were just verified), stage every
new text in a temp file beside its target and flush it to disk, then rename each over its
target and flush the folders. A failure while staging removes the temp files and touches no
target; a failure while renaming puts every file already renamed back the same way. A reader
never sees a half-written file and a failed run leaves the project as it was. An interrupt
(SIGINT, SIGTERM) counts as a failure; one during the renames is held until the last of them.
A run killed outright leaves its temp files (``.NAME.PID.N.migrator-tmp``): discovery and the
bundle skip whatever ends in ``TEMP_SUFFIX``, and ``remove_leftovers`` deletes those whose
process is gone.

Paths are walked one folder at a time with ``O_NOFOLLOW`` directory descriptors, so a folder
swapped for a symlink between the check and the write is refused too, not followed.
A file keeps its permission bits (and owner, when allowed); its text encoding, BOM and
newline style are kept by ``encode_like``, which turns fixed text back into bytes. A file with
several hard links is refused, not written: a rename would cut the other names off, writing
into it would change them too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from migrator.analysis.source import SourceText
from migrator.errors import InputError

# Every temp file this tool writes beside a user's file ends so: discovery and the bundle know
# a leftover of a killed run by it.
TEMP_SUFFIX = ".migrator-tmp"


def staging_folder(out: Path) -> Path:
    """A new folder beside ``out`` to build it in and swap in whole, with the mode ``mkdir``
    would give (mkdtemp's 0700 would make a bundle or a report folder unreadable to the team)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=TEMP_SUFFIX, dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)
    return staging


def _staged_name(entry: str) -> tuple[str, str] | None:
    """(name, pid) of a staging file ``.<name>.<pid>.<n>.migrator-tmp``, else None."""
    if not (entry.startswith(".") and entry.endswith(TEMP_SUFFIX)):
        return None
    parts = entry[1:-len(TEMP_SUFFIX)].rsplit(".", 2)
    if len(parts) != 3 or not parts[0] or not all(p.isascii() and p.isdigit() for p in parts[1:]):
        return None
    return parts[0], parts[1]


class WriteError(InputError):
    """A fix could not be written; every file was left (or put back) as it was."""


def encode_like(text: str, source: SourceText) -> bytes:
    """``text`` as bytes in the original file's encoding, with its byte order mark.

    Newlines are not touched: the fixers keep each line's own newline and give new lines the
    file's first newline sequence, so CRLF files stay CRLF.
    """
    try:
        data = text.encode(source.encoding)
    except UnicodeEncodeError as exc:
        raise WriteError(f"the fixed text has a character {source.encoding} cannot encode: "
                         f"{exc.object[exc.start:exc.end]!r}") from None
    return source.bom + data


@dataclass(frozen=True)
class _Target:
    rel: str
    parts: tuple[str, ...]  # folders below the root, then the file name
    old: bytes
    new: bytes
    mode: int
    uid: int
    gid: int


def write_files(root: Path, changes: Mapping[str, tuple[bytes, bytes]]) -> list[str]:
    """Replace each ``{relative path: (expected old bytes, new bytes)}`` under ``root``.

    Returns the paths written, sorted. Raises ``WriteError`` (naming the file) when a target is
    outside the root, reached through a symlink, not a regular file, or no longer holds the
    expected old bytes; or when a write fails, after restoring every file already written.
    """
    root = Path(root)
    targets = [_plan(root, rel, old, new) for rel, (old, new) in sorted(changes.items()) if old != new]
    written: list[_Target] = []
    failing = targets[0] if targets else None
    try:
        temps = _stage_all(root, targets)  # rel -> temp file name
        with _interrupts_held():
            for target in targets:
                failing = target
                _commit(root, target, temps[target.rel])
                written.append(target)
            for parts in {target.parts[:-1]: target.parts for target in targets}.values():
                _sync_folder(root, parts)
    except BaseException as exc:  # an interrupt included: nothing may stay half-done
        if isinstance(exc, _StagingError):
            failing, exc = exc.target, exc.cause
        with _interrupts_held():
            _discard(root, targets)
            failed = _restore(root, written)
        rel = failing.rel if failing is not None else "?"
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
        message = f"{rel}: cannot write the fixed file ({detail}); "
        if failed:
            message += "could not put back " + ", ".join(failed) + "; restore them from version control"
        else:
            message += "every file was left as it was"
        if isinstance(exc, KeyboardInterrupt):
            raise exc from None
        raise WriteError(message) from None
    return [t.rel for t in targets]


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then deliver them.

    Renames (or the restore after a failure) stopped halfway would leave some files fixed and
    others not, with no record of which: an interrupt during the renames is raised after the
    last one, and undoes them all. Staging needs no such care: its temp files are discarded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda number, frame: held.append(number))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in held[:1]:
            signal.raise_signal(signum)


def remove_leftovers(root: Path, rels: Iterable[str]) -> list[str]:
    """Remove the temp files among ``rels`` that an earlier run of this tool left when it was
    killed (SIGKILL, a power cut): named as ``create_temp`` names them, by a process that is
    gone. A temp file of a run still going is left alone. Returns the paths removed."""
    removed = []
    for rel in rels:
        try:
            parts = _safe_parts(rel)
        except WriteError:
            continue
        staged = _staged_name(parts[-1])
        if staged is None or _running(int(staged[1])):
            continue
        with contextlib.suppress(OSError, WriteError), _open_parent(root, parts) as folder:
            if stat.S_ISREG(os.stat(parts[-1], dir_fd=folder, follow_symlinks=False).st_mode):
                os.unlink(parts[-1], dir_fd=folder)
                removed.append(rel)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def unwritable_reason(root: Path, rel: str) -> str | None:
    """Why ``write_files`` would refuse ``rel`` (outside the root, symlink, not a file, hard-linked),
    or None.

    Lets a planner leave such files out up front instead of failing the whole write.
    """
    try:
        parts = _safe_parts(rel)
    except WriteError:
        return "outside the project root"
    path = Path(root)
    for index, part in enumerate(parts):
        path = path / part
        try:
            info = path.lstat()
        except OSError as exc:
            return f"cannot be read ({exc.strerror or exc})"
        if stat.S_ISLNK(info.st_mode):
            return "reached through a symlink; fixes are never written through symlinks"
        if index == len(parts) - 1 and not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if index == len(parts) - 1 and info.st_nlink > 1:
            return _hard_linked(info.st_nlink)
    return None


def _hard_linked(links: int) -> str:
    # Renaming the fixed file in would cut the other names off (they keep the old text);
    # writing into the file would change them too, and is not all-or-nothing. Neither is the
    # fix's to decide.
    return (f"hard-linked ({links} names); fixes are never written to such a file: break the link "
            "(cp FILE FILE.new && mv FILE.new FILE) or fix it by hand")


def _plan(root: Path, rel: str, old: bytes, new: bytes) -> _Target:
    parts = _safe_parts(rel)
    try:
        with _open_parent(root, parts) as folder:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder)
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    raise WriteError(f"{rel}: not a regular file; not written")
                if info.st_nlink > 1:
                    raise WriteError(f"{rel}: {_hard_linked(info.st_nlink)}")
                current = _read_all(fd)
            finally:
                os.close(fd)
    except WriteError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WriteError(f"{rel}: is a symlink; fixes are never written through symlinks") from None
        raise WriteError(f"{rel}: cannot open for writing ({exc.strerror or exc})") from None
    if current != old:
        raise WriteError(f"{rel}: changed on disk since the fix was planned; run the fix again")
    return _Target(rel, parts, old, new, stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)


def _safe_parts(rel: str) -> tuple[str, ...]:
    path = PurePosixPath(rel)
    parts = path.parts
    if path.is_absolute() or not parts or any(p in ("..", ".", "") for p in parts) or "\\" in rel:
        raise WriteError(f"{rel}: outside the project root; not written")
    return parts


@contextlib.contextmanager
def _open_parent(root: Path, parts: tuple[str, ...]) -> Iterator[int]:
    """A descriptor of the file's folder, reached from the root without following any symlink."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    rel = "/".join(parts)
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise WriteError(f"{root}: cannot open the project folder ({exc.strerror or exc})") from None
    try:
        for folder in parts[:-1]:
            try:
                next_fd = os.open(folder, flags, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise WriteError(f"{rel}: reached through a symlink or non-folder {folder!r}; "
                                     "not written") from None
                raise
            os.close(fd)
            fd = next_fd
        yield fd
    finally:
        os.close(fd)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


class _StagingError(Exception):
    def __init__(self, target: _Target, cause: BaseException) -> None:
        super().__init__(target.rel)
        self.target, self.cause = target, cause


def _stage_all(root: Path, targets: list[_Target]) -> dict[str, str]:
    """Every new text in a temp file beside its target, flushed to disk: {rel: temp name}.

    Threads, because each flush waits on the disk, not the processor. The first failing target
    (in order) is raised as ``_StagingError``; ``write_files`` then removes the temp files.
    """
    if not targets:
        return {}
    pool = ThreadPoolExecutor(min(8, len(targets)))
    futures: list[Future] = []
    try:
        # The pool starts its threads inside submit(): an interrupt there could leave a running
        # thread the pool does not track yet, which shutdown() would not wait for.
        with _interrupts_held():
            for target in targets:
                futures.append(pool.submit(_stage, root, target, target.new))
        wait(futures)
    finally:  # after an interrupt too: no thread may still be writing when they are removed
        with _interrupts_held():
            pool.shutdown(wait=True, cancel_futures=True)
    failure = next(((t, f.exception()) for t, f in zip(targets, futures, strict=True) if f.exception()), None)
    if failure is not None:
        raise _StagingError(*failure)
    return {target.rel: future.result() for target, future in zip(targets, futures, strict=True)}


def _stage(root: Path, target: _Target, data: bytes) -> str:
    """``data`` in a new temp file beside the target (its mode and owner), fsynced; its name."""
    with _open_parent(root, target.parts) as folder:
        temp = create_temp(folder, target.parts[-1])
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_NOFOLLOW, dir_fd=folder)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                keep_mode_and_owner(fd, target.mode, target.uid, target.gid)
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=folder)
            raise
    return temp


def _commit(root: Path, target: _Target, temp: str) -> None:
    """Rename the staged temp file over the target (atomic: a reader sees old or new)."""
    with _open_parent(root, target.parts) as folder:
        try:
            os.replace(temp, target.parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=folder)
            raise


def _sync_folder(root: Path, parts: tuple[str, ...]) -> None:
    """Flush the entries (the renames) of the folder holding the file at ``parts``; not every
    file system can fsync a folder."""
    with contextlib.suppress(OSError), _open_parent(root, parts) as folder:
        os.fsync(folder)


def _discard(root: Path, targets: list[_Target]) -> None:
    """Remove every temp file this process staged for ``targets``, as far as possible: this
    runs on the way out of a failure or an interrupt, which may have come between creating a
    temp file and recording its name, so the folders are searched for this process's names."""
    by_folder: dict[tuple[str, ...], list[_Target]] = {}
    for target in targets:
        by_folder.setdefault(target.parts[:-1], []).append(target)
    pid = str(os.getpid())
    for here in by_folder.values():
        names = {target.parts[-1] for target in here}
        with contextlib.suppress(OSError, WriteError), _open_parent(root, here[0].parts) as folder:
            for entry in os.listdir(folder):
                staged = _staged_name(entry)
                if staged and staged[1] == pid and staged[0] in names:
                    with contextlib.suppress(OSError):
                        os.unlink(entry, dir_fd=folder)


def _replace(root: Path, target: _Target, data: bytes) -> None:
    """Atomically replace one file with ``data``: stage, rename, flush the folder."""
    _commit(root, target, _stage(root, target, data))
    _sync_folder(root, target.parts)


def keep_mode_and_owner(fd: int, mode: int, uid: int, gid: int) -> None:
    """Give the open file ``fd`` the permission bits and, when allowed, the owner of the file
    it replaces."""
    os.fchmod(fd, mode)
    with contextlib.suppress(PermissionError):
        if (uid, gid) != (os.getuid(), os.getgid()):
            os.fchown(fd, uid, gid)


def create_temp(folder: int, name: str, mode: int = 0o600) -> str:
    """A new empty temp file for ``name`` in the folder ``folder`` (a descriptor); its name."""
    for attempt in range(100):
        temp = f".{name}.{os.getpid()}.{attempt}{TEMP_SUFFIX}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=folder)
        except FileExistsError:
            continue
        os.close(fd)
        return temp
    raise OSError(errno.EEXIST, "no free temporary file name")


def _restore(root: Path, written: list[_Target]) -> list[str]:
    """Put the old bytes back into every written file; returns the ones that could not be."""
    failed = []
    for target in reversed(written):
        try:
            _replace(root, target, target.old)
        except (OSError, WriteError):
            failed.append(target.rel)
    return failed
