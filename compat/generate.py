"""Regenerate compat/data/generated/: Airflow's API changes from released wheels, and each MWAA
image's constraints, essential pins and preinstalled packages from ``--mwaa-data``.

    python -m migrator.compat.generate [--mwaa-data DIR] [--cache DIR] [--out DIR] [--runtime-only]

Downloads (``pip download --no-deps --only-binary=:all:``, one requirement per call) the
Airflow, task-SDK, upgrade-check and provider wheels, reads them with ``zipfile`` + ``ast``
only, and writes sorted, stably formatted JSON with the provenance of every fact
(distribution==version, paths in the wheel, sha256 of the wheel). Provider versions are the
pins of each MWAA target's constraints file in ``--mwaa-data``; the pins used are recorded.
The image files become ``runtime/<airflow>.json`` with the source repository and commit named
in ``--mwaa-data``'s README, each file's image path and sha256 (``--runtime-only``: just these,
no network). Rerunning on the same inputs reproduces the checked-in files byte for byte.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from . import moves_reader, signature_reader
from . import wheel_reader as wr
from ._data import has_json, load_json
from .extract import (
    COMMON_COMPAT,
    COMPAT_SDK_MEMBER,
    KUBERNETES,
    KUBERNETES_MODELS,
    airflow_2_homes,
    airflow_dependencies,
    config_options_document,
    extract_aliases,
    extract_config,
    extract_context,
    extract_contrib_imports,
    extract_deprecated_tables,
    extract_getattr_redirects,
    extract_package_names,
    extract_parameters,
    extract_sdk,
    extract_shims,
    inventory,
    kubernetes_inventory,
    provider_distribution,
    provider_package,
    provider_packages_of,
)
from .generated_files import (
    GENERATED_BY,
    GenerationError,
    dump,
    dump_compact,
    file_sha256,
    inventory_file_name,
)
from .mwaa_runtime_data import generate_runtime, mwaa_targets, read_pins
from .target_data import AIRFLOW_2_HOMES
from .wheel_cache import DEFAULT_CACHE, WheelCache

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "generated"
DEFAULT_MWAA_DATA = REPO_ROOT / ".." / "shared" / "mwaa-data"

# The releases whose tables the data is built from (research note airflow-api-data.md §1, §2).
NEWEST_AIRFLOW_2 = "2.11.2"
AIRFLOW_2_SHIMS = "2.0.2"
AIRFLOW_1 = "1.10.15"
# An older 1.10 whose config.yml defaults a stock airflow.cfg of its time still holds, read for
# config_options.json only: the last release before 1.10.11 made the API deny-all by default
# (auth_backend airflow.api.auth.backend.default) and with the fixed secret_key temporary_key
# that later releases replaced by a per-install one (CVE-2020-17526).
OLDEST_STOCK_CONFIG = "1.10.10"
UPGRADE_CHECK = "1.4.0"



# ---------------------------------------------------------------------------------------------
# the run


def generate(out: Path, cache: WheelCache, mwaa_data: Path, overlay_paths: Iterable[str] = (),
             log=lambda message: None) -> dict[str, int]:
    """Build every generated file into ``out`` (emptied first). Returns bytes written per file."""
    targets = mwaa_targets(mwaa_data)
    airflow_3_targets = [t for t in targets if Version(t).major == 3]

    core_requirements = {("apache-airflow", AIRFLOW_1), ("apache-airflow", AIRFLOW_2_SHIMS),
                         ("apache-airflow", NEWEST_AIRFLOW_2),
                         ("apache-airflow-upgrade-check", UPGRADE_CHECK)}
    core_requirements |= {("apache-airflow", t) for t in targets}
    core_requirements |= {("apache-airflow-core", t) for t in airflow_3_targets}
    log(f"downloading {len(core_requirements)} Airflow wheels")
    wheels = cache.get_many(core_requirements)

    # The task SDK each 3.x target runs: the MWAA image's bill of materials says which one is
    # installed; otherwise apache-airflow's METADATA pin (3.2+ pins it exactly, 3.0 a range).
    sdk_versions: dict[str, str] = {}
    for target in airflow_3_targets:
        installed = read_pins(mwaa_data / target / "preinstalled.txt").get("apache-airflow-task-sdk")
        for line in wheels[("apache-airflow", target)].metadata_requires():
            requirement = Requirement(line.split(";")[0])
            if canonicalize_name(requirement.name) != "apache-airflow-task-sdk" or ";" in line:
                continue
            pinned = [s.version for s in requirement.specifier if s.operator == "=="]
            chosen = installed or (pinned[0] if pinned else None)
            if chosen is None or not requirement.specifier.contains(chosen):
                raise GenerationError(f"cannot tell which task SDK apache-airflow {target} runs")
            sdk_versions[target] = chosen
        if target not in sdk_versions:
            raise GenerationError(f"apache-airflow {target} does not require the task SDK")
    wheels.update(cache.get_many(("apache-airflow-task-sdk", v) for v in sdk_versions.values()))

    def sdk_of(target: str) -> wr.Wheel | None:
        return wheels[("apache-airflow-task-sdk", sdk_versions[target])] if target in sdk_versions else None

    def code_wheel(target: str) -> wr.Wheel:
        if target in sdk_versions:
            return wheels[("apache-airflow-core", target)]
        return wheels[("apache-airflow", target)]

    written: dict[str, int] = {}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    # --- moved-import tables -----------------------------------------------------------------
    log("extracting moved-import tables")
    tables: dict[str, Any] = {}
    newest_2 = wheels[("apache-airflow", NEWEST_AIRFLOW_2)]
    moves, paths = extract_deprecated_tables(newest_2)
    tables["airflow-2"] = {"moves": moves, "provenance": newest_2.provenance(paths)}
    shims_wheel = wheels[("apache-airflow", AIRFLOW_2_SHIMS)]
    moves, paths = extract_shims(shims_wheel)
    tables["airflow-2.0-shims"] = {"moves": moves, "provenance": shims_wheel.provenance(paths)}
    airflow_1 = wheels[("apache-airflow", AIRFLOW_1)]
    moves, paths = extract_shims(airflow_1)
    tables["airflow-1.10-shims"] = {"moves": moves, "provenance": airflow_1.provenance(paths)}
    moves, paths = extract_package_names(airflow_1)
    tables["airflow-1.10-packages"] = {"moves": moves, "provenance": airflow_1.provenance(paths)}
    moves, paths = extract_contrib_imports(airflow_1)
    tables["airflow-1.10-contrib-imports"] = {"moves": moves, "provenance": airflow_1.provenance(paths)}
    upgrade_check = wheels[("apache-airflow-upgrade-check", UPGRADE_CHECK)]
    member = "airflow/upgrade/rules/renamed_classes.py"
    tables["upgrade-check"] = {"moves": dict(sorted(moves_reader.upgrade_check_renames(upgrade_check.read(member)).items())),
                               "provenance": upgrade_check.provenance([member])}
    for target in airflow_3_targets:
        core = wheels[("apache-airflow-core", target)]
        moves, paths = extract_deprecated_tables(core)
        redirects, redirect_paths = extract_getattr_redirects(core)
        tables[f"airflow-{target}"] = {"moves": dict(sorted({**redirects, **moves}.items())),
                                       "provenance": core.provenance(sorted(paths + redirect_paths))}

    # --- aliases, sdk, context, parameters, config ---------------------------------------------
    log("extracting aliases, context keys, parameters and config changes")
    versions_2_and_3 = sorted(set(targets) | {AIRFLOW_1, AIRFLOW_2_SHIMS, NEWEST_AIRFLOW_2}, key=Version)

    def wheel_for(version: str) -> wr.Wheel:
        return code_wheel(version) if version in targets else wheels[("apache-airflow", version)]

    aliases = {v: extract_aliases(wheel_for(v)) for v in targets}
    sdk = {v: extract_sdk(sdk_of(v)) for v in airflow_3_targets}
    written["aliases.json"] = dump(out / "aliases.json", {"generated_by": GENERATED_BY, "airflow": aliases,
                                                          "sdk": sdk,
                                                          "provenance": _provenance_list(wheels, targets, sdk_of, wheel_for)})
    context = {v: extract_context(wheel_for(v), sdk_of(v)) for v in versions_2_and_3}
    written["context.json"] = dump(out / "context.json", {"generated_by": GENERATED_BY, "versions": context,
                                                          "provenance": _provenance_list(wheels, versions_2_and_3, sdk_of, wheel_for)})
    parameters = {v: extract_parameters(wheel_for(v), sdk_of(v)) for v in versions_2_and_3}
    written["parameters.json"] = dump(out / "parameters.json", {"generated_by": GENERATED_BY, "versions": parameters,
                                                                "provenance": _provenance_list(wheels, versions_2_and_3, sdk_of, wheel_for)})
    config = {v: extract_config(wheel_for(v)) for v in versions_2_and_3}
    written["config.json"] = dump(out / "config.json", {"generated_by": GENERATED_BY, "versions": config,
                                                        "provenance": _provenance_list(wheels, versions_2_and_3, lambda v: None, wheel_for)})
    # Fetched apart from ``wheels``, whose METADATA the dependency table reads: 1.10.10's does not parse.
    stock_config = cache.get("apache-airflow", OLDEST_STOCK_CONFIG)
    written["config_options.json"] = dump(out / "config_options.json", config_options_document(
        [stock_config, *map(wheel_for, versions_2_and_3)]))

    # --- which providers, at which versions -----------------------------------------------------
    referenced: set[str] = set()
    # The contrib modules' imports point at 1.10 names, which the other tables carry on.
    for label, table in tables.items():
        if label != "airflow-1.10-contrib-imports":
            referenced.update(table["moves"].values())
    referenced.update(overlay_paths)
    keep_private = frozenset(path.rsplit(".", 1)[-1] for path in referenced
                             if path.rsplit(".", 1)[-1].startswith("_"))
    # Kubernetes client models the tables point at (Airflow's own pod objects became them).
    kubernetes_roots = sorted({path.rpartition(".")[2] for path in referenced
                               if path.startswith(KUBERNETES_MODELS + ".")})
    per_target: dict[str, Any] = {}
    all_packages: dict[str, str] = {}
    for target in targets:
        all_packages.update(provider_packages_of(read_pins(mwaa_data / target / "airflow_constraints.txt")))
    provider_requirements: set[tuple[str, str]] = set()
    for target in targets:
        constraints_path = mwaa_data / target / "airflow_constraints.txt"
        pins = read_pins(constraints_path)
        packages = provider_packages_of(pins)
        wanted = {provider_distribution(path, packages) for path in referenced}
        preinstalled_bom = read_pins(mwaa_data / target / "preinstalled.txt")
        wanted |= {d for d in pins if d.startswith("apache-airflow-providers-") and d in preinstalled_bom}
        wanted.discard(None)
        # Provider packages the tables name that this target's constraints do not pin at all
        # (retired integrations such as qubole, or the standard provider on Airflow 2).
        unpinned = sorted({provider_package(p) for p in referenced if p.startswith("airflow.providers.")
                           and provider_distribution(p, packages) is None})
        chosen = {d: pins[d] for d in sorted(wanted)}  # type: ignore[index]
        provider_requirements |= set(chosen.items())
        per_target[target] = {
            "airflow": target,
            "constraints": {"path": f"mwaa-data/{target}/airflow_constraints.txt",
                            "sha256": file_sha256(constraints_path)},
            "core": {"distribution": code_wheel(target).distribution, "version": target},
            "task_sdk": sdk_versions.get(target),
            "providers": chosen,
            "pins_used": [f"{d}=={v}" for d, v in chosen.items()],
            "unpinned_provider_packages": unpinned,
        }
        if kubernetes_roots:
            per_target[target]["libraries"] = {KUBERNETES: pins[KUBERNETES]}
    log(f"downloading {len(provider_requirements)} provider wheels")
    wheels.update(cache.get_many(provider_requirements))

    # --- inventories --------------------------------------------------------------------------
    log("building module inventories")
    inventory_wheels: set[tuple[str, str]] = set()
    inventories: dict[tuple[str, str], dict[str, list[str]]] = {}
    for target in targets:
        inventory_wheels.add((code_wheel(target).distribution, target))
        if target in sdk_versions:
            inventory_wheels.add(("apache-airflow-task-sdk", sdk_versions[target]))
        inventory_wheels |= set(per_target[target]["providers"].items())
    for distribution, version in sorted(inventory_wheels):
        wheel = wheels[(distribution, version)]
        if distribution.startswith("apache-airflow-providers-"):
            prefix = "airflow/providers/" + distribution[len("apache-airflow-providers-"):].replace("-", "/") + "/"
        elif distribution == "apache-airflow-task-sdk":
            prefix = "airflow/sdk/"
        else:
            prefix = "airflow/"
        is_provider = distribution.startswith("apache-airflow-providers-")
        modules, requires = inventory(wheel, keep_private, prefix, all_packages if is_provider else None)
        inventories[(distribution, version)] = modules
        if not modules:
            raise GenerationError(f"no modules under {prefix} in {wheel.requirement}")
        name = inventory_file_name(distribution, version)
        document = {"provenance": wheel.provenance([prefix]), "modules": modules}
        if is_provider:
            document["requires"] = requires
        written[f"inventory/{name}"] = dump_compact(out / "inventory" / name, document)
    # The reverse direction, for an Airflow 3 project on an Airflow 2 target: written with the
    # other tables, after the inventories that say which older home Airflow 2 has.
    newest_3 = max(airflow_3_targets, key=Version)
    if COMMON_COMPAT not in per_target[newest_3]["providers"]:
        raise GenerationError(f"MWAA {newest_3} pins no {COMMON_COMPAT}: no table of Airflow 2 homes")
    compat_wheel = wheels[(COMMON_COMPAT, per_target[newest_3]["providers"][COMMON_COMPAT])]

    def names_of(distribution: str, version: str) -> dict[str, frozenset[str]]:
        return {module: frozenset(names) for module, names in inventories[(distribution, version)].items()}

    newest_3_table = tables[f"airflow-{newest_3}"]
    tables[AIRFLOW_2_HOMES] = {
        "moves": airflow_2_homes(compat_wheel, newest_3_table["moves"],
                                 names_of("apache-airflow-task-sdk", sdk_versions[newest_3]),
                                 names_of("apache-airflow", NEWEST_AIRFLOW_2)),
        "provenance": {**compat_wheel.provenance([COMPAT_SDK_MEMBER]),
                       "also_read": [f"the airflow-{newest_3} table (backwards)",
                                     f"inventory of apache-airflow=={NEWEST_AIRFLOW_2}"]}}
    written["moves.json"] = dump(out / "moves.json", {"generated_by": GENERATED_BY, "tables": tables})
    kubernetes_versions = sorted({entry["libraries"][KUBERNETES] for entry in per_target.values()
                                  if "libraries" in entry}, key=Version)
    log(f"downloading {len(kubernetes_versions)} kubernetes client wheels")
    for (_, version), wheel in sorted(cache.get_many((KUBERNETES, v) for v in kubernetes_versions).items()):
        name = inventory_file_name(KUBERNETES, version)
        written[f"inventory/{name}"] = dump_compact(out / "inventory" / name,
                                                    kubernetes_inventory(wheel, kubernetes_roots))
    written.update(signature_reader.write(out, {k: wheels[k] for k in sorted(inventory_wheels)}, cache.get_many,
                                          dump_compact))
    written["targets.json"] = dump(out / "targets.json", {"generated_by": GENERATED_BY, "targets": per_target,
                                                          "mwaa_data_readme": "shared/mwaa-data/README.md"})
    airflow_wheels = [wheel for (distribution, version), wheel in sorted(wheels.items())
                      if distribution == "apache-airflow" and Version(version).major < 3]
    written["airflow-dependencies.json"] = dump(out / "airflow-dependencies.json", airflow_dependencies(airflow_wheels))
    written.update(generate_runtime(mwaa_data, out))
    return written


def _provenance_list(wheels, versions, sdk_of, wheel_for) -> list[dict[str, Any]]:
    seen = {}
    for version in versions:
        for wheel in (wheel_for(version), sdk_of(version)):
            if wheel is not None:
                seen[wheel.requirement] = {k: v for k, v in wheel.provenance().items() if k != "paths"}
    return [seen[k] for k in sorted(seen)]


def overlay_target_paths() -> list[str]:
    """Final paths the hand-kept overlay points at, so their providers get inventories too."""
    if not has_json("overlay.json"):
        return []
    overlay = load_json("overlay.json")
    return sorted({row["new"] for row in overlay.get("moves", []) if row.get("new")})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migrator.compat.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mwaa-data", type=Path, default=DEFAULT_MWAA_DATA,
                        help="folder with <version>/airflow_constraints.txt per MWAA target (default: ../shared/mwaa-data)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"wheel cache (default: {DEFAULT_CACHE})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: compat/data/generated)")
    parser.add_argument("--offline", action="store_true", help="use only wheels already in the cache")
    parser.add_argument("--runtime-only", action="store_true",
                        help="regenerate only runtime/ (the images' constraints and packages; needs no network)")
    parser.add_argument("--quiet", action="store_true")
    arguments = parser.parse_args(argv)

    def log(message: str) -> None:
        if not arguments.quiet:
            print(f"[generate] {message}", file=sys.stderr, flush=True)

    started = time.monotonic()
    mwaa_data = arguments.mwaa_data.resolve()
    if not mwaa_data.is_dir():
        parser.error(f"--mwaa-data {mwaa_data} does not exist")
    try:
        if arguments.runtime_only:
            shutil.rmtree(arguments.out / "runtime", ignore_errors=True)
            written = generate_runtime(mwaa_data, arguments.out)
        else:
            written = generate(arguments.out, WheelCache(arguments.cache, arguments.offline), mwaa_data,
                               overlay_target_paths(), log)
    except GenerationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    total = sum(written.values())
    log(f"wrote {len(written)} files, {total / 1e6:.2f} MB, to {arguments.out} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
