"""What the MWAA image of a target installs: its constraints, essential pins and preinstalled
distributions, generated from the images' own files into ``data/generated/runtime/``.

The constraints are the ones MWAA applies when requirements.txt names none, so every check and
fix can use them without fetching anything: on-prem networks often cannot reach GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from ._data import has_json, load_json
from .import_names import DroppedModule, dropped_module
from .mwaa import (
    MwaaVersion,
    UnknownTargetError,
    always_installed,
    get_version,
    mwaa_versions,
    preinstalled_providers,
    supported_versions,
)

RUNTIME_FOLDER = "generated/runtime"


@dataclass(frozen=True)
class MwaaRuntime:
    """One MWAA image's Python packages; every name is canonical (PEP 503)."""

    airflow: str
    python: str
    constraints: Mapping[str, str]  # Apache's constraints file the image applies: name -> version
    essential: Mapping[str, str]  # pins MWAA never lets requirements override
    preinstalled: Mapping[str, str]  # every distribution in the image
    provenance: Mapping[str, Any]

    @property
    def source(self) -> str:
        """Where the constraints come from, for messages: the image repository at its commit."""
        files = self.provenance["files"]["constraints"]
        return f"{self.provenance['repository']}@{self.provenance['commit'][:12]}:{files['path']}"

    def constraints_text(self) -> str:
        """The constraints as a pip constraints file (essential pins win, as on MWAA)."""
        pins = {**self.constraints, **self.essential}
        header = f"# MWAA image constraints for Airflow {self.airflow} / Python {self.python}\n# from {self.source}\n"
        return header + "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


@cache
def airflow_dependencies(major: int) -> frozenset[str]:
    """Canonical names Airflow ``major`` (1 or 2) itself required (no extras): a frozen
    environment of that Airflow lists them, though the project never asked for them."""
    return frozenset(load_json("generated/airflow-dependencies.json")["majors"].get(str(major), ()))


def image_packages(target: str | MwaaVersion | None = None) -> dict[str, str | None]:
    """Canonical name -> version of what the MWAA image of ``target`` already has: every
    distribution of the image, or for a version without image data the preinstalled providers
    and the packages MWAA always installs (version unknown)."""


    image = runtime(target)
    if image is not None:
        return dict(image.preinstalled)
    names: dict[str, str | None] = dict(preinstalled_providers(target))
    for spec in always_installed():
        names.setdefault(canonicalize_name(spec.split("[", 1)[0]), None)
    return names


@cache
def installed_distributions(target: str | MwaaVersion | None = None) -> frozenset[str]:
    """Canonical names of what an environment of ``target`` can import without requirements:
    its image's distributions; for a version without image data (never published), the
    preinstalled providers, what MWAA always installs and what every published image has."""
    if runtime(target) is not None:
        return frozenset(image_packages(target))
    published = [set(image.preinstalled) for version in mwaa_versions()
                 if (image := runtime(version)) is not None]
    return frozenset(image_packages(target)).union(set.intersection(*published) if published else ())


def runtime_file(airflow: str) -> str:
    return f"{RUNTIME_FOLDER}/{airflow}.json"


@cache
def runtime(target: str | MwaaVersion | None = None) -> MwaaRuntime | None:
    """The image data of ``target``; None for a version whose image files were never published."""
    version = get_version(target)
    if not has_json(runtime_file(version.airflow)):
        return None
    document = load_json(runtime_file(version.airflow))
    return MwaaRuntime(
        airflow=document["airflow"], python=document["python"],
        constraints=MappingProxyType(document["constraints"]),
        essential=MappingProxyType(document["essential"]),
        preinstalled=MappingProxyType(document["preinstalled"]),
        provenance=MappingProxyType(document["provenance"]),
    )


def newest_with_image(major: int | None = None) -> MwaaVersion:
    """The newest supported version (of Airflow ``major``) whose image data exists: MWAA may list
    a version before its image files are published (as 2.7.2 and 2.8.1 never were), and what
    needs the image's constraints (rule examples, the example project's coverage) asks for this
    rather than ``newest_version()``."""
    versions = [v for v in supported_versions() if (major is None or v.major == major) and runtime(v) is not None]
    if not versions:
        raise UnknownTargetError(f"no supported Airflow {major} version has image data")
    return versions[-1]


def distribution_names(module: str) -> list[str]:
    """The canonical distribution names a dotted module may be published as, longest first
    (``azure.mgmt.hdinsight.models`` → ``azure-mgmt-hdinsight-models``, ``azure-mgmt-hdinsight``,
    ``azure-mgmt``, ``azure``): cloud SDKs name their distributions after their packages."""
    parts = module.split(".")
    return [canonicalize_name(".".join(parts[:end])) for end in range(len(parts), 0, -1)]


def constraint_pin(module: str, target: str | MwaaVersion | None = None) -> tuple[str, str] | None:
    """The distribution of the target image's constraints (essential pins included) that provides
    the importable ``module`` by name (the first of ``distribution_names`` pinned), and its
    version. None when no pin matches or the target has no image data; an import name unlike
    its distribution's (``yaml``) is not matched."""
    image = runtime(target)
    if image is None:
        return None
    pins = {**image.constraints, **image.essential}
    name = next((name for name in distribution_names(module) if name in pins), None)
    return (name, pins[name]) if name else None


def dropped_from_image(top: str, target: str | MwaaVersion | None = None) -> tuple[DroppedModule, str] | None:
    """The top-level module ``top`` a distribution stopped shipping, and the later release of it
    the target image's constraints pin (``pkg_resources``: setuptools 83.0.0 on 3.3.1, which no
    longer has it). None when the module is not one, or the target pins an older release."""
    dropped = dropped_module(top)
    image = runtime(target) if dropped else None
    if image is None:
        return None
    pinned = {**image.constraints, **image.essential}.get(dropped.distribution)
    return (dropped, pinned) if pinned and Version(pinned) >= Version(dropped.removed_in) else None
