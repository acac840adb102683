"""Defaults of the Airflow settings the tool reasons with, per Airflow version, and what MWAA runs
with instead.

``airflow_default(name, version)`` answers for any Airflow version (1.10 sources included);
``mwaa_default(name, target)`` for an MWAA target, preferring MWAA's own value where a source
records one. A setting may be asked for by any of its spellings: ``scheduler.min_file_process_interval``
on 3.3.1 answers with ``dag_processor.min_file_process_interval``.

The facts are hand-kept in ``data/airflow_defaults.json`` with a source and date on every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from packaging.version import InvalidVersion, Version

from ._data import load_json
from .config_policy import normalize_option
from .mwaa import MwaaVersion, get_version

SettingKind = Literal["config", "argument"]
SetBy = Literal["airflow", "mwaa"]
Value = int | float | str

_CASTS = {"int": int, "float": float, "str": str}


class UnknownSettingError(KeyError):
    """The knowledge base records no default for this setting."""


@dataclass(frozen=True)
class SettingDefault:
    """The default of one setting on one Airflow version."""

    name: str              # spelled as ``airflow_version`` spells it
    value: Value
    airflow_version: str
    kind: SettingKind      # config option (``section.key``) or operator argument (``Class.arg``)
    unit: str
    set_by: SetBy          # Airflow's own default, or the value MWAA sets
    confirmed: bool
    source: str
    date: str
    note: str = ""

    @property
    def env_var(self) -> str | None:
        """``AIRFLOW__SECTION__KEY`` for a config option; None for an operator argument."""
        if self.kind != "config":
            return None
        section, key = self.name.split(".", 1)
        return f"AIRFLOW__{section.upper()}__{key.upper()}"


@dataclass(frozen=True)
class _Range:
    since: Version | None
    until: Version | None

    def covers(self, version: Version) -> bool:
        return (self.since is None or version >= self.since) and (self.until is None or version < self.until)


def _range(row: dict) -> _Range:
    return _Range(Version(row["since"]) if row.get("since") else None,
                  Version(row["until"]) if row.get("until") else None)


@dataclass(frozen=True)
class _Setting:
    kind: SettingKind
    type: str
    unit: str
    spellings: tuple[tuple[str, _Range], ...]
    airflow: tuple[tuple[_Range, dict], ...]
    mwaa: tuple[tuple[_Range, dict], ...]

    def names(self) -> set[str]:
        return {name for name, _ in self.spellings}

    def spelling(self, version: Version) -> str:
        return next(name for name, span in self.spellings if span.covers(version))

    def cast(self, value: object) -> Value:
        return _CASTS[self.type](value)


@lru_cache(maxsize=1)
def _settings() -> dict[str, _Setting]:
    """Every spelling -> its setting."""
    by_name: dict[str, _Setting] = {}
    for row in load_json("airflow_defaults.json")["settings"]:
        setting = _Setting(
            kind=row["kind"], type=row["type"], unit=row["unit"],
            spellings=tuple((entry["name"], _range(entry)) for entry in row["spellings"]),
            airflow=tuple((_range(entry), entry) for entry in row["airflow"]),
            mwaa=tuple((_range(entry), entry) for entry in row["mwaa"]),
        )
        for name in setting.names():
            by_name[_key(name)] = setting
    return by_name


def _key(name: str) -> str:
    # Case-insensitive, and config options also as AIRFLOW__SECTION__KEY.
    return normalize_option(name)


def _setting(name: str) -> _Setting:
    setting = _settings().get(_key(name))
    if setting is None:
        known = ", ".join(sorted({spelled for s in _settings().values() for spelled in s.names()}))
        raise UnknownSettingError(f"no default recorded for {name!r}; known: {known}")
    return setting


def _airflow_version(version: str | MwaaVersion) -> Version:
    text = version.airflow if isinstance(version, MwaaVersion) else str(version).strip()
    try:
        return Version(text)
    except InvalidVersion:
        raise ValueError(f"{version!r} is not an Airflow version") from None


def _airflow_default(setting: _Setting, version: Version) -> SettingDefault:
    row = next((entry for span, entry in setting.airflow if span.covers(version)), None)
    if row is None:
        raise UnknownSettingError(f"{setting.spellings[0][0]} has no default on Airflow {version}")
    return SettingDefault(
        name=setting.spelling(version), value=setting.cast(row["value"]),
        airflow_version=str(version), kind=setting.kind, unit=setting.unit, set_by="airflow",
        confirmed=True, source=row["source"], date=row["date"], note=row.get("note", ""))


def airflow_default(name: str, airflow_version: str | MwaaVersion) -> SettingDefault:
    """Airflow's own default of ``name`` on ``airflow_version`` (any release, not only MWAA's;
    a bare major such as ``"2"`` means that major's first release).

    Raises ``UnknownSettingError`` (a KeyError) for a setting the knowledge base does not record.
    """
    return _airflow_default(_setting(name), _airflow_version(airflow_version))


def mwaa_default(name: str, target: str | MwaaVersion | None = None) -> SettingDefault:
    """What an MWAA environment on ``target`` (None: the newest) runs with when the user sets
    nothing: MWAA's value where a source records one, else Airflow's default of the target.

    When the record says MWAA's value is unknown for the target, Airflow's default comes back
    with ``confirmed=False`` and the record's note.
    """
    version = get_version(target)
    setting = _setting(name)
    wanted = version.version
    row = next((entry for span, entry in setting.mwaa if span.covers(wanted)), None)
    if row is None:
        return _airflow_default(setting, wanted)
    if row["value"] is None:
        fallback = _airflow_default(setting, wanted)
        return SettingDefault(
            name=fallback.name, value=fallback.value, airflow_version=fallback.airflow_version,
            kind=fallback.kind, unit=fallback.unit, set_by="airflow", confirmed=False,
            source=f"{fallback.source}; {row['source']}", date=row["date"], note=row["note"])
    return SettingDefault(
        name=setting.spelling(wanted), value=setting.cast(row["value"]),
        airflow_version=version.airflow, kind=setting.kind, unit=setting.unit, set_by="mwaa",
        confirmed=row["confirmed"], source=row["source"], date=row["date"],
        note=row.get("note", ""))


def recorded_settings() -> tuple[str, ...]:
    """Every spelling the knowledge base records a default for, sorted."""
    return tuple(sorted({name for setting in _settings().values() for name in setting.names()}))
