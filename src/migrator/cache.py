"""Per-file scan results keyed by file content, so a warm scan reads, hashes and prints.

One cache file per project root (under ``$MIGRATOR_CACHE_DIR`` or ``~/.cache/mwaa-migrator``),
never inside the user's repository. It is valid only for the same tool version, target,
rule selection and project index; anything else starts it afresh.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from migrator import __version__

FORMAT = 1


def cache_dir() -> Path:
    base = os.environ.get("MIGRATOR_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mwaa-migrator"


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ScanCache:
    def __init__(self, root: Path, key_parts: tuple[str, ...], directory: Path | None = None) -> None:
        root_id = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
        self.path = (directory or cache_dir()) / "scan" / f"{root_id}.pickle"
        self.key = hashlib.sha256("\x1f".join((str(FORMAT), __version__, *key_parts)).encode()).hexdigest()
        self.entries: dict[str, tuple[str, Any]] = {}
        self.dirty = False
        try:
            with self.path.open("rb") as handle:
                stored_key, entries = pickle.load(handle)
            if stored_key == self.key:
                self.entries = entries
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError,
                ImportError):
            pass  # no cache, or one from another version: start afresh

    def get(self, rel: str, digest: str) -> Any | None:
        entry = self.entries.get(rel)
        return entry[1] if entry and entry[0] == digest else None

    def put(self, rel: str, digest: str, result: Any) -> None:
        self.entries[rel] = (digest, result)
        self.dirty = True

    def prune(self, keep: set[str]) -> None:
        stale = set(self.entries) - keep
        for rel in stale:
            del self.entries[rel]
        self.dirty = self.dirty or bool(stale)

    def save(self) -> None:
        """Write atomically; a cache that cannot be written is not worth failing a scan for."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".scan-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((self.key, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass
