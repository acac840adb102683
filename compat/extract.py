"""The facts ``generate`` takes out of the downloaded wheels: moved-import tables, aliases,
context keys, parameters, config tables and options, module inventories, the Kubernetes client's
models and Airflow's own dependencies, each with the paths it was read from."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from . import api_reader, moves_reader
from . import wheel_reader as wr
from .generated_files import GENERATED_BY, GenerationError
from .resolver import NAMESPACE_ONLY_PROVIDER_FOLDERS

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


def provider_package(path: str) -> str:
    parts = path.split(".")
    end = 4 if parts[2] in NAMESPACE_ONLY_PROVIDER_FOLDERS else 3
    return ".".join(parts[:end])


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
    return _collect(wheel, lambda member, source: moves_reader.deprecated_class_tables(source, wr.module_name(member))
                    if "add_deprecated_classes(" in source else {},
                    required="__deprecated_classes tables")


def extract_getattr_redirects(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    """Names Airflow 3 modules still hand out through ``__getattr__`` from where they moved."""
    return _collect(wheel, lambda member, source: {**moves_reader.getattr_redirects(source, member),
                                                   **moves_reader.getattr_alias_imports(source, member)}
                    if "def __getattr__" in source else {})


def extract_shims(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    def read(member: str, source: str) -> dict[str, str]:
        found = moves_reader.shim_module_moves(source, member) if "warn" in source else {}
        return found or (moves_reader.subclass_shim_moves(source, member) if "pass" in source else {})

    return _collect(wheel, read)


def extract_contrib_imports(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    """Names Airflow 1.10's contrib modules imported from elsewhere in Airflow (and so exported);
    its example DAGs are no module anyone imports from."""
    return _collect(wheel, lambda member, source: {} if member.startswith("airflow/contrib/example_dags/")
                    else moves_reader.imported_airflow_names(source, member), "airflow/contrib/")


def extract_package_names(wheel: wr.Wheel) -> tuple[dict[str, str], list[str]]:
    """Airflow 1.10's package-level names (``from airflow.operators import BashOperator``)."""
    return _collect(wheel, _in_packages("AirflowImporter(", moves_reader.lazy_package_names), required="AirflowImporter tables")


def extract_context(wheel: wr.Wheel, sdk: wr.Wheel | None) -> dict[str, Any]:
    if sdk is not None:
        member = "airflow/sdk/definitions/context.py"
        return {"keys": api_reader.typed_dict_keys(sdk.read(member)), "replacements": {},
                "source": {"distribution": sdk.requirement, "path": member}}
    if wheel.has("airflow/utils/context.py"):
        member = "airflow/utils/context.py"
        keys, replacements = api_reader.known_context_keys(wheel.read(member))
    else:
        member = "airflow/models/taskinstance.py"
        keys, replacements = api_reader.context_keys_from_template_context(wheel.read(member)), {}
    return {"keys": keys, "replacements": replacements,
            "source": {"distribution": wheel.requirement, "path": member}}


def extract_parameters(wheel: wr.Wheel, sdk: wr.Wheel | None) -> dict[str, Any]:
    if sdk is not None:
        dag_member, operator_member = "airflow/sdk/definitions/dag.py", "airflow/sdk/bases/operator.py"
        dag = api_reader.attrs_init_parameters(sdk.read(dag_member), "DAG")
        operator = api_reader.init_parameters(sdk.read(operator_member), "BaseOperator")
        owner = sdk
    else:
        dag_member, operator_member = "airflow/models/dag.py", "airflow/models/baseoperator.py"
        dag = api_reader.init_parameters(wheel.read(dag_member), "DAG")
        operator = api_reader.init_parameters(wheel.read(operator_member), "BaseOperator")
        owner = wheel
    return {"DAG": dag, "BaseOperator": operator,
            "source": {"distribution": owner.requirement, "paths": [dag_member, operator_member]}}


def extract_config(wheel: wr.Wheel, sdk: wr.Wheel | None = None) -> dict[str, Any]:
    paths = []
    options: dict[str, Any] = {"renamed": [], "many_to_one": [], "sections": []}
    for member in ("airflow/configuration.py", "airflow/_shared/configuration/parser.py"):
        if wheel.has(member):
            found = api_reader.deprecated_options(wheel.read(member))
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
        changes = api_reader.configs_changes(wheel.read(member))
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
        found = moves_reader.lazy_imports(wheel.read(member), package)
        if found:
            aliases[package] = dict(sorted(found.items()))
            paths.append(member)
    return {"lazy_imports": aliases, "source": {"distribution": wheel.requirement, "paths": paths}}


def extract_sdk(sdk: wr.Wheel) -> dict[str, Any]:
    member = "airflow/sdk/__init__.py"
    source = sdk.read(member)
    return {"all": moves_reader.dunder_all(source),
            "lazy_imports": dict(sorted(moves_reader.lazy_imports(source, "airflow.sdk").items())),
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

    candidates = moves_reader.compat_sdk_homes(compat_wheel.read(COMPAT_SDK_MEMBER))
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
            others = {provider_distribution(imported, provider_packages) or provider_package(imported)
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
