"""What the knowledge base says about Airflow names used in code, shaped for the API rules.

``migrator.compat.resolve`` answers where a name lives on the target. The rules also need to
know whether the name *as written* still imports there (a deprecation shim, an alias) or fails,
because that decides between an error and a warning. This module derives that from the
resolution's hops and the target's inventories, and caches every answer: rules run on thousands
of files that import the same few hundred names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from migrator import compat
from migrator.compat import MwaaVersion, Resolution
from migrator.findings import Severity


@lru_cache(maxsize=65536)
def resolve(qualname: str, target: MwaaVersion) -> Resolution:
    return compat.resolve(qualname, target)


def exists(qualname: str, target: MwaaVersion) -> bool:
    """True when ``qualname`` imports as written on the target (its inventories contain it)."""
    return compat.importable(qualname, target)


def _table_generation(source: str) -> int | None:
    """The Airflow major version whose deprecation table a hop came from, if it was one."""
    match = re.match(r"apache-airflow(?:-core)?==(\d+)\.[\d.]+ __deprecated_classes", source)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class ImportVerdict:
    """A name used in code that is not where the target has it."""

    old: str
    new: str | None  # final path on the target; None when removed
    kind: str  # "moved" | "renamed" | "removed"
    severity: Severity  # ERROR: fails on the target; WARNING: deprecated, goes in the next major;
    #                     INFO: still works, a newer location is preferred
    works: bool  # the name as written still imports on the target
    provider: str | None
    min_version: str | None
    preinstalled: bool
    advice: str | None

    @property
    def requirement(self) -> str | None:
        if not self.provider:
            return None
        return f"{self.provider}>={self.min_version}" if self.min_version else self.provider


@lru_cache(maxsize=65536)
def import_verdict(qualname: str, target: MwaaVersion) -> ImportVerdict | None:
    """None when the name is fine on the target (unchanged, or still importable as written
    without a deprecation), or not an Airflow name the knowledge base knows."""
    resolution = resolve(qualname, target)
    if resolution.status in ("unchanged", "unknown"):
        return None
    if resolution.status == "removed":
        return ImportVerdict(qualname, None, "removed", Severity.ERROR, False, None, None, False,
                             resolution.advice)
    kind = resolution.status
    if exists(qualname, target):
        # An alias the target keeps (airflow.DAG on 3.x, a provider class its newer release
        # dropped but the pinned one still has): it imports; only a rename is worth telling.
        if kind != "renamed":
            return None
        works, severity = True, Severity.WARNING
    else:
        works = _works_through_shim(resolution, target) or _works_as_alias(qualname, target)
        if not works:
            severity = Severity.ERROR
        else:
            severity = Severity.WARNING if target.major < 3 else Severity.INFO
    return ImportVerdict(qualname, resolution.new, kind, severity, works, resolution.provider,
                         resolution.min_version, resolution.preinstalled, resolution.advice)


def alias_target(qualname: str, target: MwaaVersion) -> str | None:
    """The path of what a name missing from the target's modules imports as there, when the
    target keeps it as a deprecated alias (1.10's contrib ``AWSBatchOperator`` is the amazon
    provider's ``BatchOperator`` on 2.11); None otherwise."""
    resolution = resolve(qualname, target)
    if resolution.status in ("unchanged", "unknown", "removed") or exists(qualname, target):
        return None
    if _works_through_shim(resolution, target):
        return resolution.hops[1]
    forwarded = compat.deprecated_alias(qualname, target)
    return forwarded if forwarded is not None and _installed(forwarded, target) else None


def newer_than(qualname: str, target: MwaaVersion) -> str | None:
    """The Airflow version of the newest MWAA target when ``qualname`` is its own path there but
    the older ``target`` has the name elsewhere (``airflow.sdk.dag`` on 2.x): code written for a
    newer Airflow, not old code."""
    newest = compat.newest_version()
    if newest.major <= target.major or resolve(qualname, newest).status != "unchanged":
        return None
    return newest.airflow


def _works_through_shim(resolution: Resolution, target: MwaaVersion) -> bool:
    """A name missing from the target's modules still imports when the target's own
    deprecation table redirects it to a name the target has (and whose provider is installed)."""
    sources = [s for s in resolution.sources if not s.startswith("approximated by")]
    if len(resolution.hops) < 2 or not sources:
        return False
    generation = _table_generation(sources[0])
    if generation is None or generation != target.major:
        return False
    first_target = resolution.hops[1]
    return exists(first_target, target) and _installed(first_target, target)


def _works_as_alias(qualname: str, target: MwaaVersion) -> bool:
    """The target's Airflow keeps the name as a deprecated alias (``airflow.utils.context.Context``
    on 3.x) even where the knowledge base sends it elsewhere, to a destination that imports."""
    forwarded = compat.deprecated_alias(qualname, target)
    return forwarded is not None and _installed(forwarded, target)


def _installed(path: str, target: MwaaVersion) -> bool:
    """Whether what holds ``path`` on the target (core, the SDK, a provider) is installed there."""
    owner = resolve(path, target)
    return owner.preinstalled or owner.provider is None


@lru_cache(maxsize=65536)
def kubernetes_object(qualname: str, target: MwaaVersion) -> compat.KubernetesObject | None:
    """The Airflow pod object (Volume, VolumeMount, ...) a name constructs, when the target
    takes the Kubernetes client model that replaced it instead."""
    return compat.kubernetes_object(qualname, target)


@lru_cache(maxsize=4096)
def kubernetes_argument(qualname: str, argument: str, target: MwaaVersion) -> compat.KubernetesArgument | None:
    return compat.kubernetes_argument(qualname, argument, target)


def canonical(qualname: str | None, target: MwaaVersion) -> str | None:
    """Where a name lives on the target (itself when unchanged or unknown)."""
    if not qualname:
        return qualname
    resolution = resolve(qualname, target)
    return resolution.new or qualname


@lru_cache(maxsize=65536)  # asked for each argument of each task
def spellings(qualname: str | None, target: MwaaVersion) -> frozenset[str]:
    """Every path a name is known by: as written, each hop, on the target, and on the newest
    MWAA version (the knowledge base names class-specific changes by their Airflow 3 path)."""
    if not qualname:
        return frozenset()
    names = {qualname}
    for version in (target, compat.newest_version()):
        resolution = resolve(qualname, version)
        names.update(resolution.hops)
        if resolution.new:
            names.add(resolution.new)
    return frozenset(names)


# -- plugin-manager imports (Airflow 1.10) ---------------------------------------------------------


@lru_cache(maxsize=8)
def plugin_namespaces(target: MwaaVersion) -> tuple[str, ...]:
    """``airflow.operators.`` etc.: where 1.10's plugin manager published plugin classes."""
    return tuple(f"airflow.{change.attribute}." for change in compat.plugin_attribute_changes(target)
                 if change.attribute in ("operators", "sensors", "hooks", "executors", "macros"))


def plugin_target(qualname: str, exports: tuple[tuple[str, str], ...]) -> str | None:
    """The real module path of a 1.10 plugin-manager name, from the project's plugins.

    ``airflow.operators.acme_plugin.SftpToS3Operator`` matches exactly; 1.10 also put every
    plugin operator straight into ``airflow.operators``, so ``airflow.operators.SftpToS3Operator``
    matches the one export with that namespace and name.
    """
    table = dict(exports)
    if qualname in table:
        return table[qualname]
    namespace, _, name = qualname.rpartition(".")
    matches = {real for old, real in exports
               if old.rsplit(".", 2)[0] == namespace and old.rsplit(".", 1)[1] == name}
    return matches.pop() if len(matches) == 1 else None


# -- arguments and context keys --------------------------------------------------------------------


@lru_cache(maxsize=16)
def argument_changes(target: MwaaVersion) -> dict[tuple[str, str], compat.ArgumentChange]:
    return {(change.owner, change.argument): change for change in compat.argument_changes(target)}


@lru_cache(maxsize=16)
def context_key_changes(target: MwaaVersion) -> dict[str, compat.ContextKeyChange]:
    return compat.context_key_changes(target)


_ALTERNATIVES = re.compile(r"\(or ([\w, ]+)\)")


def exact_context_key(change: compat.ContextKeyChange) -> str | None:
    """The key that holds the very same value, when there is one: Airflow lists
    ``logical_date`` as the second suggestion for ``execution_date``, and it is the one with the
    same value on every run (``data_interval_start`` differs on manual runs)."""
    suggestions = [change.replacement or ""]
    match = _ALTERNATIVES.search(change.advice or "")
    if match:
        suggestions += [s.strip() for s in match.group(1).split(",")]
    if change.key == "execution_date" and "logical_date" in suggestions:
        return "logical_date"
    return None


@lru_cache(maxsize=16)
def default_changes(target: MwaaVersion) -> dict[str, compat.DefaultChange]:
    return {change.name: change for change in compat.default_changes(target)}


@lru_cache(maxsize=1)
def metadata_db_names() -> dict[str, compat.MetadataDbName]:
    return {entry.name: entry for entry in compat.metadata_db_names()}


def version_text(version: str | None) -> str:
    """"3.0.0" -> "3.0" for messages."""
    if not version:
        return ""
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 and parts[2] == "0" else version


# -- MWAA platform ---------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def platform_limit(qualname: str, target: MwaaVersion) -> compat.PlatformLimit | None:
    """The MWAA limit (docker, kubernetes, on_prem_network, ...) a class or function hits."""
    if not qualname.startswith("airflow."):
        return None
    return compat.platform_limit_for(qualname, target)


@lru_cache(maxsize=1)
def missing_binaries() -> dict[str, compat.MissingBinary]:
    return {binary.name: binary for binary in compat.missing_binaries()}


@lru_cache(maxsize=8)
def removed_stdlib(python: str) -> dict[str, compat.RemovedStdlib]:
    """Standard-library names removed in ``python`` or earlier, by dotted name."""
    return {entry.name: entry for entry in compat.removed_stdlib(python)}


@lru_cache(maxsize=1)
def newest_mwaa_python() -> str:
    """The newest Python any supported MWAA version runs: the next upgrade lands there."""
    return max((v.python for v in compat.supported_versions()),
               key=lambda p: tuple(int(x) for x in p.split(".")[:2]))
