"""Everything the resolver knows about one MWAA target, built once per target: the distributions
its data version pins, their module inventories (which names each module defines, which provider
owns it, what it imports from other providers) and the moved-import tables that apply to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from packaging.version import Version

from migrator.cache import ToolMemo

from ._data import load_json
from .mwaa import MwaaVersion

# The moves.json table that sends Airflow 3 names to their Airflow 2 homes (a 2.x target only).
AIRFLOW_2_HOMES = "airflow-2-homes"
# Generated data exists for targets with an image in shared/mwaa-data. Older supported
# targets (2.7.2, 2.8.1: no MWAA image published) borrow the nearest newer target's data.
_FALLBACK_NOTE = "approximated by the data of MWAA {used} (no image data for {wanted})"


@dataclass(frozen=True)
class Table:
    label: str
    source: str
    moves: dict[str, str]
    wildcards: dict[str, str]          # old module -> new module
    modules: dict[str, tuple[str, str]]  # old module -> (new module, note) derived from entries
    # Airflow's own deprecation tables: each target is an attribute (``module.Name``), so one
    # that names a module defining the old name means that name (see ``_table_step``).
    attribute_targets: bool = False


class TargetData:
    """Everything the resolver needs for one target, built once."""

    def __init__(self, target: MwaaVersion):
        self.target = target
        targets = load_json("generated/targets.json")["targets"]
        data_version = target.airflow
        self.notes: tuple[str, ...] = ()
        if data_version not in targets:
            newer = sorted((v for v in targets if Version(v) >= target.version), key=Version)
            if not newer:
                raise KeyError(f"no generated data for {target.airflow}")
            data_version = newer[0]
            self.notes = (_FALLBACK_NOTE.format(used=data_version, wanted=target.airflow),)
        self.data_version = data_version
        entry = targets[data_version]
        self.entry = entry
        distributions = {entry["core"]["distribution"]: entry["core"]["version"]}
        if entry["task_sdk"]:
            distributions["apache-airflow-task-sdk"] = entry["task_sdk"]
        distributions.update(entry["providers"])
        # Libraries the tables point into (the Kubernetes client's models).
        distributions.update(entry.get("libraries", {}))
        self.distributions = distributions
        self.names: dict[str, frozenset[str]] = {}
        self.module_owner: dict[str, str] = {}
        # module -> provider distributions its module-level imports need (from other providers)
        self.requires: dict[str, tuple[str, ...]] = {}
        provisional: set[str] = set()
        for distribution, version in sorted(distributions.items()):
            document = load_json(f"generated/inventory/{distribution}-{version}.json")
            modules = document["modules"]
            for module, needed in document.get("requires", {}).items():
                self.requires[module] = tuple(needed)
            for module, names in modules.items():
                self.names[module] = self.names.get(module, frozenset()) | frozenset(names)
                # Every provider wheel also lists the namespace parents it sits in
                # ("airflow", "airflow.providers"); a module belongs to whoever defines names
                # in it, and to the first lister only while nobody does.
                if module not in self.module_owner or (module in provisional and names):
                    self.module_owner[module] = distribution
                    if names:
                        provisional.discard(module)
                    else:
                        provisional.add(module)
        self.tables = tables_for(data_version)
        # Built here, so that it is kept with the rest (target_data): each run would build it again.
        defining: dict[str, list[str]] = {}
        for module, names in self.names.items():
            for each in names:
                defining.setdefault(each, []).append(module)
        self._defining = {each: tuple(sorted(modules)) for each, modules in defining.items()}

    def exists(self, path: str) -> bool:
        if path in self.names:
            return True
        module, _, name = path.rpartition(".")
        while module:
            if module in self.names:
                return name in self.names[module]
            module, _, head = module.rpartition(".")
            name = head  # "module.Class.attr": the first part after the module must be a name
        return False

    def modules_defining(self, name: str) -> tuple[str, ...]:
        """Every module of the target whose names include ``name``."""
        return self._defining.get(name, ())

    def owner(self, path: str) -> str | None:
        module = path
        while module:
            if module in self.names and (
                    module == path or path[len(module) + 1:].split(".")[0] in self.names[module]):
                return self.module_owner.get(module)
            module = module.rpartition(".")[0]
        return None


def make_table(label: str, source: str, moves: dict[str, str], whole_modules: bool = True,
                attribute_targets: bool = False) -> Table:
    """``whole_modules``: whether the names' moves also say where their module went (not for
    a module's incidental imports)."""
    plain = {old: new for old, new in moves.items() if not old.endswith(".*")}
    wildcards = {old[:-2]: new for old, new in moves.items() if old.endswith(".*")}
    by_module: dict[str, Counter] = {}
    for old, new in plain.items() if whole_modules else ():
        by_module.setdefault(old.rpartition(".")[0], Counter())[new.rpartition(".")[0]] += 1
    modules = {}
    for old_module, counts in by_module.items():
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        note = ""
        if len(ranked) > 1:
            note = "names of this module moved to: " + ", ".join(m for m, _ in ranked)
        modules[old_module] = (ranked[0][0], note)
    return Table(label, source, plain, wildcards, modules, attribute_targets)


@lru_cache(maxsize=16)
def tables_for(data_version: str) -> tuple[Table, ...]:
    """The moved-import tables that apply to a target, in the order they are consulted:
    the target's own 3.x table and older 3.x tables (for a 2.x target instead: where Airflow 2
    keeps the Airflow 3 names), then the 2.x tables, then the 2.0 shims, upgrade-check's list,
    then 1.10's own shims, package-level names and the names its contrib modules imported (only
    extra old names)."""
    tables = load_json("generated/moves.json")["tables"]
    version = Version(data_version)
    ordered: list[str] = []
    three = sorted((label for label in tables if label.startswith("airflow-3")),
                   key=lambda label: Version(label.split("-", 1)[1]), reverse=True)
    if version.major >= 3:
        ordered += [label for label in three if Version(label.split("-", 1)[1]) <= version]
    else:
        ordered.append(AIRFLOW_2_HOMES)
    ordered += ["airflow-2", "airflow-2.0-shims", "upgrade-check", "airflow-1.10-shims", "airflow-1.10-packages",
                "airflow-1.10-contrib-imports"]
    kinds = {"upgrade-check": "renamed_classes", "airflow-2.0-shims": "shim modules",
             "airflow-1.10-shims": "shim modules", "airflow-1.10-packages": "package-level names",
             "airflow-1.10-contrib-imports": "contrib modules' imports",
             AIRFLOW_2_HOMES: "Airflow 2 homes of Airflow 3 names (common.compat sdk.py)"}
    result = []
    for label in ordered:
        table = tables[label]
        provenance = table["provenance"]
        kind = kinds.get(label, "__deprecated_classes")
        result.append(make_table(label, f"{provenance['distribution']} {kind}", table["moves"],
                                  whole_modules=label not in ("airflow-1.10-contrib-imports", AIRFLOW_2_HOMES),
                                  attribute_targets=label not in kinds))
    return tuple(result)


@lru_cache(maxsize=16)
def target_data(target: MwaaVersion) -> TargetData:
    # Kept in the tool's cache until the knowledge base changes (as compat.signatures' tables):
    # built from every inventory file of the target's distributions.
    return ToolMemo(f"target-data-{target.airflow}").kept(lambda: TargetData(target))
