"""The released wheels compat/data/generated/ is built from, downloaded once with pip into the
tool's cache folder."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.utils import canonicalize_name

from migrator.cache import cache_dir

from . import wheel_reader as wr
from .generated_files import GenerationError

# The tool's one cache folder (migrator.cache), so wheels sit beside the venvs and constraints.
DEFAULT_CACHE = cache_dir("wheels")


def _wheel_prefix(distribution: str, version: str) -> str:
    return f"{canonicalize_name(distribution).replace('-', '_')}-{version}-"


class WheelCache:
    """Wheels in a stable folder, downloaded once with pip."""

    def __init__(self, folder: Path, offline: bool = False):
        self.folder = folder
        self.offline = offline
        folder.mkdir(parents=True, exist_ok=True)

    def _find(self, distribution: str, version: str) -> Path | None:
        prefix = _wheel_prefix(distribution, version).lower()
        matches = sorted(p for p in self.folder.glob("*.whl") if p.name.lower().startswith(prefix))
        return matches[0] if matches else None

    def get(self, distribution: str, version: str) -> wr.Wheel:
        found = self._find(distribution, version)
        if found is None:
            if self.offline:
                raise GenerationError(f"{distribution}=={version} is not in {self.folder} (offline)")
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                       "--only-binary=:all:", "--disable-pip-version-check", "-d", str(self.folder),
                       f"{distribution}=={version}"]
            # A failed download is reported below with pip's own message, not as a traceback.
            result = subprocess.run(command, check=False, capture_output=True, text=True)
            found = self._find(distribution, version)
            if result.returncode != 0 or found is None:
                raise GenerationError(f"pip download {distribution}=={version} failed: "
                                      f"{result.stderr.strip()[-500:]}")
        return wr.Wheel(canonicalize_name(distribution), version, found)

    def get_many(self, requirements: Iterable[tuple[str, str]]) -> dict[tuple[str, str], wr.Wheel]:
        wanted = sorted(set(requirements))
        # pip spends most of its time starting up and waiting on the index: a few in parallel.
        with ThreadPoolExecutor(max_workers=4) as pool:
            wheels = list(pool.map(lambda r: self.get(*r), wanted))
        return dict(zip(wanted, wheels))


# ---------------------------------------------------------------------------------------------
# inputs from shared/mwaa-data
