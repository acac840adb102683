"""The AWS Regions MWAA runs in and what it costs there, from ``data/mwaa_regions.json``
(hand-kept: per Region its source, the hourly prices of each environment class and of
additional workers, schedulers and webservers, metadata-database storage, the offer date)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from ._data import load_json

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
