"""MWAA's configuration policy per target, from ``data/config_policy.json`` (hand-kept): the
Airflow options it forces, rejects or ignores, the environment variables it reserves, the
options its console offers, and its own defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from packaging.version import Version

from ._data import load_json
from .mwaa import MwaaVersion, get_version


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
