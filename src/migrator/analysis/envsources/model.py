"""What the environment sources hold, each item with its file and line: variables, shell
commands, pip installs, OS packages, base images."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from migrator.analysis.crashes import AnalysisCrash
from migrator.analysis.source import Problem

PIP_ADDITIONAL = "_PIP_ADDITIONAL_REQUIREMENTS"


@dataclass(frozen=True)
class EnvVar:
    """One variable assignment. ``value`` is None when the name is only passed through."""

    name: str
    value: str | None
    path: str
    line: int
    origin: str  # env-file | compose | dockerfile | script | startup
    service: str | None = None

    @property
    def is_reference(self) -> bool:
        """The value only refers to another variable (``${X}``), so it holds no literal."""
        return self.value is not None and bool(re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", self.value.strip()))


@dataclass(frozen=True)
class ShellCommand:
    """One simple command (``a b c``) of a shell line, with its file and line."""

    argv: tuple[str, ...]
    path: str
    line: int
    origin: str  # dockerfile | script | startup | compose


@dataclass(frozen=True)
class PipInstall:
    args: tuple[str, ...]  # what follows ``pip install``
    path: str
    line: int
    origin: str
    venv: str | None = None  # the virtual environment it installs into (None: the image's Python)


@dataclass(frozen=True)
class OsPackage:
    name: str
    manager: str  # apt | yum | dnf | apk | list
    path: str
    line: int


@dataclass(frozen=True)
class BaseImage:
    image: str
    path: str
    line: int

    @property
    def airflow_version(self) -> str | None:
        """``apache/airflow:2.7.3-python3.10`` -> ``2.7.3``."""
        match = re.match(r"^(?:[\w.\-/:]*/)?(?:apache/)?airflow:(?:v)?(\d+\.\d+(?:\.\d+)?)", self.image)
        return match.group(1) if match else None


@dataclass
class EnvFacts:
    variables: list[EnvVar] = field(default_factory=list)
    commands: list[ShellCommand] = field(default_factory=list)
    pip_installs: list[PipInstall] = field(default_factory=list)
    # compose ``_PIP_ADDITIONAL_REQUIREMENTS``: (requirement text, path, line)
    pip_additional: list[tuple[str, str, int]] = field(default_factory=list)
    os_packages: list[OsPackage] = field(default_factory=list)
    base_images: list[BaseImage] = field(default_factory=list)
    # compose file -> the names of its services (the host names its containers reach each other by)
    compose_services: dict[str, set[str]] = field(default_factory=dict)
    # (compose file, service) -> the image it runs
    compose_images: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    crashes: list[AnalysisCrash] = field(default_factory=list)

    def named(self, prefix: str) -> list[EnvVar]:
        return [v for v in self.variables if v.name.startswith(prefix)]


