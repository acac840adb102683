"""Release facts from the package index, read without installing anything.

A project's release list comes from the PEP 691 JSON simple API and a release's dependencies
from its wheel's PEP 658 ``.metadata`` file (a few kB), or, from an index that serves none (a
mirror), from the wheel's own ``METADATA`` as ``pip download --no-deps`` would get it; pip is
never run. Metadata of a released file never changes, so it is cached for good; release lists
are cached for a day. The
tool's offline switch (``MWAA_MIGRATOR_OFFLINE``) and an unreachable index raise
:class:`IndexUnavailable`, whose message says why.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from migrator.analysis.requirements import FETCH_TIMEOUT_SECONDS, OFFLINE_ENV, write_cache
from migrator.cache import cache_dir
from migrator.secrets import mask_uri

# The public index MWAA installs from unless the requirements name another.
PYPI_SIMPLE = "https://pypi.org/simple/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024  # a release list or a wheel read for its metadata
RELEASE_LIST_SECONDS = 24 * 3600  # new releases appear; a day-old list is good enough to choose one


class IndexUnavailable(Exception):
    """The index could not be read (offline, unreachable, or no such project)."""


@dataclass(frozen=True)
class Release:
    """One version of a project, with the wheel whose metadata stands for it."""

    version: Version
    url: str  # the wheel's
    has_metadata_file: bool  # PEP 658: the index serves url + ".metadata"
    requires_python: str | None


@dataclass(frozen=True)
class ReleaseMetadata:
    requires_dist: tuple[str, ...]
    requires_python: str | None


class PackageIndex:
    """Reads the index at ``url``; answers are cached under ``folder`` (default the tool's
    ``index/`` cache) and kept in memory for the process."""

    def __init__(self, url: str = PYPI_SIMPLE, folder: Path | None = None) -> None:
        self.url = url.rstrip("/") + "/"
        self.folder = folder or cache_dir("index")
        self._failed: str | None = None  # one failed connection per process: no repeated timeouts
        self._releases: dict[str, list[Release]] = {}
        self._metadata: dict[str, ReleaseMetadata] = {}

    def releases(self, name: str, python: str) -> list[Release]:
        """Final releases of ``name`` with a wheel that ``python`` may install (its Requires-Python), oldest first. Raises IndexUnavailable."""
        key = canonicalize_name(name)
        if key not in self._releases:
            page = self._fetch_json(key)
            newest: dict[Version, Release] = {}
            for entry in page.get("files", []):
                filename = entry.get("filename", "")
                if entry.get("yanked") or not filename.endswith(".whl"):
                    continue
                try:
                    version = parse_wheel_filename(filename)[1]
                except (InvalidWheelFilename, InvalidVersion):
                    continue
                if version.is_prerelease or version.is_devrelease:
                    continue
                url = urllib.request.urljoin(self.url + key + "/", entry["url"]).split("#", 1)[0]
                has_file = bool(entry.get("core-metadata") or entry.get("dist-info-metadata"))
                newest.setdefault(version, Release(version, url, has_file, entry.get("requires-python")))
            self._releases[key] = [newest[v] for v in sorted(newest)]
        return [r for r in self._releases[key] if _allows_python(r.requires_python, python)]

    def metadata(self, release: Release) -> ReleaseMetadata:
        """The release's Requires-Dist and Requires-Python. Raises IndexUnavailable."""
        if release.url not in self._metadata:
            path = self._path(release.url, ".metadata")
            text = _read(path)
            if text is None:
                text = (self._get(release.url + ".metadata", accept="*/*").decode("utf-8", "replace")
                        if release.has_metadata_file else _wheel_metadata(self._get(release.url, accept="*/*"), release))
                write_cache(path, text)
            headers = HeaderParser().parsestr(text, headersonly=True)
            self._metadata[release.url] = ReleaseMetadata(
                tuple(headers.get_all("Requires-Dist") or ()), headers.get("Requires-Python"))
        return self._metadata[release.url]

    def _fetch_json(self, name: str) -> dict:
        path = self._path(self.url + name, ".json")
        fresh = path.is_file() and time.time() - path.stat().st_mtime < RELEASE_LIST_SECONDS
        text = _read(path) if fresh else None
        if text is None:
            text = self._get(self.url + name + "/", accept=SIMPLE_JSON).decode("utf-8", "replace")
            write_cache(path, text)
        try:
            return json.loads(text)
        except ValueError:
            raise IndexUnavailable(f"{mask_uri(self.url)} gave no JSON release list for {name}") from None

    def _get(self, url: str, accept: str) -> bytes:
        if os.environ.get(OFFLINE_ENV):
            raise IndexUnavailable(f"{OFFLINE_ENV} is set")
        if self._failed:
            raise IndexUnavailable(self._failed)
        request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "mwaa-migrator"})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
                return response.read(MAX_DOWNLOAD_BYTES)
        except urllib.error.HTTPError as exc:  # the index answered: only this URL is missing
            raise IndexUnavailable(f"{mask_uri(url)}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self._failed = f"cannot reach {mask_uri(self.url)}: {getattr(exc, 'reason', None) or exc}"
            raise IndexUnavailable(self._failed) from None

    def _path(self, url: str, suffix: str) -> Path:
        return self.folder / (hashlib.sha256(url.encode()).hexdigest()[:32] + suffix)


def _wheel_metadata(data: bytes, release: Release) -> str:
    """The ``METADATA`` file of the wheel ``data``. Raises IndexUnavailable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as wheel:
            name = next(n for n in wheel.namelist()
                        if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
            return wheel.read(name).decode("utf-8", "replace")
    except (zipfile.BadZipFile, StopIteration, OSError):
        raise IndexUnavailable(f"{mask_uri(release.url)} is not a wheel with a METADATA file") from None


def _allows_python(requires_python: str | None, python: str) -> bool:
    try:
        return not requires_python or SpecifierSet(requires_python).contains(f"{python}.0")
    except (InvalidSpecifier, InvalidVersion):
        return True


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
