"""--private-network: the requirements' wheels for MWAA's platform, downloaded into plugins.zip,
and the requirements.txt that installs only from them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from migrator.airflow_env import constraints_file, default_cache_dir
from migrator.analysis.envsources import logical_lines
from migrator.analysis.requirements import parse_requirements_text
from migrator.bundle.facts import FactsDraft, PartSize
from migrator.bundle.model import (
    MWAA_PLUGINS_DIR,
    RECOMMENDED_MAX_BYTES,
    REQUIREMENTS,
    Bundle,
    BundleError,
    BundleOptions,
)
from migrator.bundle.plugins_zip import ZipMember
from migrator.compat import (
    always_installed,
    essential_pin_names,
    preinstalled_providers,
)
from migrator.compat.mwaa import MwaaVersion
from migrator.secrets import mask_uri

if TYPE_CHECKING:
    from migrator.workspace import Workspace


# The platform MWAA's images run on: Amazon Linux 2023, x86_64, CPython (IMG Dockerfile.base).
WHEEL_PLATFORM = "manylinux2014_x86_64"


def requirement_lines(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(canonical name, requirement) of every package-index requirement in a requirements text,
    and, in line order, the lines no wheel can be downloaded for: VCS, URL and path
    requirements and lines that are no requirement at all (options, editable installs and
    comments aside)."""
    parsed = parse_requirements_text(text, REQUIREMENTS)
    named = [(r.name or "", r.text) for r in parsed.requirements
             if r.kind == "pypi" and not r.editable]
    other = {r.line: r.text for r in parsed.requirements if r.kind != "pypi" and not r.editable}
    if parsed.problems:
        written = dict(logical_lines(text))
        other.update((number, written[number].strip()) for number, _ in parsed.problems
                     if not written[number].lstrip().startswith("-"))
    return named, [other[number] for number in sorted(other)]


def preinstalled_names(target: MwaaVersion) -> frozenset[str]:
    """Distributions the target's MWAA image has that compat knows of: the never-overridable
    pins, the preinstalled providers and the always-installed extras. The rest of the image's
    packages are not in compat, so wheels of those are shipped although the image has them."""
    names = set(essential_pin_names(target)) | set(preinstalled_providers(target))
    names |= {canonicalize_name(Requirement(n).name) for n in always_installed()}
    return frozenset(names)


def satisfied_by_image(name: str, line: str, target: MwaaVersion) -> bool:
    """Whether the MWAA image's own copy of ``name`` satisfies the requirement ``line``.

    Providers are checked against the version the image ships (users may ask for a newer one);
    never-overridable pins and the always-installed extras are the image's by definition.
    """
    providers = preinstalled_providers(target)
    if name in providers:
        try:
            return Requirement(line).specifier.contains(providers[name], prereleases=True)
        except InvalidRequirement:
            return False
    return name in preinstalled_names(target)


def wheel_distribution(filename: str) -> tuple[str, str]:
    """(canonical name, version) from a wheel file name."""
    parts = filename.split("-")
    return canonicalize_name(parts[0]), parts[1] if len(parts) > 1 else ""


def pip_download_command(target: MwaaVersion, requirements: Sequence[str], dest: Path,
                         constraints: Path, pip_command: Sequence[str] = (),
                         pip_args: Sequence[str] = ()) -> list[str]:
    python = target.python.replace(".", "")
    return [*(pip_command or (sys.executable, "-m", "pip")), "download",
            "--only-binary=:all:", "--platform", WHEEL_PLATFORM,
            "--python-version", target.python, "--implementation", "cp", "--abi", f"cp{python}",
            "--dest", str(dest), "--constraint", str(constraints), "--disable-pip-version-check",
            "--no-input", *pip_args, *requirements]


def download_wheels(target: MwaaVersion, requirements: Sequence[str], dest: Path,
                    constraints: Path, pip_command: Sequence[str] = (),
                    pip_args: Sequence[str] = ()) -> list[Path]:
    """Wheels for MWAA's platform of ``requirements`` and their dependencies, minus the ones
    the image already has."""
    dest.mkdir(parents=True, exist_ok=True)
    command = pip_download_command(target, requirements, dest, constraints, pip_command, pip_args)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=1800,
                                   check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BundleError(f"pip download for the MWAA platform failed to run: {exc}") from None
    if completed.returncode != 0:
        tail = [line for line in completed.stderr.splitlines() if line.strip()][-3:]
        raise BundleError(
            f"pip download for the MWAA platform ({WHEEL_PLATFORM}, CPython {target.python}) failed: "
            + " | ".join(tail or ["no output"])
            + ". Every requirement needs a wheel for that platform; build missing wheels on "
              "the MWAA image (amazon-mwaa-docker-images) and pass them with --find-links")
    preinstalled = preinstalled_names(target)
    providers = preinstalled_providers(target)
    wheels = []
    for path in sorted(dest.iterdir()):
        name, version = wheel_distribution(path.name)
        # A dependency the image already has at this version needs no wheel; a provider at
        # another version does (a requirement asked for a newer one).
        same_as_image = name in preinstalled and providers.get(name, version) == version
        if path.suffix != ".whl" or same_as_image:
            path.unlink()
        else:
            wheels.append(path)
    return wheels


def offline_requirements(text: str, constraints_name: str, target: MwaaVersion) -> str:
    """requirements.txt for a private network: installs only from the wheels in plugins.zip."""
    kept = [line for _, line in requirement_lines(text)[0]]
    header = [
        f"# For a private-network MWAA environment (Airflow {target.airflow}): pip installs only",
        f"# from the wheels in plugins.zip, which MWAA extracts to {MWAA_PLUGINS_DIR}.",
        "--no-index",
        f"--find-links {MWAA_PLUGINS_DIR}",
        f"--constraint {MWAA_PLUGINS_DIR}/{constraints_name}",
    ]
    return "\n".join([*header, *kept]) + "\n"


def private_network_requirements(bundle: Bundle, staging: Path, requirements: str,
                                 options: BundleOptions, workspace: Workspace,
                                 found: FactsDraft) -> tuple[str, list[ZipMember]]:
    target = bundle.target
    constraints_option = options.constraints or (
        Path(workspace.root / workspace.settings.constraints)
        if workspace.settings.constraints else None)
    # Raises an InputError naming --constraints FILE when the download fails.
    constraints = constraints_file(target, constraints_option, default_cache_dir())
    named, unnamed = requirement_lines(requirements)
    found.extend("no_wheel_source", [mask_uri(line) for line in unnamed])
    wanted = [line for name, line in named if not satisfied_by_image(name, line, target)]
    members: list[ZipMember] = []
    constraints_name = f"constraints-{target.airflow}-{target.python}.txt"
    members.append(ZipMember(constraints_name, data=constraints.read_bytes()))
    if wanted:
        with tempfile.TemporaryDirectory(dir=staging.parent, prefix=".wheels.") as scratch:
            wheels = download_wheels(target, wanted, Path(scratch), constraints,
                                     options.pip_command, options.pip_args)
            total = 0
            for wheel in wheels:
                data = wheel.read_bytes()
                total += len(data)
                members.append(ZipMember(wheel.name, data=data))
                bundle.wheels.append(wheel.name)
        found.set("wheels_size", PartSize(total, RECOMMENDED_MAX_BYTES))
    return offline_requirements(requirements, constraints_name, target), members
