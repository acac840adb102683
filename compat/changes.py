"""What changed for the arguments, context keys, model attributes and configuration options a
project uses, on an MWAA target: the generated parameter, context and config tables read against
the target's data version, with the hand-kept overlay's rows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from packaging.version import Version

from ._data import load_json
from .mwaa import MwaaVersion, get_version
from .resolver import _overlay, _since_applies
from .target_data import target_data


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
    return target_data(target).data_version


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
