"""The Python interpreter a target's venv is built with: the MWAA image's minor version when this
host has it, else the nearest one, found on PATH and the usual install places."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from migrator.airflow_env.venvs import EnvironmentSetupError

# MWAA runs one of these; when the target's interpreter is missing we try the other one next.
MWAA_PYTHONS = ("3.12", "3.11")


@dataclass(frozen=True)
class PythonChoice:
    path: Path
    version: str  # "3.12.1"
    notes: tuple[str, ...] = ()

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


def _interpreter_candidates(minor: str) -> Iterator[Path]:
    """Where an interpreter for ``minor`` ("3.12") may be: PATH first, then pyenv/uv-style folders."""
    name = f"python{minor}"
    found = shutil.which(name)
    if found:
        yield Path(found)
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv"), "/root/.pyenv", "/opt/pyenv"]
    patterns = [f"{root}/versions/{minor}*/bin/{name}" for root in roots if root]
    patterns += [str(Path.home() / f".local/share/uv/python/cpython-{minor}*/bin/{name}"),
                 f"/usr/local/bin/{name}", f"/usr/bin/{name}", f"/opt/homebrew/bin/{name}"]
    for pattern in patterns:
        # Newest patch release first: "3.12.10" sorts after "3.12.9".
        for match in sorted(glob.glob(pattern), key=_natural_key, reverse=True):
            yield Path(match)


def _natural_key(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _probe_python(path: Path) -> tuple[Path, str] | None:
    """(real executable, full version) if ``path`` runs and can make venvs, else None."""
    code = ("import sys, venv, ensurepip; "
            "print(sys.executable); print('.'.join(map(str, sys.version_info[:3])))")
    try:
        done = subprocess.run([str(path), "-c", code], check=False, capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2:
        return None  # a pyenv shim for an unselected version, or a Python without venv/ensurepip
    return Path(lines[0]), lines[1]


def find_python(minor: str) -> tuple[Path, str] | None:
    """A working interpreter for ``minor`` ("3.12"): (path, full version), or None."""
    seen: set[Path] = set()
    for candidate in _interpreter_candidates(minor):
        if candidate in seen:
            continue
        seen.add(candidate)
        probed = _probe_python(candidate)
        if probed and probed[1].startswith(minor + "."):
            return probed
    return None


def choose_python(wanted: str, explicit: Path | None = None) -> PythonChoice:
    """The interpreter for the venv: ``explicit``, else the target's, else another MWAA one."""
    if explicit is not None:
        probed = _probe_python(explicit)
        if probed is None:
            raise EnvironmentSetupError(f"{explicit}: not a working Python with the venv module")
        notes = ()
        if not probed[1].startswith(wanted + "."):
            notes = (f"using Python {probed[1]} ({explicit}) as asked; MWAA runs Python {wanted} "
                     + "for this target",)
        return PythonChoice(probed[0], probed[1], notes)
    probed = find_python(wanted)
    if probed:
        return PythonChoice(probed[0], probed[1])
    for other in (v for v in MWAA_PYTHONS if v != wanted):
        probed = find_python(other)
        if probed:
            return PythonChoice(probed[0], probed[1], (
                f"Python {wanted} (what MWAA runs for this target) was not found on PATH or in "
                + f"pyenv-style folders; using Python {probed[1]} ({probed[0]}) instead",))
    own = ".".join(map(str, sys.version_info[:3]))
    return PythonChoice(Path(sys.executable), own, (
        f"neither Python {wanted} (what MWAA runs for this target) nor another MWAA Python was "
        + f"found; using this tool's own Python {own} ({sys.executable})",))


