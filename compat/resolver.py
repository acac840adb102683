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

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from packaging.version import Version

from ._data import load_json
from .mwaa import MwaaVersion, get_version, preinstalled_providers
from .target_data import TargetData, target_data

Status = Literal["unchanged", "moved", "renamed", "removed", "unknown"]
MAX_HOPS = 8
# Folders under airflow/providers/ that group providers without being one themselves.
NAMESPACE_ONLY_PROVIDER_FOLDERS = frozenset({"apache", "microsoft", "cncf", "common", "atlassian", "dbt", "alibaba"})

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
class _Removal:
    name: str
    prefix: bool
    removed_in: str | None
    deprecated_since: str | None
    advice: str
    replacement: str | None
    source: str
    broken: bool = False


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


def _table_step(path: str, data: TargetData) -> tuple[str, str] | None:
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


def _relocation_step(path: str, data: TargetData) -> tuple[str, str] | None:
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


def _overlay_step(path: str, data: TargetData, exists: bool) -> tuple[str, dict] | None:
    for row in _overlay_moves().get(path, ()):
        if not _since_applies(row.get("since"), data.target) or _until_passed(row.get("until"), data.target):
            continue
        if exists and row.get("applies", "missing") != "always":
            return None
        return row["new"], row
    return None


def _until_passed(until: str | None, target: MwaaVersion) -> bool:
    return until is not None and target.version >= Version(until)


def _outside_airflow(path: str, data: TargetData) -> str | None:
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
    data = target_data(target)
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


def _newest_airflow_3_data() -> TargetData:
    versions = [v for v in load_json("generated/targets.json")["targets"] if Version(v).major >= 3]
    return target_data(get_version(max(versions, key=Version)))


def _in_airflow_3(path: str) -> str | None:
    """The distributions of the newest Airflow 3 the data knows, when it has ``path``; None
    also for an attribute of such a name (``task.short_circuit`` of ``airflow.sdk.task``):
    the name's own import is where that is said."""
    newest = _newest_airflow_3_data()
    parent = path.rpartition(".")[0]
    if parent not in newest.names and newest.exists(parent):
        return None
    return _core_label(newest) if newest.exists(path) else None


def _module_of(path: str, data: TargetData) -> str:
    return path if path in data.names else path.rpartition(".")[0]


def _gone(name, hops, sources, advice) -> Resolution:
    return Resolution("removed", name, None, None, None, False, " ".join(advice) or None,
                      tuple(hops), tuple(sources))


def _core_label(data: TargetData) -> str:
    core = data.entry["core"]
    label = f"{core['distribution']}=={core['version']}"
    if data.entry["task_sdk"]:
        label += f", apache-airflow-task-sdk=={data.entry['task_sdk']}"
    return label


def _provider_of_missing(path: str, data: TargetData) -> tuple[str, str] | None:
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


def _min_version(path: str, provider: str, data: TargetData) -> str | None:
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
    return target_data(get_version(target)).exists(qualname)


def provider_for(qualname: str, target: MwaaVersion | str | None = None) -> tuple[str, str] | None:
    """(provider distribution, version pinned for the target) that holds the name as it is on
    the target after resolution, or None for core/SDK names and names that do not resolve."""
    version = get_version(target)
    resolution = resolve(qualname, version)
    if resolution.provider is None:
        return None
    return resolution.provider, target_data(version).distributions[resolution.provider]


def provider_of_path(qualname: str, target: MwaaVersion | str | None = None) -> str | None:
    """The provider distribution an ``airflow.providers.<name>...`` path belongs to by its
    package alone (the name may be one the knowledge base does not know), or None."""
    if not qualname.startswith("airflow.providers."):
        return None
    found = _provider_of_missing(qualname, target_data(get_version(target)))
    return found[0] if found else None


def deprecated_alias(qualname: str, target: MwaaVersion | str | None = None) -> str | None:
    """Where the target's own Airflow forwards ``qualname`` when it keeps the name as a
    deprecated alias (an ``add_deprecated_classes`` table or a module ``__getattr__``, read
    from its wheel): the name imports there with a deprecation warning and is due to go in a
    later release. None when the target registers no such alias, or forwards it to a path
    the target does not have. The destination is the table's, as written (``Context`` in
    ``airflow.utils.context`` forwards to a module); ``resolve`` says where to import it from."""
    version = get_version(target)
    data = target_data(version)
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
    data = target_data(version)
    names: set[str] = set(_overlay_moves())
    for table in data.tables:
        names.update(table.moves)
    return {name: resolve(name, version) for name in sorted(names)}


def target_distributions(target: MwaaVersion | str | None = None) -> dict[str, str]:
    """Distributions (core, task SDK, providers) whose inventories describe the target."""
    return dict(target_data(get_version(target)).distributions)


def target_libraries(target: MwaaVersion | str | None = None) -> dict[str, str]:
    """The non-Airflow distributions among ``target_distributions`` (the Kubernetes client)."""
    return dict(target_data(get_version(target)).entry.get("libraries", {}))
