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
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from migrator.cache import cache_dir

from . import signature_reader
from . import wheel_reader as wr
from .mwaa import find_version
from .resolver import NAMESPACE_ONLY_PROVIDER_FOLDERS
from .target_data import AIRFLOW_2_HOMES

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "generated"
# The tool's one cache folder (migrator.cache), so wheels sit beside the venvs and constraints.
DEFAULT_CACHE = cache_dir("wheels")
DEFAULT_MWAA_DATA = REPO_ROOT / ".." / "shared" / "mwaa-data"
GENERATED_BY = "python -m migrator.compat.generate"

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
# The provider whose sdk.py imports every Airflow 3 name from its Airflow 2 home where Airflow 3
# is not installed: the reverse of the deprecation tables, kept by Airflow's maintainers. Read at
# the version the newest Airflow 3 target pins; the table AIRFLOW_2_HOMES of moves.json.
COMMON_COMPAT = "apache-airflow-providers-common-compat"
COMPAT_SDK_MEMBER = "airflow/providers/common/compat/sdk.py"

# Modules that exist only for Airflow's own machinery; user DAGs and plugins never import them,
# and leaving them out keeps the inventories a fraction of their size.
SKIPPED_MODULE_PREFIXES = (
    "airflow.migrations", "airflow.api_fastapi", "airflow.ui", "airflow.www.static",
    "airflow.api_connexion", "airflow._vendor", "airflow.example_dags",
    "airflow.providers.google.ads._vendor",
)


class GenerationError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# downloads


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


def read_pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) == 1 and specifiers[0].operator == "==":
            pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


# The three files per target in shared/mwaa-data and the key each gets in the runtime data.
RUNTIME_FILES = {"constraints": "airflow_constraints.txt", "essential": "mwaa_essential_constraints.txt",
                 "preinstalled": "preinstalled.txt"}
_README_SOURCE = re.compile(r"Source:\s*(?P<repository>\S+)\s*\((?P<license>[^)]*)\),\s*commit\s*"
                            r"(?P<commit>[0-9a-f]{40})\s*\((?P<date>[0-9-]+)\)")
_README_ROW = re.compile(r"^\|\s*`(?P<file>[^`]+)`\s*\|.*\|\s*`(?P<path>[^`]+)`\s*\|\s*$", re.MULTILINE)


def mwaa_data_source(mwaa_data: Path) -> dict[str, Any]:
    """Repository, licence, commit, date and the image path of each file, from the README of
    ``mwaa_data`` (the copies' own record of where they were taken from)."""
    readme = mwaa_data / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        raise GenerationError(f"{readme}: cannot read it ({exc.strerror})") from None
    source = _README_SOURCE.search(text)
    paths = {row["file"]: row["path"] for row in _README_ROW.finditer(text)}
    missing = [name for name in RUNTIME_FILES.values() if name not in paths]
    if source is None or missing:
        raise GenerationError(f"{readme}: no 'Source: <repository> (<licence>), commit <sha> (<date>)' line"
                              if source is None else f"{readme}: the table names no image path for {missing}")
    return {**source.groupdict(), "paths": paths}


def generate_runtime(mwaa_data: Path, out: Path) -> dict[str, int]:
    """``out/runtime/<airflow>.json`` per target: the image's constraints, essential pins and
    preinstalled distributions (canonical names), each file's image path and sha256."""
    source = mwaa_data_source(mwaa_data)
    written: dict[str, int] = {}
    for target in mwaa_targets(mwaa_data):
        version = find_version(target)
        files: dict[str, Any] = {}
        document: dict[str, Any] = {"airflow": target, "python": version.python}
        for key, name in RUNTIME_FILES.items():
            path = mwaa_data / target / name
            if not path.is_file():
                raise GenerationError(f"{path} is missing")
            document[key] = dict(sorted(read_pins(path).items()))
            files[key] = {"path": source["paths"][name].replace("<v>", target), "sha256": _sha256(path)}
        document["provenance"] = {"repository": source["repository"], "license": source["license"],
                                  "commit": source["commit"], "date": source["date"], "files": files,
                                  "generated_by": GENERATED_BY}
        name = f"runtime/{target}.json"
        written[name] = dump_compact(out / name, document)
    return written


def mwaa_targets(mwaa_data: Path) -> list[str]:
    targets = [p.name for p in mwaa_data.iterdir()
               if p.is_dir() and (p / "airflow_constraints.txt").is_file() and find_version(p.name)]
    if not targets:
        raise GenerationError(f"no MWAA target folders with airflow_constraints.txt in {mwaa_data}")
    return sorted(targets, key=Version)


def provider_distribution(module_path: str, provider_packages: dict[str, str]) -> str | None:
    """The provider distribution whose package holds ``module_path`` (longest prefix wins)."""
    parts = module_path.split(".")
    for end in range(len(parts), 2, -1):
        distribution = provider_packages.get(".".join(parts[:end]))
        if distribution:
            return distribution
    return None


def provider_packages_of(distributions: Iterable[str]) -> dict[str, str]:
    """``airflow.providers.cncf.kubernetes`` -> ``apache-airflow-providers-cncf-kubernetes``."""
    prefix = "apache-airflow-providers-"
    return {"airflow.providers." + d[len(prefix):].replace("-", "."): d
            for d in distributions if d.startswith(prefix)}


# ---------------------------------------------------------------------------------------------
# extraction


def _collect(wheel: wr.Wheel, read, prefix: str = "airflow/", required: str | None = None
             ) -> tuple[dict[str, str], list[str]]:
    """The moves ``read(member, source)`` finds in each module under ``prefix``, and the
    modules they came from; a wheel without any is an error when ``required`` names them."""
    moves: dict[str, str] = {}
    paths = []
    for member, source in wheel.python_sources(prefix):
        found = read(member, source)
        if found:
            moves.update(found)
            paths.append(member)
    if required and not moves:
        raise GenerationError(f"no {required} in {wheel.requirement}")
    return dict(sorted(moves.items())), paths


def _in_packages(marker: str, read):
    """A reader of the package ``__init__.py`` files that contain ``marker``."""
    return lambda member, source: read(source, wr.module_name(member)) \
        if member.endswith("__init__.py") and marker in source else {}


def extract_deprecated_tables(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    """The ``add_deprecated_classes`` tables of every module: packages register them in their
    ``__init__.py``, and Airflow 3 modules such as ``airflow.utils.context`` for their own names."""
    return _collect(wheel, lambda member, source: wr.deprecated_class_tables(source, wr.module_name(member))
                    if "add_deprecated_classes(" in source else {},
                    required="__deprecated_classes tables")


def extract_getattr_redirects(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    """Names Airflow 3 modules still hand out through ``__getattr__`` from where they moved."""
    return _collect(wheel, lambda member, source: {**wr.getattr_redirects(source, member),
                                                   **wr.getattr_alias_imports(source, member)}
                    if "def __getattr__" in source else {})


def extract_shims(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    def read(member: str, source: str) -> dict[str, str]:
        found = wr.shim_module_moves(source, member) if "warn" in source else {}
        return found or (wr.subclass_shim_moves(source, member) if "pass" in source else {})

    return _collect(wheel, read)


def extract_contrib_imports(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    """Names Airflow 1.10's contrib modules imported from elsewhere in Airflow (and so exported);
    its example DAGs are no module anyone imports from."""
    return _collect(wheel, lambda member, source: {} if member.startswith("airflow/contrib/example_dags/")
                    else wr.imported_airflow_names(source, member), "airflow/contrib/")


def extract_package_names(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    """Airflow 1.10's package-level names (``from airflow.operators import BashOperator``)."""
    return _collect(wheel, _in_packages("AirflowImporter(", wr.lazy_package_names), required="AirflowImporter tables")


def extract_context(wheel: wr.Wheel, sdk: wr.Wheel | None) -> dict[str, Any]:
    if sdk is not None:
        member = "airflow/sdk/definitions/context.py"
        return {"keys": wr.typed_dict_keys(sdk.read(member)), "replacements": {},
                "source": {"distribution": sdk.requirement, "path": member}}
    if wheel.has("airflow/utils/context.py"):
        member = "airflow/utils/context.py"
        keys, replacements = wr.known_context_keys(wheel.read(member))
    else:
        member = "airflow/models/taskinstance.py"
        keys, replacements = wr.context_keys_from_template_context(wheel.read(member)), {}
    return {"keys": keys, "replacements": replacements,
            "source": {"distribution": wheel.requirement, "path": member}}


def extract_parameters(wheel: wr.Wheel, sdk: wr.Wheel | None) -> dict[str, Any]:
    if sdk is not None:
        dag_member, operator_member = "airflow/sdk/definitions/dag.py", "airflow/sdk/bases/operator.py"
        dag = wr.attrs_init_parameters(sdk.read(dag_member), "DAG")
        operator = wr.init_parameters(sdk.read(operator_member), "BaseOperator")
        owner = sdk
    else:
        dag_member, operator_member = "airflow/models/dag.py", "airflow/models/baseoperator.py"
        dag = wr.init_parameters(wheel.read(dag_member), "DAG")
        operator = wr.init_parameters(wheel.read(operator_member), "BaseOperator")
        owner = wheel
    return {"DAG": dag, "BaseOperator": operator,
            "source": {"distribution": owner.requirement, "paths": [dag_member, operator_member]}}


def extract_config(wheel: wr.Wheel, sdk: wr.Wheel | None = None) -> dict[str, Any]:
    paths = []
    options: dict[str, Any] = {"renamed": [], "many_to_one": [], "sections": []}
    for member in ("airflow/configuration.py", "airflow/_shared/configuration/parser.py"):
        if wheel.has(member):
            found = wr.deprecated_options(wheel.read(member))
            if any(found.values()):
                paths.append(member)
                for block, rows in found.items():
                    options[block].extend(rows)
    for block, rows in options.items():
        unique = {json.dumps(row, sort_keys=True): row for row in rows}
        options[block] = [unique[k] for k in sorted(unique)]
    changes: list[dict[str, Any]] = []
    member = "airflow/cli/commands/config_command.py"
    if wheel.has(member) and "CONFIGS_CHANGES" in wheel.read(member):
        changes = wr.configs_changes(wheel.read(member))
        paths.append(member)
    if not paths:
        raise GenerationError(f"no configuration tables in {wheel.requirement}")
    return {"deprecated_options": options, "configs_changes": changes,
            "source": {"distribution": wheel.requirement, "paths": sorted(paths)}}


CONFIG_TEMPLATE = "airflow/config_templates/config.yml"


def _written_default(raw: Any) -> list[str]:
    """The texts Airflow writes into airflow.cfg for a config.yml default.

    Airflow renders the template with ``str.format`` (``{{`` becomes ``{``) and the install's
    ``AIRFLOW_HOME``, which stays a ``{AIRFLOW_HOME}`` marker here. A default made per
    installation (``{FERNET_KEY}``, ``{SECRET_KEY}``) has no text every install shares: none.
    """
    text = "" if raw is None else str(raw)
    try:
        rendered = text.format(AIRFLOW_HOME="{AIRFLOW_HOME}")
    except (KeyError, IndexError, ValueError):
        return []
    return sorted({rendered, text}) if "{AIRFLOW_HOME}" not in text else [rendered]


def extract_config_options(wheels: Iterable[wr.Wheel]) -> dict[str, Any]:
    """Every option of the wheels' config.yml: the defaults Airflow writes for it (any of the
    versions) and whether any version marks it ``sensitive``."""
    options: dict[str, dict[str, Any]] = {}
    for wheel in wheels:
        document = yaml.safe_load(wheel.read(CONFIG_TEMPLATE))
        # 1.10 lists sections ({name, options: [{name, ...}]}); 2.x+ maps them by name.
        sections = ({s["name"]: {o["name"]: o for o in s["options"]} for s in document}
                    if isinstance(document, list) else {n: s.get("options") or {} for n, s in document.items()})
        for section, fields in sections.items():
            for key, spec in fields.items():
                row = options.setdefault(f"{section}.{key}".lower(), {"defaults": set(), "sensitive": False})
                row["defaults"].update(_written_default(spec.get("default")))
                row["sensitive"] = row["sensitive"] or bool(spec.get("sensitive"))
    return {option: {"defaults": sorted(row["defaults"]), "sensitive": row["sensitive"]}
            for option, row in sorted(options.items())}


def config_options_document(wheels: list[wr.Wheel]) -> dict[str, Any]:
    return {"generated_by": GENERATED_BY, "options": extract_config_options(wheels),
            "provenance": [wheel.provenance([CONFIG_TEMPLATE]) for wheel in wheels]}


def extract_aliases(wheel: wr.Wheel) -> dict[str, Any]:
    aliases = {}
    paths = []
    for package in ("airflow", "airflow.models"):
        member = package.replace(".", "/") + "/__init__.py"
        found = wr.lazy_imports(wheel.read(member), package)
        if found:
            aliases[package] = dict(sorted(found.items()))
            paths.append(member)
    return {"lazy_imports": aliases, "source": {"distribution": wheel.requirement, "paths": paths}}


def extract_sdk(sdk: wr.Wheel) -> dict[str, Any]:
    member = "airflow/sdk/__init__.py"
    source = sdk.read(member)
    return {"all": wr.dunder_all(source),
            "lazy_imports": dict(sorted(wr.lazy_imports(source, "airflow.sdk").items())),
            "source": {"distribution": sdk.requirement, "path": member}}


def airflow_2_homes(compat_wheel: wr.Wheel, deprecations: dict[str, str], sdk_names: dict[str, frozenset[str]],
                    airflow_2_names: dict[str, frozenset[str]]) -> dict[str, str]:
    """Task SDK name -> its home on the newest Airflow 2: first from the common.compat
    provider's own table of fallbacks (``COMPAT_SDK_MEMBER``), then from the newest Airflow 3
    core's deprecation table read backwards (``deprecations``: old -> new; a new path that is
    an SDK module means the old name in it). Only homes Airflow 2 defines are kept: a name only a
    provider had there (standard's BaseBranchOperator) has none."""
    def has(path: str) -> bool:
        module, _, name = path.rpartition(".")
        return path in airflow_2_names or name in airflow_2_names.get(module, ())

    candidates = wr.compat_sdk_homes(compat_wheel.read(COMPAT_SDK_MEMBER))
    for old, new in sorted(deprecations.items()):
        if old.endswith(".*"):
            new, old = f"{new}.*", old[:-2]
        elif old.rpartition(".")[2] in sdk_names.get(new, ()):
            new = f"{new}.{old.rpartition('.')[2]}"
        elif new in sdk_names and old not in airflow_2_names:
            continue  # a name sent to a module that does not define it: no name to send back
        if new.startswith("airflow.sdk."):
            candidates.setdefault(new, []).append(old)
    moves = {}
    for new, older in candidates.items():
        # A whole module's older homes are modules: "airflow.sdk.timezone.*" -> "airflow.utils.timezone".
        home = next((path for path in older if (path in airflow_2_names if new.endswith(".*") else has(path))), None)
        if home is not None:
            moves[new] = home
    return dict(sorted(moves.items()))


def inventory(wheel: wr.Wheel, keep_private: frozenset[str], package_prefix: str = "airflow/",
              provider_packages: dict[str, str] | None = None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(module -> public names, module -> other provider distributions it cannot import without)."""
    modules: dict[str, list[str]] = {}
    requires: dict[str, list[str]] = {}
    for member, source in wheel.python_sources(package_prefix):
        name = wr.module_name(member)
        if name.startswith(SKIPPED_MODULE_PREFIXES) or "/tests/" in member:
            continue
        modules[name] = wr.top_level_names(source, member, keep_private)
        if provider_packages is not None:
            others = {provider_distribution(imported, provider_packages) or _provider_package(imported)
                      for imported in wr.provider_imports(source, member)}
            others.discard(wheel.distribution)
            if others:
                requires[name] = sorted(others)
    # Namespace folders (no __init__.py) are importable too; record them without names.
    for name in list(modules):
        parts = name.split(".")
        for end in range(1, len(parts)):
            modules.setdefault(".".join(parts[:end]), [])
    return dict(sorted(modules.items())), dict(sorted(requires.items()))


KUBERNETES = "kubernetes"
KUBERNETES_MODELS = "kubernetes.client.models"


def kubernetes_inventory(wheel: wr.Wheel, roots: Iterable[str]) -> dict[str, Any]:
    """The Kubernetes client's model classes (``modules``), and the fields of ``roots`` and of
    every model their fields hold (``models``: class -> attribute -> [JSON key, type])."""
    init = KUBERNETES_MODELS.replace(".", "/") + "/__init__.py"
    module_of = wr.imported_classes(wheel.read(init), KUBERNETES_MODELS)
    models: dict[str, dict[str, list[str]]] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in models:
            continue
        if name not in module_of:
            raise GenerationError(f"{name} is not a model class of {wheel.requirement}")
        models[name] = wr.model_fields(wheel.read(module_of[name].replace(".", "/") + ".py"), name)
        for _, type_text in models[name].values():
            pending += [word for word in re.findall(r"\w+", type_text) if word in module_of]
    return {"provenance": wheel.provenance([init]), "modules": {KUBERNETES_MODELS: sorted(module_of)},
            "models": dict(sorted(models.items()))}


# ---------------------------------------------------------------------------------------------
# output


def dump(path: Path, document: Any) -> int:
    """Write sorted, indented JSON ending in a newline: stable bytes for the same data."""
    text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text)


# Mappings dump_compact writes one entry a line: module inventories and the runtime package pins.
COMPACT_MAPPINGS = ("models", "modules", "requires", "constraints", "essential", "preinstalled")


def dump_compact(path: Path, document: Any, blocks: tuple[str, ...] = COMPACT_MAPPINGS) -> int:
    """Inventories, signatures and runtime data: one module (or model, or entry) per line of each
    mapping in ``blocks``; small and still diffable."""
    lines = ["{"]
    keys = sorted(document)
    for index, key in enumerate(keys):
        comma = "," if index < len(keys) - 1 else ""
        if key in blocks:
            lines.append(f' "{key}": {{')
            modules = document[key]
            names = sorted(modules)
            for position, module in enumerate(names):
                sep = "," if position < len(names) - 1 else ""
                lines.append(f"  {json.dumps(module)}: {json.dumps(modules[module], sort_keys=True, separators=(',', ':'))}{sep}")
            lines.append(" }" + comma)
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(document[key], sort_keys=True, separators=(',', ':'))}{comma}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text)


def inventory_file_name(distribution: str, version: str) -> str:
    return f"{distribution}-{version}.json"


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
    tables["upgrade-check"] = {"moves": dict(sorted(wr.upgrade_check_renames(upgrade_check.read(member)).items())),
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
        unpinned = sorted({_provider_package(p) for p in referenced if p.startswith("airflow.providers.")
                           and provider_distribution(p, packages) is None})
        chosen = {d: pins[d] for d in sorted(wanted)}  # type: ignore[index]
        provider_requirements |= set(chosen.items())
        per_target[target] = {
            "airflow": target,
            "constraints": {"path": f"mwaa-data/{target}/airflow_constraints.txt",
                            "sha256": _sha256(constraints_path)},
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


def airflow_dependencies(wheels: Iterable[wr.Wheel]) -> dict[str, Any]:
    """Per Airflow major version, what ``pip install apache-airflow==X`` pulled in without
    extras (the union over the releases read): a frozen environment of that Airflow lists
    these, and the target's Airflow brings its own versions of them."""
    majors: dict[str, set[str]] = {}
    provenance = []
    for wheel in wheels:
        names = majors.setdefault(str(Version(wheel.version).major), set())
        for line in wheel.metadata_requires():
            requirement = Requirement(line)
            if requirement.marker is None or "extra" not in str(requirement.marker):
                names.add(canonicalize_name(requirement.name))
        provenance.append({k: v for k, v in wheel.provenance().items() if k != "paths"})
    return {"generated_by": GENERATED_BY, "majors": {major: sorted(names) for major, names in sorted(majors.items())},
            "provenance": provenance}


def _provider_package(path: str) -> str:
    parts = path.split(".")
    end = 4 if parts[2] in NAMESPACE_ONLY_PROVIDER_FOLDERS else 3
    return ".".join(parts[:end])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _provenance_list(wheels, versions, sdk_of, wheel_for) -> list[dict[str, Any]]:
    seen = {}
    for version in versions:
        for wheel in (wheel_for(version), sdk_of(version)):
            if wheel is not None:
                seen[wheel.requirement] = {k: v for k, v in wheel.provenance().items() if k != "paths"}
    return [seen[k] for k in sorted(seen)]


def overlay_target_paths() -> list[str]:
    """Final paths the hand-kept overlay points at, so their providers get inventories too."""
    from ._data import has_json, load_json

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
