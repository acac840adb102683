"""What Airflow's own config.yml says about each option: the defaults it writes into a fresh
airflow.cfg, and whether it marks the option ``sensitive``.

Generated from the released wheels into ``data/generated/config_options.json`` (see
``extract.extract_config_options``): every option any of the recorded Airflow versions
(1.10.10, 1.10.15 to 3.3.1) knows, with the union of their defaults, so a stock airflow.cfg written by
any of them reads as defaults. Options that moved to providers in Airflow 2.7+ (``[celery]``,
``[kubernetes]``) are known through the older versions that still carried them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ._data import load_json

# The marker the generator (extract.py) leaves where Airflow writes the install's AIRFLOW_HOME.
_AIRFLOW_HOME = "{AIRFLOW_HOME}"
_BOOLEANS = frozenset({"true", "false"})


@dataclass(frozen=True)
class ConfigOptionFacts:
    option: str                # "section.key"
    defaults: tuple[str, ...]  # texts a fresh airflow.cfg holds; none for per-install values
    sensitive: bool            # config.yml marks it sensitive (a credential or may carry one)

    def is_default(self, value: str) -> bool:
        """Whether ``value`` is what some recorded Airflow version writes by default."""
        value = value.strip()
        return any(_matches(default, value) for default in self.defaults)


def _matches(default: str, value: str) -> bool:
    if default.lower() in _BOOLEANS:
        return value.lower() == default.lower()  # Airflow reads booleans case-insensitively
    if _AIRFLOW_HOME not in default:
        return value == default
    pattern = r"\S*".join(re.escape(part) for part in default.split(_AIRFLOW_HOME))
    return re.fullmatch(pattern, value) is not None


@lru_cache(maxsize=1)
def _options() -> dict[str, ConfigOptionFacts]:
    return {option: ConfigOptionFacts(option, tuple(row["defaults"]), row["sensitive"])
            for option, row in load_json("generated/config_options.json")["options"].items()}


def config_option(option: str) -> ConfigOptionFacts | None:
    """config.yml's facts about ``section.key`` (lower case); None for an option no recorded
    Airflow version defines (a provider's or the project's own)."""
    return _options().get(option.lower())
