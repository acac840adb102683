"""Venv plumbing shared by the base environment and the requirement layers: where they live,
creating one, its site-packages, atomic writes of its marker, and a lock per venv."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from migrator.cache import cache_dir as tool_cache_dir
from migrator.errors import InputError

try:
    import fcntl
except ImportError:  # Windows: no POSIX locks; `migrator verify` itself needs POSIX anyway
    fcntl = None

MARKER = "migrator-env.json"


class EnvironmentSetupError(InputError):
    """The Airflow venv could not be built: no index, no constraints, pip refused the target."""


def default_cache_dir() -> Path:
    """The tool's cache folder (``migrator.cache.cache_dir``: ``$MWAA_MIGRATOR_CACHE``, else
    ``$XDG_CACHE_HOME/mwaa-migrator``, else ``~/.cache/mwaa-migrator``); ``--cache-dir`` replaces
    it for one run. Venvs go in its ``venvs/``, downloaded constraints in ``constraints/``."""
    return tool_cache_dir()


def _venv_python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes: two runs never build the same venv at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_marker(root: Path) -> dict | None:
    try:
        data = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and _venv_python(root).exists() else None


def _create_venv(python: Path, root: Path, with_pip: bool = True) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    command = [str(python), "-m", "venv", str(root)]
    if not with_pip:
        command.insert(3, "--without-pip")
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise EnvironmentSetupError(f"{python} -m venv {root} failed: {done.stderr.strip()[-300:]}")


def _site_packages(python: Path) -> Path:
    done = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())
