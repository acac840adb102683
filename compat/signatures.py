"""What an operator's constructor accepts on an MWAA target, from the generated signatures.

``operator_signature(qualname, target)`` walks the class and its bases in the signature files
of the distributions the target pins (``signature_reader`` writes them): the arguments it
accepts are its own plus, when its ``__init__`` takes ``**kwargs`` (or it has none), those of
its bases, down to ``BaseOperator``, which rejects the rest ("Invalid arguments were passed").
A class whose chain leaves what the data knows (a base from another library, a provider the
target does not pin) has no signature: nothing is claimed about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from migrator.cache import ToolMemo

from ._data import load_json
from .mwaa import MwaaVersion, get_version
from .resolver import resolve, target_distributions, target_libraries
from .signature_reader import DEPRECATIONS_FILE, TRANSPARENT_BASES, signature_file_name

# The class every operator ends at; it takes only its own arguments.
_TERMINAL = "BaseOperator"


@dataclass(frozen=True)
class OperatorSignature:
    qualname: str                      # the class as the target has it
    source: str                        # distribution==version that defines it
    accepted: frozenset[str]           # keyword arguments its constructor takes
    values: Mapping[str, tuple[Any, ...]]  # argument -> the only values the constructor allows
    renamed: Mapping[str, tuple[str, ...]]  # old argument -> the argument(s) that took its value over
    replaced: Mapping[str, tuple[str, ...]]  # old argument -> what to use instead (other values)
    dropped: frozenset[str]            # arguments a release ignored (with a warning) before removing
    value_renames: Mapping[str, tuple[tuple[Any, Any], ...]]  # argument -> (old value, new value)
    # Arguments whose old values the target's own release still maps (with a deprecation warning).
    still_mapped: frozenset[str] = frozenset()


class _TargetSignatures:
    def __init__(self, target: MwaaVersion):
        self.classes: dict[str, dict[str, Any]] = {}
        self.owner: dict[str, str] = {}
        self.aliases: dict[str, list[str]] = {}
        self.enums: dict[str, dict[str, str]] = {}
        libraries = target_libraries(target)  # no operators there: no signature files
        for distribution, version in sorted(target_distributions(target).items()):
            if distribution in libraries:
                continue
            document = load_json("generated/" + signature_file_name(distribution, version))
            for qualname, entry in document["classes"].items():
                self.classes[qualname] = entry
                self.owner[qualname] = f"{distribution}=={version}"
            self.aliases.update(document["aliases"])
            for path, members in document["enums"].items():
                self.enums.setdefault(path.rsplit(".", 1)[-1], {}).update(members)

    def find(self, path: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The class a dotted path names on the target, through re-exports."""
        if path in self.classes:
            return path
        if path in seen:
            return None
        for candidate in self.aliases.get(path, ()):
            found = self.find(candidate, seen | {path})
            if found:
                return found
        return None

    def mro(self, qualname: str) -> list[str] | None:
        """The class and every base whose arguments it accepts, or None when one is unknown."""
        order: list[str] = []
        pending = [qualname]
        while pending:
            current = pending.pop(0)
            if current in order:
                continue
            order.append(current)
            entry = self.classes[current]
            if current.rsplit(".", 1)[-1] == _TERMINAL:
                continue
            if entry.get("closed"):
                continue
            for base in entry["bases"]:
                candidates = [base] if isinstance(base, str) else base
                found = next((f for c in candidates if (f := self.find(c))), None)
                if found is None:
                    if any(c in TRANSPARENT_BASES for c in candidates):
                        continue
                    return None
                pending.append(found)
        return order


@lru_cache(maxsize=16)
def _signatures(target: MwaaVersion) -> _TargetSignatures:
    # Kept in the tool's cache until the knowledge base changes: read from the dozens of
    # signature files of the target's distributions, they took 0.02 s of each scan.
    return ToolMemo(f"signatures-{target.airflow}").kept(lambda: _TargetSignatures(target))


@lru_cache(maxsize=16)
def _deprecations(target: MwaaVersion) -> dict[str, list[dict[str, Any]]]:
    """Deprecation facts by the path their class has on the target (every BaseOperator's
    under ``BaseOperator``): a 2.x PythonOperator's shim speaks for the standard provider's."""
    return ToolMemo(f"deprecations-{target.airflow}").kept(lambda: _target_deprecations(target))


def _target_deprecations(target: MwaaVersion) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path, facts in load_json("generated/" + DEPRECATIONS_FILE)["classes"].items():
        if path.rsplit(".", 1)[-1] == _TERMINAL:
            key = _TERMINAL
        else:
            key = resolve(path, target).new or path
        found.setdefault(key, []).append(facts)
    return found


@lru_cache(maxsize=4096)
def _operator_signature(qualname: str, target: MwaaVersion) -> OperatorSignature | None:
    data = _signatures(target)
    found = data.find(qualname) or data.find(resolve(qualname, target).new or qualname)
    if found is None:
        return None
    order = data.mro(found)
    if order is None:
        return None
    accepted: set[str] = set()
    values: dict[str, tuple[Any, ...]] = {}
    for current in order:
        entry = data.classes[current]
        accepted.update(entry.get("parameters", ()))
        for argument, allowed in entry.get("values", {}).items():
            values.setdefault(argument, tuple(allowed))
    renamed: dict[str, tuple[str, ...]] = {}
    replaced: dict[str, tuple[str, ...]] = {}
    dropped: set[str] = set()
    value_renames: dict[str, list[tuple[Any, Any]]] = {}
    still_mapped: set[str] = set()
    deprecations = _deprecations(target)
    for current in order:
        key = _TERMINAL if current.rsplit(".", 1)[-1] == _TERMINAL else current
        for facts in deprecations.get(key, ()):
            for old, new in facts.get("renamed", {}).items():
                renamed.setdefault(old, tuple(new))
            for old, new in facts.get("replaced", {}).items():
                replaced.setdefault(old, tuple(new))
            dropped.update(facts.get("dropped", ()))
            for argument, pairs in facts.get("value_renames", {}).items():
                if data.owner[current] in facts["sources"]:
                    still_mapped.add(argument)
                known = value_renames.setdefault(argument, [])
                known.extend(tuple(p) for p in pairs if tuple(p) not in known)
    return OperatorSignature(found, data.owner[found], frozenset(accepted), values, renamed, replaced,
                             frozenset(dropped), {k: tuple(v) for k, v in value_renames.items()},
                             frozenset(still_mapped))


def operator_signature(qualname: str, target: MwaaVersion | str | None = None) -> OperatorSignature | None:
    """The constructor of the operator ``qualname`` (as written in a DAG, any Airflow version's
    path) on ``target``, or None when the knowledge base cannot tell it whole."""
    return _operator_signature(qualname, get_version(target))


def enum_members(name: str, target: MwaaVersion | str | None = None) -> Mapping[str, str]:
    """Members of an Airflow enum on ``target`` (``"TriggerRule"``: ``{"ALWAYS": "always", ...}``)."""
    return _signatures(get_version(target)).enums.get(name, {})
