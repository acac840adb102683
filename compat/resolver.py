"""Answer "what happened to this Airflow name on that MWAA target?" from the generated tables,
the module inventories and the hand-kept overlay.

Hops compose: a 1.10 name goes through the 2.x tables, then (for an Airflow 3 target) through
the 3.x tables, until it lands on a path that exists in the target's inventories. A final path
is only ever reported when the inventories contain it; a table that points somewhere the
target does not have is reported as a removal with the reason, never as a move; where the
tables end on a name its module lost, the one module of the target that defines the name (in
the same provider, or of the same module name) is the next hop.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from packaging.version import Version

from ._data import load_json
from .mwaa import MwaaVersion, get_version, preinstalled_providers

Status = Literal["unchanged", "moved", "renamed", "removed", "unknown"]
# The moves.json table that sends Airflow 3 names to their Airflow 2 homes (a 2.x target only).
AIRFLOW_2_HOMES = "airflow-2-homes"
MAX_HOPS = 8
# Folders under airflow/providers/ that group providers without being one themselves.
NAMESPACE_ONLY_PROVIDER_FOLDERS = frozenset({"apache", "microsoft", "cncf", "common", "atlassian", "dbt", "alibaba"})

# Generated data exists for targets with an image in shared/mwaa-data. Older supported
# targets (2.7.2, 2.8.1: no MWAA image published) borrow the nearest newer target's data.
_FALLBACK_NOTE = "approximated by the data of MWAA {used} (no image data for {wanted})"


@dataclass(frozen=True)
class Resolution:
    status: Status
    name: str
    new: str | None
    provider: str | None
    min_version: str | None
    preinstalled: bool
    advice: str | None
    hops: tuple[str, ...]
    sources: tuple[str, ...]
    # Distributions the module imports at load time besides its own provider, that MWAA does
    # not preinstall (amazon's EksPodOperator needs the cncf-kubernetes provider).
    also_needs: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.status in ("moved", "renamed", "removed")


@dataclass(frozen=True)
class _Table:
    label: str
    source: str
    moves: dict[str, str]
    wildcards: dict[str, str]          # old module -> new module
    modules: dict[str, tuple[str, str]]  # old module -> (new module, note) derived from entries
    # Airflow's own deprecation tables: each target is an attribute (``module.Name``), so one
    # that names a module defining the old name means that name (see ``_table_step``).
    attribute_targets: bool = False


@dataclass(frozen=True)
class _Removal:
    name: str
    prefix: bool
    removed_in: str | None
    deprecated_since: str | None
    advice: str
    replacement: str | None
    source: str
    broken: bool = False


class _TargetData:
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
        self.tables = _tables_for(data_version)
        self._defining: dict[str, tuple[str, ...]] | None = None

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
        if self._defining is None:
            defining: dict[str, list[str]] = {}
            for module, names in self.names.items():
                for each in names:
                    defining.setdefault(each, []).append(module)
            self._defining = {each: tuple(sorted(modules)) for each, modules in defining.items()}
        return self._defining.get(name, ())

    def owner(self, path: str) -> str | None:
        module = path
        while module:
            if module in self.names and (
                    module == path or path[len(module) + 1:].split(".")[0] in self.names[module]):
                return self.module_owner.get(module)
            module = module.rpartition(".")[0]
        return None


def _make_table(label: str, source: str, moves: dict[str, str], whole_modules: bool = True,
                attribute_targets: bool = False) -> _Table:
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
    return _Table(label, source, plain, wildcards, modules, attribute_targets)


@lru_cache(maxsize=16)
def _tables_for(data_version: str) -> tuple[_Table, ...]:
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
        result.append(_make_table(label, f"{provenance['distribution']} {kind}", table["moves"],
                                  whole_modules=label not in ("airflow-1.10-contrib-imports", AIRFLOW_2_HOMES),
                                  attribute_targets=label not in kinds))
    return tuple(result)


@lru_cache(maxsize=16)
def _target_data(target: MwaaVersion) -> _TargetData:
    return _TargetData(target)


@lru_cache(maxsize=1)
def _overlay() -> dict:
    return load_json("overlay.json")


@lru_cache(maxsize=1)
def _overlay_moves() -> dict[str, tuple[dict, ...]]:
    """old -> its rows, in file order. A name whose destination depends on the target has one
    row per range of targets (``since``/``until``)."""
    rows: dict[str, list[dict]] = {}
    for row in _overlay()["moves"]:
        rows.setdefault(row["old"], []).append(row)
    return {old: tuple(found) for old, found in rows.items()}


@lru_cache(maxsize=1)
def _removals() -> tuple[_Removal, ...]:
    return tuple(
        _Removal(row["name"], row.get("prefix", False), row.get("removed_in"),
                 row.get("deprecated_since"), row["advice"], row.get("replacement"),
                 row["source"], row.get("broken", False))
        for row in _overlay()["removals"]
    )


def _removal_for(path: str) -> _Removal | None:
    for removal in _removals():
        if path == removal.name or (removal.prefix and path.startswith(removal.name + ".")):
            return removal
    return None


def _since_applies(since: str | None, target: MwaaVersion) -> bool:
    return since is None or target.version >= Version(since)


def _table_step(path: str, data: _TargetData) -> tuple[str, str] | None:
    """One hop through the moved-import tables: (new path, source) or None."""
    module, _, name = path.rpartition(".")
    # Exact entries of any table first: a whole-module redirect in a 3.x table must not
    # swallow a 2.x entry for a submodule of that module.
    for table in data.tables:
        if path in table.moves:
            new = table.moves[path]
            # Airflow 3's airflow.utils.context forwards its names to the module that defines
            # them (``Context -> airflow.sdk.definitions.context``): the name in it is meant.
            if table.attribute_targets and name in data.names.get(new, ()):
                new = f"{new}.{name}"
            return new, table.source
    for table in data.tables:
        # "module.*" redirects the module's own names (and the module), not its submodules.
        if path in table.wildcards:
            return table.wildcards[path], table.source + " (whole module)"
        if module in table.wildcards:
            return f"{table.wildcards[module]}.{name}", table.source + " (whole module)"
    for table in data.tables:
        if path in table.modules:
            new_module, note = table.modules[path]
            return new_module, table.source + (f" ({note})" if note else " (module)")
    return None


def _relocation_step(path: str, data: _TargetData) -> tuple[str, str] | None:
    """Where the target keeps a name that is gone from its module: the one module of the same
    provider defining it (amazon folded ``operators.emr_add_steps`` into ``operators.emr``), or
    the one module with the same name, nearest by path, anywhere (Airflow 3 moved core modules
    into providers as they were: ``airflow.utils.weekday`` -> ``...standard.utils.weekday``).
    None when no module or more than one qualifies, and for names the overlay removes."""
    module, _, name = path.rpartition(".")
    if not module.startswith("airflow.") or _removal_for(path) is not None:
        return None
    defining = [m for m in data.modules_defining(name) if m != module]
    parts = module.split(".")
    if module.startswith("airflow.providers."):
        package = ".".join(parts[:3 + (parts[2] in NAMESPACE_ONLY_PROVIDER_FOLDERS)]) + "."
        same_provider = [m for m in defining if m.startswith(package)]
        if len(same_provider) == 1:
            return f"{same_provider[0]}.{name}", f"inventory: only {same_provider[0]} defines {name}"

    def shared_tail(candidate: str) -> int:
        theirs = candidate.split(".")
        return next((i for i in range(min(len(parts), len(theirs))) if parts[-1 - i] != theirs[-1 - i]),
                    min(len(parts), len(theirs)))

    ranked = sorted(((shared_tail(m), m) for m in defining), reverse=True)
    if ranked and ranked[0][0] > 0 and (len(ranked) == 1 or ranked[1][0] < ranked[0][0]):
        found = ranked[0][1]
        return f"{found}.{name}", f"inventory: {found} is the module of that name defining {name}"
    return None


def _overlay_step(path: str, data: _TargetData, exists: bool) -> tuple[str, dict] | None:
    for row in _overlay_moves().get(path, ()):
        if not _since_applies(row.get("since"), data.target) or _until_passed(row.get("until"), data.target):
            continue
        if exists and row.get("applies", "missing") != "always":
            return None
        return row["new"], row
    return None


def _until_passed(until: str | None, target: MwaaVersion) -> bool:
    return until is not None and target.version >= Version(until)


def _outside_airflow(path: str, data: _TargetData) -> str | None:
    """The library an overlay row says holds ``path`` when no inventory does: ``"python"``, the
    standard library of every target's Python (``airflow.utils.dates`` re-exported
    ``datetime.datetime`` in Airflow 2)."""
    for rows in _overlay_moves().values():
        for row in rows:
            if row["new"] == path and row.get("library") == "python":
                return "python"
    return None


def _leaf(path: str) -> str:
    return path.rpartition(".")[2]


@lru_cache(maxsize=65536)
def _resolve(name: str, target: MwaaVersion) -> Resolution:
    data = _target_data(target)
    hops = [name]
    sources: list[str] = list(data.notes)
    advice: list[str] = []
    current = name
    seen = {name}
    for _ in range(MAX_HOPS):
        exists = data.exists(current)
        overlay = _overlay_step(current, data, exists)
        if overlay is not None:
            new, row = overlay
            sources.append(f"overlay: {row['source']}")
            if row.get("advice"):
                advice.append(row["advice"])
        elif exists:
            break
        else:
            step = _table_step(current, data) or _relocation_step(current, data)
            if step is None:
                break
            new, source = step
            sources.append(source)
        if new in seen:
            break
        seen.add(new)
        hops.append(new)
        current = new
    final = current

    removal = _removal_for(final)
    # The overlay can know better than the inventory: a module that still ships but no longer
    # imports (found by the real-Airflow import check) is removed all the same.
    shipped_but_gone = removal is not None and removal.removed_in is not None and removal.broken \
        and _since_applies(removal.removed_in, target)
    if len(hops) > 1 and _outside_airflow(final, data):
        sources.append("python standard library")
        status = "renamed" if _leaf(final) != _leaf(name) else "moved"
        return Resolution(status=status, name=name, new=final, provider=None, min_version=None,
                          preinstalled=True, advice=" ".join(advice) or None, hops=tuple(hops),
                          sources=tuple(sources))
    if data.exists(final) and not shipped_but_gone:
        # A name that still imports on this target but is gone in a later Airflow: say so,
        # the migration is the time to move off it.
        if removal and removal.removed_in and not _since_applies(removal.removed_in, target):
            advice.append(f"Removed in Airflow {removal.removed_in}. {removal.advice}")
            sources.append(f"overlay: {removal.source}")
        if len(hops) == 1:
            status: Status = "unchanged"
        else:
            status = "renamed" if _leaf(final) != _leaf(name) else "moved"
        owner = data.owner(final)
        provider = owner if owner is not None and owner.startswith("apache-airflow-providers-") else None
        library = owner if owner in data.entry.get("libraries", {}) else None
        sources.append("inventory: " + (f"{owner}=={data.distributions[owner]}" if provider or library
                                        else _core_label(data)))
        preinstalled = preinstalled_providers(target)
        # A provider module that imports another provider at module level cannot be imported
        # without it (amazon's GCSToS3Operator needs the google provider).
        also_needed = [d for d in data.requires.get(_module_of(final, data), ()) if d != provider]
        missing = [d for d in also_needed if d not in preinstalled]
        missing += [row["needs"] for row in _overlay().get("extra_requirements", [])
                    if (final == row["prefix"] or final.startswith(row["prefix"] + "."))
                    and row["needs"] not in preinstalled and row["needs"] not in missing]
        if missing:
            advice.append("Also needs " + ", ".join(missing) + " (not preinstalled on MWAA "
                          f"{target.airflow}): add it to requirements.txt.")
        return Resolution(
            status=status, name=name, new=final, provider=provider,
            min_version=_min_version(final, provider, data) if provider else None,
            preinstalled=(provider is None or provider in preinstalled) and not missing,
            advice=" ".join(advice) or None, hops=tuple(hops), sources=tuple(sources),
            also_needs=tuple(missing),
        )

    # Not in the target: explain why, as precisely as the data allows.
    removal = _removal_for(final) or _removal_for(name)
    if removal and _since_applies(removal.removed_in, target):
        advice.append(removal.advice)
        sources.append(f"overlay: {removal.source}")
        return _gone(name, hops, sources, advice)
    if len(hops) > 1:
        provider = _provider_of_missing(final, data)
        if provider is None:
            advice.append(f"Airflow's tables point to {final}, but no provider pinned by the MWAA "
                          f"{target.airflow} constraints contains it (the integration was retired).")
        else:
            advice.append(f"Airflow's tables point to {final}, which {provider[0]}=={provider[1]} "
                          f"(pinned for MWAA {target.airflow}) no longer contains.")
        return _gone(name, hops, sources, advice)
    if name.startswith("airflow.") and _existed_in_airflow_2(name) and target.major >= 3:
        advice.append(f"{name} exists in Airflow 2 but not in Airflow {target.airflow}; no table "
                      "records a replacement.")
        sources.append("inventory: apache-airflow==2.11.2")
        return _gone(name, hops, sources, advice)
    if name.startswith("airflow.") and not name.startswith("airflow.providers.") and target.major < 3 \
            and (newer := _in_airflow_3(name)):
        # A name Airflow 2 has elsewhere was a table hop above (AIRFLOW_2_HOMES): this one it lacks.
        advice.append(f"Added in Airflow 3 ({newer}), and Airflow {target.airflow} has no equivalent: "
                      "write it without, or choose an Airflow 3 environment (--target).")
        sources.append(f"inventory: {newer}")
        return _gone(name, hops, sources, advice)
    return Resolution("unknown", name, None, None, None, False, None, tuple(hops), tuple(sources))


def _newest_airflow_3_data() -> _TargetData:
    versions = [v for v in load_json("generated/targets.json")["targets"] if Version(v).major >= 3]
    return _target_data(get_version(max(versions, key=Version)))


def _in_airflow_3(path: str) -> str | None:
    """The distributions of the newest Airflow 3 the data knows, when it has ``path``; None
    also for an attribute of such a name (``task.short_circuit`` of ``airflow.sdk.task``):
    the name's own import is where that is said."""
    newest = _newest_airflow_3_data()
    parent = path.rpartition(".")[0]
    if parent not in newest.names and newest.exists(parent):
        return None
    return _core_label(newest) if newest.exists(path) else None


def _module_of(path: str, data: _TargetData) -> str:
    return path if path in data.names else path.rpartition(".")[0]


def _gone(name, hops, sources, advice) -> Resolution:
    return Resolution("removed", name, None, None, None, False, " ".join(advice) or None,
                      tuple(hops), tuple(sources))


def _core_label(data: _TargetData) -> str:
    core = data.entry["core"]
    label = f"{core['distribution']}=={core['version']}"
    if data.entry["task_sdk"]:
        label += f", apache-airflow-task-sdk=={data.entry['task_sdk']}"
    return label


def _provider_of_missing(path: str, data: _TargetData) -> tuple[str, str] | None:
    prefix = "apache-airflow-providers-"
    parts = path.split(".")
    for end in range(len(parts), 2, -1):
        candidate = prefix + "-".join(parts[2:end])
        if candidate in data.distributions:
            return candidate, data.distributions[candidate]
    return None


@lru_cache(maxsize=1)
def _inventory_versions() -> dict[str, tuple[str, ...]]:
    """Provider distribution -> every version the generated inventories hold, oldest first."""
    versions: dict[str, set[str]] = {}
    for entry in load_json("generated/targets.json")["targets"].values():
        for distribution, version in entry["providers"].items():
            versions.setdefault(distribution, set()).add(version)
    return {d: tuple(sorted(v, key=Version)) for d, v in versions.items()}


def _min_version(path: str, provider: str, data: _TargetData) -> str | None:
    """The oldest provider version known to the knowledge base (one per MWAA image) that has
    ``path`` and is not newer than the target's pin. Older releases may have it too."""
    pinned = Version(data.distributions[provider])
    for version in _inventory_versions().get(provider, ()):
        if Version(version) > pinned:
            break
        modules = load_json(f"generated/inventory/{provider}-{version}.json")["modules"]
        module, _, leaf = path.rpartition(".")
        if path in modules or leaf in modules.get(module, ()):
            return version
    return data.distributions[provider]


@lru_cache(maxsize=1)
def _airflow_2_names() -> dict[str, frozenset[str]]:
    modules = load_json("generated/inventory/apache-airflow-2.11.2.json")["modules"]
    return {m: frozenset(n) for m, n in modules.items()}


def _existed_in_airflow_2(path: str) -> bool:
    names = _airflow_2_names()
    if path in names:
        return True
    module, _, leaf = path.rpartition(".")
    return leaf in names.get(module, frozenset())


def resolve(qualname: str, target: MwaaVersion | str | None = None) -> Resolution:
    """What ``qualname`` (a dotted name, e.g. ``airflow.hooks.S3_hook.S3Hook``, or a module
    such as ``airflow.contrib.hooks.aws_hook``) becomes on the MWAA ``target``.

    ``unknown`` means an Airflow name no table knows and no inventory of the target contains,
    or a name outside Airflow (this resolver only knows Airflow).
    """
    return _resolve(qualname.strip(), get_version(target))


def importable(qualname: str, target: MwaaVersion | str | None = None) -> bool:
    """Whether ``qualname`` imports as written on the target: the target's inventories hold it
    (an alias or shim the target keeps counts; where it forwards to is ``resolve``'s answer)."""
    return _target_data(get_version(target)).exists(qualname)


def provider_for(qualname: str, target: MwaaVersion | str | None = None) -> tuple[str, str] | None:
    """(provider distribution, version pinned for the target) that holds the name as it is on
    the target after resolution, or None for core/SDK names and names that do not resolve."""
    version = get_version(target)
    resolution = resolve(qualname, version)
    if resolution.provider is None:
        return None
    return resolution.provider, _target_data(version).distributions[resolution.provider]


def provider_of_path(qualname: str, target: MwaaVersion | str | None = None) -> str | None:
    """The provider distribution an ``airflow.providers.<name>...`` path belongs to by its
    package alone (the name may be one the knowledge base does not know), or None."""
    if not qualname.startswith("airflow.providers."):
        return None
    found = _provider_of_missing(qualname, _target_data(get_version(target)))
    return found[0] if found else None


def deprecated_alias(qualname: str, target: MwaaVersion | str | None = None) -> str | None:
    """Where the target's own Airflow forwards ``qualname`` when it keeps the name as a
    deprecated alias (an ``add_deprecated_classes`` table or a module ``__getattr__``, read
    from its wheel): the name imports there with a deprecation warning and is due to go in a
    later release. None when the target registers no such alias, or forwards it to a path
    the target does not have. The destination is the table's, as written (``Context`` in
    ``airflow.utils.context`` forwards to a module); ``resolve`` says where to import it from."""
    version = get_version(target)
    data = _target_data(version)
    own = f"airflow-{data.data_version}" if version.major >= 3 else "airflow-2"
    table = next((t for t in data.tables if t.label == own), None)
    if table is None:
        return None
    module, _, name = qualname.strip().rpartition(".")
    forwarded = table.moves.get(qualname.strip())
    if forwarded is None and module in table.wildcards:
        forwarded = f"{table.wildcards[module]}.{name}"
    return forwarded if forwarded is not None and data.exists(forwarded) else None


def final_paths(target: MwaaVersion | str | None = None) -> dict[str, Resolution]:
    """Every old name the tables and overlay know, resolved for ``target`` (for tests and
    reports: a final path that the target lacks would be a data error)."""
    version = get_version(target)
    data = _target_data(version)
    names: set[str] = set(_overlay_moves())
    for table in data.tables:
        names.update(table.moves)
    return {name: resolve(name, version) for name in sorted(names)}


def target_distributions(target: MwaaVersion | str | None = None) -> dict[str, str]:
    """Distributions (core, task SDK, providers) whose inventories describe the target."""
    return dict(_target_data(get_version(target)).distributions)


def target_libraries(target: MwaaVersion | str | None = None) -> dict[str, str]:
    """The non-Airflow distributions among ``target_distributions`` (the Kubernetes client)."""
    return dict(_target_data(get_version(target)).entry.get("libraries", {}))


# ---------------------------------------------------------------------------------------------
# arguments, context keys, configuration


@dataclass(frozen=True)
class ArgumentChange:
    """A constructor/call argument that changed. ``owner`` is "DAG", "BaseOperator" (every
    operator) or the dotted path of one class/function as it is on Airflow 3."""

    owner: str
    argument: str
    replacement: str | None
    since: str | None          # version that deprecated or removed it (first known)
    removed_in: str | None     # first version that rejects it (None: still accepted)
    breaks: bool               # True when the target rejects the argument
    no_op: bool                # accepted but ignored on the target
    advice: str | None
    source: str


def _parameter_sets() -> dict[str, dict]:
    return load_json("generated/parameters.json")["versions"]


def _data_version(target: MwaaVersion) -> str:
    return _target_data(target).data_version


@lru_cache(maxsize=16)
def _argument_changes(target: MwaaVersion) -> tuple[ArgumentChange, ...]:
    versions = _parameter_sets()
    ordered = sorted(versions, key=Version)
    wanted = _data_version(target)
    changes: dict[tuple[str, str], ArgumentChange] = {}
    overlay = {(row["owner"], row["argument"]): row for row in _overlay()["arguments"]}
    # Generated: parameters some earlier version accepted that the target's DAG/BaseOperator
    # no longer does; the first version lacking it dates the removal.
    for owner in ("DAG", "BaseOperator"):
        current = set(versions[wanted][owner])
        for argument in sorted({a for v in ordered if Version(v) < Version(wanted) for a in versions[v][owner]} - current):
            earlier = [v for v in ordered if argument in versions[v][owner]]
            gone_in = next(v for v in ordered if Version(v) > Version(earlier[-1]))
            row = overlay.get((owner, argument), {})
            # The overlay knows the release that removed it; the generated sets only know the
            # first MWAA-era version without it.
            removed_in = row.get("removed_in") or gone_in
            changes[(owner, argument)] = ArgumentChange(
                owner, argument, row.get("replacement"), row.get("deprecated_since") or removed_in,
                removed_in, True, False, row.get("advice"),
                f"parameters of {owner} ({versions[gone_in]['source']['distribution']} lacks it)"
                + (f"; overlay: {row['source']}" if row else ""))
    # Hand-kept: renames of specific classes, no-op arguments, and deprecations that the
    # target still accepts.
    for (owner, argument), row in overlay.items():
        if (owner, argument) in changes:
            continue
        removed_in, since = row.get("removed_in"), row.get("deprecated_since")
        no_op_since = row.get("no_op_since")
        breaks = removed_in is not None and _since_applies(removed_in, target)
        no_op = no_op_since is not None and _since_applies(no_op_since, target)
        relevant = breaks or no_op or (since is not None and _since_applies(since, target)) \
            or (removed_in is not None)  # removed later: worth knowing before the next upgrade
        if owner in ("DAG", "BaseOperator") and not breaks and argument in versions[wanted][owner] \
                and not no_op and since is None:
            relevant = removed_in is not None
        if relevant:
            changes[(owner, argument)] = ArgumentChange(
                owner, argument, row.get("replacement"), since or removed_in or no_op_since,
                removed_in, breaks, no_op, row.get("advice"), f"overlay: {row['source']}")
    return tuple(changes[key] for key in sorted(changes))


def argument_changes(target: MwaaVersion | str | None = None) -> tuple[ArgumentChange, ...]:
    """Argument renames/removals that matter when moving code onto ``target``: the generated
    DAG/BaseOperator parameter sets (1.10.15 .. target) plus the overlay's class-specific and
    no-op rows. ``breaks`` says whether the target rejects the old argument."""
    return _argument_changes(get_version(target))


@dataclass(frozen=True)
class ContextKeyChange:
    key: str
    replacement: str | None
    advice: str
    removed_in: str | None
    breaks: bool
    source: str


@lru_cache(maxsize=16)
def _context_key_changes(target: MwaaVersion) -> dict[str, ContextKeyChange]:
    document = load_json("generated/context.json")["versions"]
    ordered = sorted(document, key=Version)
    wanted = _data_version(target)
    current = set(document[wanted]["keys"])
    overlay = {row["key"]: row for row in _overlay()["context_keys"]}
    replacements: dict[str, list[str]] = {}
    for version in ordered:
        replacements.update(document[version]["replacements"])
    changes: dict[str, ContextKeyChange] = {}
    earlier_keys = {k for v in ordered if Version(v) < Version(wanted) for k in document[v]["keys"]}
    for key in sorted(earlier_keys - current):
        last_with = [v for v in ordered if key in document[v]["keys"]][-1]
        gone_in = next(v for v in ordered if Version(v) > Version(last_with))
        row = overlay.get(key, {})
        replacement = row.get("replacement") or _first_plain(replacements.get(key, []))
        advice = row.get("advice") or _context_advice(key, replacement, replacements.get(key))
        changes[key] = ContextKeyChange(key, replacement, advice, row.get("removed_in") or gone_in, True,
                                        f"context keys of {document[gone_in]['source']['distribution']}")
    # Keys the target still has but already deprecates (Airflow 2.x _DEPRECATION_REPLACEMENTS).
    for key, suggested in sorted(document[wanted]["replacements"].items()):
        if key in changes:
            continue
        replacement = overlay.get(key, {}).get("replacement") or _first_plain(suggested)
        changes[key] = ContextKeyChange(
            key, replacement, _context_advice(key, replacement, suggested) + " Removed in Airflow 3.0.",
            "3.0.0", False, f"_DEPRECATION_REPLACEMENTS of {document[wanted]['source']['distribution']}")
    return changes


def _first_plain(suggestions: list[str]) -> str | None:
    return suggestions[0] if suggestions else None


def _context_advice(key: str, replacement: str | None, suggestions: list[str] | None) -> str:
    if replacement:
        others = [s for s in (suggestions or []) if s != replacement]
        more = f" (or {', '.join(others)})" if others else ""
        return f"Use {replacement}{more} instead of {key}."
    return f"{key} has no direct replacement; compute it from logical_date / data_interval_* or dag_run."


def context_key_changes(target: MwaaVersion | str | None = None) -> dict[str, ContextKeyChange]:
    """Template/context keys that are gone (``breaks``) or deprecated on ``target``."""
    return dict(_context_key_changes(get_version(target)))


@dataclass(frozen=True)
class AttributeChange:
    """A class attribute of an Airflow model the target renamed or removed (``DagRun.execution_date``
    -> ``logical_date`` on Airflow 3), read where the class itself is named."""

    owner: str                 # the class, as the overlay row names it first
    attribute: str
    replacement: str | None
    removed_in: str
    reason: str
    source: str


@lru_cache(maxsize=16)
def _attribute_changes(target: MwaaVersion) -> dict[tuple[str, str], AttributeChange]:
    changes: dict[tuple[str, str], AttributeChange] = {}
    for row in _overlay().get("attributes", ()):
        if not _since_applies(row["removed_in"], target):
            continue
        change = AttributeChange(row["owners"][0], row["attribute"], row.get("replacement"), row["removed_in"],
                                 row["reason"], row["source"])
        for owner in row["owners"]:
            changes[(owner, row["attribute"])] = change
    return changes


def attribute_changes(target: MwaaVersion | str | None = None) -> dict[tuple[str, str], AttributeChange]:
    """(class path, attribute) -> the change, for the class attributes ``target`` no longer has.
    Every path a row lists for the class is a key (``airflow.models.DagRun`` and
    ``airflow.models.dagrun.DagRun``)."""
    return dict(_attribute_changes(get_version(target)))


@dataclass(frozen=True)
class ConfigChange:
    option: str                  # "section.key" as users wrote it
    kind: Literal["renamed", "removed", "default_changed", "invalid_value"]
    new_option: str | None
    since: str | None
    breaks: bool                 # the target no longer reads the old option
    advice: str
    old_default: str | None = None
    new_default: str | None = None
    applies_if_value: str | None = None
    source: str = ""


@lru_cache(maxsize=16)
def _config_changes(target: MwaaVersion) -> tuple[ConfigChange, ...]:
    document = load_json("generated/config.json")["versions"]
    wanted = _data_version(target)
    changes: dict[tuple[str, str], ConfigChange] = {}
    # Renames the target still understands (deprecated_options of the target) ...
    entry = document[wanted]
    for row in entry["deprecated_options"]["renamed"] + entry["deprecated_options"]["many_to_one"]:
        changes[(row["old"], "renamed")] = ConfigChange(
            row["old"], "renamed", row["new"], row["since"], False,
            f"Renamed to {row['new']}; the old name still works on {target.airflow} with a warning.",
            source=f"deprecated_options of {entry['source']['distribution']}")
    # ... the 1.10 renames and every older rename the target dropped ...
    for version in sorted(document, key=Version):
        if Version(version) >= Version(wanted):
            break
        for row in document[version]["deprecated_options"]["renamed"]:
            key = (row["old"], "renamed")
            if key not in changes:
                changes[key] = ConfigChange(
                    row["old"], "renamed", row["new"], row["since"], True,
                    f"Renamed to {row['new']}; {target.airflow} no longer reads the old name.",
                    source=f"deprecated_options of {document[version]['source']['distribution']}")
    # ... and Airflow 3's CONFIGS_CHANGES when the target is Airflow 3.
    if target.major >= 3:
        for row in entry["configs_changes"]:
            still_read = changes.get((row["config"], "renamed"))
            if row.get("renamed_to") and still_read is not None and not still_read.breaks:
                # The target's deprecated_options still maps the old name ([webserver] expose_config
                # -> [api] expose_config): a deprecation, whatever CONFIGS_CHANGES lists.
                continue
            if row.get("renamed_to"):
                kind, new = "renamed", row["renamed_to"]
                advice = f"Renamed to {new} in Airflow 3."
            elif row.get("default_change"):
                kind, new = "default_changed", None
                advice = (f"Default changed from {row.get('old_default')!r} to {row.get('new_default')!r} "
                          "in Airflow 3; set it explicitly to keep the old behaviour.")
            elif row.get("is_invalid_if") is not None:
                kind, new = "invalid_value", None
                advice = f"The value {row['is_invalid_if']!r} is invalid in Airflow 3."
            else:
                kind, new = "removed", None
                advice = "Removed in Airflow 3."
            if row.get("suggestion"):
                advice += " " + str(row["suggestion"]).strip()
            changes[(row["config"], kind)] = ConfigChange(
                row["config"], kind, new, "3.0.0", kind in ("renamed", "removed"), advice,
                _text(row.get("old_default")), _text(row.get("new_default")),
                _text(row.get("remove_if_equals") if kind == "removed" else row.get("is_invalid_if")),
                f"CONFIGS_CHANGES of {entry['source']['distribution']}")
    return tuple(changes[key] for key in sorted(changes))


def _text(value) -> str | None:
    return None if value is None else str(value)


def config_changes(target: MwaaVersion | str | None = None) -> tuple[ConfigChange, ...]:
    """airflow.cfg option renames, removals and default changes relevant to ``target``."""
    return _config_changes(get_version(target))


@dataclass(frozen=True)
class ConfigSectionRename:
    old: str          # "kubernetes"
    new: str          # "kubernetes_executor"
    since: str | None
    breaks: bool      # the target no longer reads the old section
    source: str


@lru_cache(maxsize=16)
def _config_section_renames(target: MwaaVersion) -> dict[str, ConfigSectionRename]:
    document = load_json("generated/config.json")["versions"]
    wanted = _data_version(target)
    entry = document[wanted]
    renames = {row["old"]: ConfigSectionRename(row["old"], row["new"], row["since"], False,
                                               f"deprecated_sections of {entry['source']['distribution']}")
               for row in entry["deprecated_options"]["sections"]}
    # A section an older release still mapped and the target dropped ([kubernetes] in Airflow 3).
    for version in sorted(document, key=Version):
        if Version(version) >= Version(wanted):
            break
        for row in document[version]["deprecated_options"]["sections"]:
            renames.setdefault(row["old"], ConfigSectionRename(
                row["old"], row["new"], row["since"], True,
                f"deprecated_sections of {document[version]['source']['distribution']}"))
    return renames


def config_section_rename(section: str, target: MwaaVersion | str | None = None) -> ConfigSectionRename | None:
    """The rename of the airflow.cfg ``section`` (lower case) relevant to ``target``, if any."""
    return _config_section_renames(get_version(target)).get(section)
