"""plugins.zip: deterministic members (sorted, fixed timestamps and modes), and the packages
outside the DAG and plugins folders that the DAGs import, carried to its root."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from migrator.analysis.layout import OutsidePackage, carried_packages
from migrator.bundle.facts import FactsDraft
from migrator.bundle.model import PLUGINS_ZIP, BundleError, Source
from migrator.bundle.needs import Needs
from migrator.bundle.walk import (
    file_exclusion,
    folder_exclusion,
    imported_test_module,
    is_regular_file,
    join_path,
)
from migrator.compat import image_packages
from migrator.compat.mwaa import MwaaVersion

if TYPE_CHECKING:
    from migrator.project import ProjectFacts
    from migrator.workspace import Workspace


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Already-compressed members gain nothing from deflate; storing them keeps builds fast.
_STORED_SUFFIXES = (".whl", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".jar", ".png", ".jpg")


def check_member_name(name: str) -> str:
    """Zip member names MWAA extracts safely: relative, POSIX, no ``..``, no empty parts."""
    if not name or name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise BundleError(f"refusing zip member {name!r}: not a relative POSIX path")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise BundleError(f"refusing zip member {name!r}: empty, '.' or '..' path segment")
    return name


@dataclass(frozen=True)
class ZipMember:
    name: str
    path: Path | None = None  # read from disk ...
    data: bytes | None = None  # ... or given
    executable: bool = False

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        try:
            return self.path.read_bytes()  # type: ignore[union-attr]
        except OSError as exc:  # as for dags/: a bundle missing a plugin file is not built
            raise BundleError(f"{self.path}: cannot read: {exc.strerror or exc}") from None


def write_deterministic_zip(dest: Path, members: Sequence[ZipMember]) -> list[dict[str, Any]]:
    """Write ``members`` sorted by name, every timestamp and mode fixed; returns the manifest
    rows (sha256 and size of each member's content) in the same order."""
    rows = []
    names = [check_member_name(m.name) for m in members]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise BundleError(f"two files would be {PLUGINS_ZIP}!{duplicate}")
    with zipfile.ZipFile(dest, "w", allowZip64=True) as archive:
        for member in sorted(members, key=lambda m: m.name):
            data = member.read()
            info = zipfile.ZipInfo(member.name, ZIP_EPOCH)
            info.create_system = 3  # Unix, so the modes below are honoured by unzip
            info.external_attr = ((0o100755 if member.executable else 0o100644) & 0xFFFF) << 16
            stored = member.name.lower().endswith(_STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else 9)
            rows.append({"path": f"{PLUGINS_ZIP}!{member.name}",
                         "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    return rows


def carry_outside_packages(root: Path, workspace: Workspace, shipped: list[Source], needs: Needs,
                           target: MwaaVersion, facts: ProjectFacts, found: FactsDraft,
                           imported: frozenset[str]) -> tuple[list[OutsidePackage], list[ZipMember]]:
    """Packages and modules outside the DAG and plugins folders that shipped code imports (an
    Astro ``include/``, a company package at the top or under ``src/``), as plugins.zip members
    at its root: MWAA has only dags/ and the plugins folder on ``sys.path``, so there the same
    imports resolve unchanged. Followed transitively (a carried package importing another)."""
    plugins = workspace.plugins_folder
    installed = frozenset(image_packages(target)) | {canonicalize_name(n) for n in facts.requirements.names()}
    carried, files = carried_packages(
        root, workspace.dag_folders, plugins, {s.src: needs.imports_of(s) for s in shipped if s.is_python},
        set(needs.top_names), installed,
        lambda package: _package_files(root, package, [*workspace.dag_folders, plugins], imported))
    found.extend("carried", carried)
    return carried, [ZipMember(dest, path=root / src) for src, dest in files]


def _package_files(root: Path, package: OutsidePackage, skip: list[str | None],
                   imported: frozenset[str]) -> list[tuple[str, str]]:
    """(project path, plugins.zip path) of the files of a carried package: what a bundle would
    ship of a folder (no tests, caches, secrets; a test-named module the code imports ships),
    minus the DAG and plugins folders inside it."""
    if not package.is_package:
        return [(package.source, package.zip_path)]
    inside = {f.rstrip("/") for f in skip if f}
    files = []
    for dirpath, dirnames, filenames in os.walk(root / package.source, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        dirnames[:] = sorted(d for d in dirnames if join_path(rel_dir, d) not in inside
                             and folder_exclusion(d, os.path.join(dirpath, d)) is None)
        for name in sorted(filenames):
            src = join_path(rel_dir, name)
            member = package.name + "/" + src[len(package.source) + 1:]
            exclusion = file_exclusion(name, os.path.join(dirpath, name))
            if imported_test_module(exclusion, member[:-3].replace("/", "."), imported):
                exclusion = None
            if exclusion is None and is_regular_file(root / src):
                files.append((src, member))
    return files
