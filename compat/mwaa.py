"""Amazon MWAA platform facts as typed data: versions, upgrade paths, environment classes,
configuration policy and the packages each version pins or preinstalls.

The facts live in hand-kept JSON files under ``compat/data/`` (each entry names its source and
the date it was read); this module only gives them types and answers questions about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ._data import load_json

Status = Literal["supported", "end_of_support"]


class UnknownTargetError(ValueError):
    """The requested target is not an Airflow version MWAA can run today."""


# --------------------------------------------------------------------------------------------
# Versions


@dataclass(frozen=True)
class MwaaVersion:
    airflow: str
    python: str
    status: Status
    available_since: str
    end_of_support: str | None
    constraints_url: str
    python_build: str | None = None
    source: str = ""
    date: str = ""

    # Every lookup the rules make is keyed by the target (lru_caches of (name, target)): the
    # generated hash would hash all nine fields each time. Equal versions share their Airflow.
    def __hash__(self) -> int:
        return hash(self.airflow)

    @cached_property
    def version(self) -> Version:
        return Version(self.airflow)

    @property
    def major(self) -> int:
        return self.version.major

    @property
    def minor_series(self) -> str:
        """``"2.11"`` for 2.11.2: the unit MWAA's upgrade rules talk about."""
        return f"{self.version.major}.{self.version.minor}"

    @property
    def is_supported(self) -> bool:
        return self.status == "supported"

    def __str__(self) -> str:
        return self.airflow


@lru_cache(maxsize=1)
def mwaa_versions() -> tuple[MwaaVersion, ...]:
    """Every Airflow version MWAA runs or ran, oldest first."""
    document = load_json("mwaa_versions.json")
    pattern = document["constraints_url_pattern"]
    versions = [
        MwaaVersion(
            airflow=row["airflow"],
            python=row["python"],
            status=row["status"],
            available_since=row["available_since"],
            end_of_support=row["end_of_support"],
            constraints_url=pattern.format(airflow=row["airflow"], python=row["python"]),
            python_build=row.get("python_build"),
            source=row["source"],
            date=row["date"],
        )
        for row in document["versions"]
    ]
    return tuple(sorted(versions, key=lambda v: v.version))


@lru_cache(maxsize=1)
def supported_versions() -> tuple[MwaaVersion, ...]:
    return tuple(v for v in mwaa_versions() if v.is_supported)


def newest_version(major: int | None = None) -> MwaaVersion:
    """The default ``--target``: MWAA creates environments on its newest version by default.
    With ``major``, the newest supported version of that Airflow major (``major=2``: the newest
    2.x), so examples and tests that mean "the newest" follow the data when MWAA adds a version."""
    versions = [v for v in supported_versions() if major is None or v.major == major]
    if not versions:
        raise UnknownTargetError(f"MWAA supports no Airflow {major} version")
    return versions[-1]


@lru_cache(maxsize=64)
def get_version(text: str | MwaaVersion | None) -> MwaaVersion:
    """The supported MWAA version named by ``text`` (``None``: the newest).

    Accepts "3.3.1", "v3.3.1" and "airflow-3.3.1"-style spellings. Versions past end of support
    are refused like unknown ones: MWAA no longer creates or upgrades environments on them.
    """
    if isinstance(text, MwaaVersion):
        return text
    if text is None or not str(text).strip():
        return newest_version()
    cleaned = re.sub(r"^(apache-)?(airflow)?[-=v ]*", "", str(text).strip(), flags=re.IGNORECASE)
    supported = ", ".join(v.airflow for v in supported_versions())
    try:
        wanted = Version(cleaned)
    except InvalidVersion:
        raise UnknownTargetError(
            f"{text!r} is not an Airflow version; MWAA supports: {supported}"
        ) from None
    for candidate in mwaa_versions():
        if candidate.version == wanted:
            if not candidate.is_supported:
                raise UnknownTargetError(
                    f"Airflow {candidate.airflow} reached end of support on MWAA on "
                    f"{candidate.end_of_support}; MWAA supports: {supported}"
                )
            return candidate
    raise UnknownTargetError(f"MWAA does not run Airflow {cleaned}; MWAA supports: {supported}")


def find_version(text: str) -> MwaaVersion | None:
    """Any MWAA version, supported or not, or None when MWAA never ran it."""
    try:
        wanted = Version(text)
    except InvalidVersion:
        return None
    return next((v for v in mwaa_versions() if v.version == wanted), None)


# --------------------------------------------------------------------------------------------
# Upgrade paths

UpgradeMethod = Literal["in_place", "new_environment"]


@dataclass(frozen=True)
class UpgradeStep:
    from_version: str
    to_version: str
    method: UpgradeMethod
    note: str

    def __str__(self) -> str:
        how = "in place" if self.method == "in_place" else "new environment"
        return f"{self.from_version} -> {self.to_version} ({how})"


def _latest_in_series(series: str) -> MwaaVersion:
    in_series = [v for v in supported_versions() if v.minor_series == series]
    return in_series[-1]


def upgrade_plan(source: str, target: str | MwaaVersion | None) -> list[UpgradeStep]:
    """The ordered steps from an environment (or a self-managed Airflow) on ``source`` to
    ``target``, following MWAA's rules: minor versions move in place; Airflow 2 -> 3 in place
    only from the latest 2.11.x; from 2.10.3 and below, or from outside MWAA, a new
    environment. An empty list means nothing to do.
    """
    rules = load_json("mwaa_versions.json")["upgrade_rules"]
    goal = get_version(target)
    try:
        start = Version(str(source))
    except InvalidVersion:
        raise ValueError(f"{source!r} is not an Airflow version") from None
    if start == goal.version:
        return []
    on_mwaa = find_version(str(source)) is not None

    def new_environment(reason: str) -> list[UpgradeStep]:
        return [UpgradeStep(str(source), goal.airflow, "new_environment",
                            f"{reason} {rules['new_environment_note']}")]

    def in_place(frm: str, to: str, extra: str = "") -> UpgradeStep:
        return UpgradeStep(frm, to, "in_place", (extra + " " + rules["in_place_note"]).strip())

    if not on_mwaa:
        return new_environment(f"Airflow {source} is not an MWAA version (self-managed Airflow).")
    if start.major == goal.major:
        return [in_place(str(source), goal.airflow)]
    if start.major == 2 and goal.major == 3:
        if start <= Version(rules["last_version_without_in_place_major_upgrade"]):
            return new_environment(f"MWAA cannot upgrade {source} to Airflow 3 in place.")
        bridge = _latest_in_series(rules["major_upgrade_bridge_series"])
        steps = []
        if start != bridge.version:
            steps.append(in_place(str(source), bridge.airflow, rules["bridge_note"]))
        steps.append(in_place(bridge.airflow, goal.airflow))
        return steps
    if start.major == 3 and goal.major == 2 and goal.minor_series == rules[
        "major_downgrade_allowed_to_series"
    ]:
        return [in_place(str(source), goal.airflow, "Downgrade from Airflow 3 to 2.11.x.")]
    return new_environment(f"MWAA has no in-place path from {source} to {goal.airflow}.")


def upgrade_path(source: str, target: str | MwaaVersion | None) -> list[str]:
    """The versions an environment passes through from ``source`` to ``target``, each step
    written as in ``UpgradeStep.__str__`` ("2.11.0 -> 2.11.2 (in place)"). Use
    :func:`upgrade_plan` for the structured steps with notes.
    """
    return [str(step) for step in upgrade_plan(source, target)]


# --------------------------------------------------------------------------------------------
# Environment classes


@dataclass(frozen=True)
class Resources:
    vcpu: float
    memory_gb: float


@dataclass(frozen=True)
class CountRange:
    minimum: int
    maximum: int
    default: int
    maximum_with_quota: int
    confirmed: bool = True




@dataclass(frozen=True)
class EnvironmentClass:
    name: str
    dag_capacity: int
    scheduler: Resources
    worker: Resources
    webserver: Resources
    metadata_db: Resources
    scheduler_and_worker_shared: bool
    worker_autoscaling: bool
    default_tasks_per_worker: int
    worker_autoscale_default: str
    worker_autoscale_derived: bool
    triggerer_capacity: int | None
    workers: CountRange
    default_max_workers: int
    schedulers: CountRange
    webservers: CountRange
    parsing_processes_limit: int
    parsing_processes_limit_derived: bool
    notes: str = ""


@lru_cache(maxsize=1)
def environment_classes() -> tuple[EnvironmentClass, ...]:
    """mw1.micro .. mw1.2xlarge, smallest first."""
    document = load_json("environment_classes.json")
    classes = []
    for row in document["classes"]:
        workers, schedulers, webservers = row["workers"], row["schedulers"], row["webservers"]
        classes.append(EnvironmentClass(
            name=row["name"],
            dag_capacity=row["dag_capacity"],
            scheduler=Resources(**row["scheduler"]),
            worker=Resources(**row["worker"]),
            webserver=Resources(**row["webserver"]),
            metadata_db=Resources(**row["metadata_db"]),
            scheduler_and_worker_shared=row["scheduler_and_worker_shared"],
            worker_autoscaling=row["worker_autoscaling"],
            default_tasks_per_worker=row["default_tasks_per_worker"],
            worker_autoscale_default=row["worker_autoscale_default"],
            worker_autoscale_derived=row["worker_autoscale_derived"],
            triggerer_capacity=row["triggerer_capacity"],
            workers=CountRange(workers["min"], workers["max"], workers["default_min"],
                               workers["max_with_quota"]),
            default_max_workers=workers["default_max"],
            schedulers=CountRange(schedulers["min"], schedulers["max"], schedulers["default"],
                                  schedulers["max"]),
            webservers=CountRange(webservers["min"], webservers["max"], webservers["default"],
                                  webservers["max"], webservers.get("confirmed", True)),
            parsing_processes_limit=row["parsing_processes_limit"],
            parsing_processes_limit_derived=row["parsing_processes_limit_derived"],
            notes=row.get("notes", ""),
        ))
    return tuple(sorted(classes, key=lambda c: c.dag_capacity))


def get_environment_class(name: str) -> EnvironmentClass:
    for environment_class in environment_classes():
        if environment_class.name == name:
            return environment_class
    known = ", ".join(c.name for c in environment_classes())
    raise KeyError(f"unknown environment class {name!r}; known: {known}")


@dataclass(frozen=True)
class IncludedInBaseFee:
    """How many of each component an environment's hourly price already pays for."""

    workers: int
    schedulers: int
    webservers: int
    confirmed: bool
    note: str
    source: str
    date: str


@dataclass(frozen=True)
class Billing:
    """Billing terms besides the prices (those are per Region: ``region_prices``)."""

    metering_note: str
    metering_source: str
    included_in_base_fee: IncludedInBaseFee
    date: str


@lru_cache(maxsize=1)
def billing() -> Billing:
    """How MWAA meters an environment and what its base fee includes."""
    block = load_json("environment_classes.json")["billing"]
    metering, included = block["metering"], block["included_in_base_fee"]
    return Billing(
        metering_note=metering["note"],
        metering_source=metering["source"],
        included_in_base_fee=IncludedInBaseFee(
            included["workers"], included["schedulers"], included["webservers"],
            included["confirmed"], included.get("note", ""), included["source"], included["date"]),
        date=max(entry["date"] for entry in (metering, included)),
    )


# --------------------------------------------------------------------------------------------
# Packages


def essential_pin_names(target: str | MwaaVersion | None = None) -> frozenset[str]:
    """Canonical names of the distributions MWAA pins and never lets requirements override.

    Names only: the pinned versions are read from the target's constraints file at run time.
    """
    version = get_version(target)
    entry = load_json("mwaa_packages.json")["essential_pins"][version.airflow]
    return frozenset(canonicalize_name(name) for name in entry["names"])


def preinstalled_providers(target: str | MwaaVersion | None = None) -> dict[str, str]:
    """Provider distributions (canonical name -> version) in the MWAA image of ``target``."""
    version = get_version(target)
    entry = load_json("mwaa_packages.json")["preinstalled_providers"][version.airflow]
    return {canonicalize_name(name): pinned for name, pinned in sorted(entry["providers"].items())}


def always_installed() -> tuple[str, ...]:
    """Extra packages every MWAA image installs (celery[sqs], psycopg2, watchtower, ...)."""
    return tuple(load_json("mwaa_packages.json")["always_installed"]["names"])
