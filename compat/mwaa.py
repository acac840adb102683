"""Amazon MWAA platform facts as typed data: versions, upgrade paths, environment classes,
configuration policy and the packages each version pins or preinstalls.

The facts live in hand-kept JSON files under ``compat/data/`` (each entry names its source and
the date it was read); this module only gives them types and answers questions about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
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

    @property
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
# Regions and prices

PRICED_COMPONENTS = ("environment", "additional_worker", "additional_scheduler", "additional_webserver")


@dataclass(frozen=True)
class MwaaRegion:
    code: str  # us-east-1
    name: str  # US East (N. Virginia)


@dataclass(frozen=True)
class HourlyPrice:
    usd_per_hour: float | None  # None: the source gives no price for it
    confirmed: bool
    note: str = ""


@dataclass(frozen=True, eq=False)
class RegionPrices:
    """One Region's MWAA prices in USD: from compat's data or an AWS Price List offer file."""

    region: str
    offer_date: str | None
    source: str
    confirmed: bool  # False: the whole table is unconfirmed, for the reason in ``note``
    note: str
    hourly: dict[str, dict[str, float]]  # component (PRICED_COMPONENTS) -> class name -> USD/h
    metadata_storage_usd_per_gb_month: float | None
    unconfirmed: dict[str, str]  # "component class" -> why

    def price(self, component: str, class_name: str) -> HourlyPrice:
        usd = self.hourly.get(component, {}).get(class_name)
        why = self.unconfirmed.get(f"{component} {class_name}")
        if usd is None:
            return HourlyPrice(None, self.confirmed, f"no {component.replace('_', ' ')} price for "
                                                     f"{class_name} in {self.source_name}")
        return HourlyPrice(usd, self.confirmed and why is None, why or ("" if self.confirmed else self.note))

    @property
    def source_name(self) -> str:
        dated = f"price list of {self.offer_date}" if self.offer_date else self.source
        return f"the {self.region} {dated}" if self.confirmed else f"{self.note}, {dated}"


@lru_cache(maxsize=1)
def mwaa_regions() -> tuple[MwaaRegion, ...]:
    """Every AWS Region (partition aws) MWAA runs in, sorted by code."""
    return tuple(MwaaRegion(row["code"], row["name"]) for row in load_json("mwaa_regions.json")["regions"])


def get_mwaa_region(code: str) -> MwaaRegion:
    """The MWAA Region ``code``; KeyError naming the known ones when MWAA does not run there."""
    for region in mwaa_regions():
        if region.code == code:
            return region
    known = ", ".join(r.code for r in mwaa_regions())
    raise KeyError(f"{code!r} is not an AWS Region MWAA runs in; known: {known}")


@cache
def region_prices(code: str) -> RegionPrices | None:
    """The prices compat records for Region ``code``, or None when it records none."""
    for row in load_json("mwaa_regions.json")["prices"]:
        if row["region"] == code:
            return RegionPrices(
                region=code, offer_date=row["offer_date"], source=row["source"], confirmed=row["confirmed"],
                note=row["note"],
                hourly={component: dict(row[component]) for component in PRICED_COMPONENTS},
                metadata_storage_usd_per_gb_month=row["metadata_storage_usd_per_gb_month"],
                unconfirmed=dict(row["unconfirmed"]))
    return None


def price_list_url(code: str) -> str:
    """Where the AWS Price List bulk API publishes Region ``code``'s MWAA offer file."""
    return load_json("mwaa_regions.json")["price_list_url"].format(region=code)


# --------------------------------------------------------------------------------------------
# Configuration policy


def _applies(since: str | None, until: str | None, target: MwaaVersion | None) -> bool:
    if target is None:
        return True
    if since and target.version < Version(since):
        return False
    return not (until and target.version >= Version(until))


@dataclass(frozen=True)
class ConfigOption:
    """One ``section.key`` option with what MWAA does to it."""

    option: str
    value: str | None = None
    reason: str = ""
    since: str | None = None
    until: str | None = None
    group: str = ""
    source: str = ""

    @property
    def section(self) -> str:
        return self.option.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.option.split(".", 1)[1]

    @property
    def env_var(self) -> str:
        """The ``AIRFLOW__SECTION__KEY`` form (``*`` kept for whole-section entries)."""
        return f"AIRFLOW__{self.section.upper()}__{self.key.upper()}"

    def matches(self, option: str) -> bool:
        option = normalize_option(option)
        if self.key == "*":
            return option.split(".", 1)[0] == self.section
        return option == self.option


@dataclass(frozen=True)
class ProtectedEnvVar:
    name: str
    prefix: bool
    since: str | None
    source: str

    def matches(self, variable: str) -> bool:
        return variable.startswith(self.name) if self.prefix else variable == self.name


def normalize_option(option: str) -> str:
    """``[Core] Executor`` / ``AIRFLOW__CORE__EXECUTOR`` / ``core.executor`` -> ``core.executor``."""
    text = option.strip()
    if text.upper().startswith("AIRFLOW__"):
        section, _, key = text[len("AIRFLOW__"):].partition("__")
        return f"{section}.{key}".lower()
    return text.lower()


class OptionIndex:
    """The first row of a policy block that :meth:`ConfigOption.matches` an option, by two
    dictionary lookups: the row naming the option, and the row naming its whole section
    (``section.*``), whichever comes first in the block."""

    def __init__(self, rows: tuple[ConfigOption, ...]) -> None:
        self._exact: dict[str, tuple[int, ConfigOption]] = {}
        self._section: dict[str, tuple[int, ConfigOption]] = {}
        for position, row in enumerate(rows):
            table, name = (self._section, row.section) if row.key == "*" else (self._exact, row.option)
            table.setdefault(name, (position, row))

    def find(self, option: str) -> ConfigOption | None:
        option = normalize_option(option)
        hits = [hit for hit in (self._exact.get(option), self._section.get(option.split(".", 1)[0])) if hit]
        return min(hits, key=lambda hit: hit[0])[1] if hits else None


@dataclass(frozen=True)
class ConfigPolicy:
    forced: tuple[ConfigOption, ...]
    rejected: tuple[ConfigOption, ...]
    ignored: tuple[ConfigOption, ...]
    protected_env_vars: tuple[ProtectedEnvVar, ...]
    process_env_vars: frozenset[str]  # set in every container, by the container runtime
    # A compose service running Airflow's own metadata database sets one of these to the name
    metadata_database_variables: frozenset[str]
    metadata_database_name: str
    # The MWAA local runner image's variables for its own local web UI login (not a credential MWAA needs)
    local_runner_images: frozenset[str]
    local_runner_login_variables: frozenset[str]
    # Stock images' variables creating the login of the container a compose stack runs (MinIO's MINIO_ROOT_PASSWORD)
    stand_in_login_variables: dict[str, frozenset[str]]
    dropdown: tuple[ConfigOption, ...]
    mwaa_defaults: tuple[ConfigOption, ...]
    key_pattern: str
    key_max_length: int
    value_max_length: int

    # Each block indexed once: a scan asks every option of a project of every block, and a
    # linear scan of the rows per question was most of the config rules' time.
    @cached_property
    def _index(self) -> dict[str, OptionIndex]:
        return {block: OptionIndex(getattr(self, block))
                for block in ("forced", "rejected", "ignored", "mwaa_defaults", "dropdown")}

    def forced_option(self, option: str) -> ConfigOption | None:
        return self._index["forced"].find(option)

    def rejected_option(self, option: str) -> ConfigOption | None:
        return self._index["rejected"].find(option)

    def ignored_option(self, option: str) -> ConfigOption | None:
        return self._index["ignored"].find(option)

    def mwaa_default(self, option: str) -> ConfigOption | None:
        return self._index["mwaa_defaults"].find(option)

    def in_dropdown(self, option: str) -> bool:
        return self._index["dropdown"].find(option) is not None

    def protected_env_var(self, variable: str) -> ProtectedEnvVar | None:
        return next((p for p in self.protected_env_vars if p.matches(variable)), None)

    def sets_env_var(self, variable: str) -> bool:
        """Whether every MWAA container has ``variable`` without the project setting it."""
        return variable in self.process_env_vars or self.protected_env_var(variable) is not None

    def local_runner_login(self, image: str | None, variable: str) -> bool:
        """Whether ``variable`` of a container running ``image`` (``amazon/mwaa-local:2_8``) is
        the MWAA local runner's local web UI login."""
        return variable in self.local_runner_login_variables and _image_repository(image or "") in self.local_runner_images

    def stand_in_login(self, image: str | None, variable: str) -> bool:
        """Whether ``variable`` of a container running ``image`` (``minio/minio:latest``) is the
        login that container is created with."""
        return variable in self.stand_in_login_variables.get(_image_repository(image or ""), ())

    def is_valid_key(self, option: str) -> bool:
        """Whether the MWAA API accepts ``option`` as an AirflowConfigurationOptions key."""
        return len(option) <= self.key_max_length and re.fullmatch(self.key_pattern, option) is not None


def _image_repository(image: str) -> str:
    """``amazon/mwaa-local:2_8`` -> ``amazon/mwaa-local`` (a registry's ``host:port/`` is no tag)."""
    head, _, last = image.split("@", 1)[0].rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


@lru_cache(maxsize=32)
def config_policy(target: str | MwaaVersion | None = None) -> ConfigPolicy:
    """MWAA's configuration policy; with a target, only the entries that apply to it."""
    document = load_json("config_policy.json")
    version = get_version(target) if target is not None else None

    def options(block: str) -> tuple[ConfigOption, ...]:
        section = document[block]
        rows = []
        for row in section["options"]:
            if not _applies(row.get("since"), row.get("until"), version):
                continue
            rows.append(ConfigOption(
                option=row["option"], value=row.get("value"),
                reason=row.get("reason") or row.get("note", ""),
                since=row.get("since"), until=row.get("until"), group=row.get("group", ""),
                source=section["source"],
            ))
        return tuple(rows)

    protected = document["protected_env_vars"]
    dropdown = document["dropdown"]
    return ConfigPolicy(
        forced=options("forced"),
        rejected=options("rejected"),
        ignored=options("ignored"),
        protected_env_vars=tuple(
            ProtectedEnvVar(row["name"], row.get("prefix", False), row.get("since"),
                            f"{row['origin']}: {protected['source']}")
            for row in protected["names"]
            if _applies(row.get("since"), None, version)
        ),
        process_env_vars=frozenset(document["process_env_vars"]["names"]),
        metadata_database_variables=frozenset(document["metadata_database_containers"]["database_variables"]),
        metadata_database_name=document["metadata_database_containers"]["database_name"],
        local_runner_images=frozenset(document["local_runner_logins"]["images"]),
        local_runner_login_variables=frozenset(document["local_runner_logins"]["variables"]),
        stand_in_login_variables={image: frozenset(names) for image, names in document["stand_in_logins"]["images"].items()},
        dropdown=options("dropdown"),
        mwaa_defaults=options("mwaa_defaults"),
        key_pattern=dropdown["key_pattern"],
        key_max_length=dropdown["key_max_length"],
        value_max_length=dropdown["value_max_length"],
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
