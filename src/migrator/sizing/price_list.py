"""``size --price-list FILE``: MWAA prices from an AWS Price List bulk-API offer file.

The offer file of a Region is public (``migrator.compat.price_list_url``) and has the shape::

    {"publicationDate": "...",
     "products": {SKU: {"attributes": {"usagetype": "USE1-Airflow-MediumScheduler",
                                       "type": "Scheduler", "size": "Medium",
                                       "regionCode": "us-east-1", "location": "US East (N. Virginia)"}}},
     "terms": {"OnDemand": {SKU: {OFFER: {"priceDimensions": {RATE: {"unit": "Hrs",
                                                                     "pricePerUnit": {"USD": "0.11"}}}}}}}}

A product is mapped to a class and a component by its ``size``/``type`` attributes, else by the
words of its usage type, so that a reworded attribute does not lose a price; products that are
neither (MWAA Serverless, say) are skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from migrator.compat import PRICED_COMPONENTS, RegionPrices, environment_classes, mwaa_regions
from migrator.errors import InputError

# Longest first: "xlarge" holds "large".
_SIZES = ("2xlarge", "xlarge", "large", "medium", "small", "micro")
_COMPONENT_WORDS = (  # (word in the type or usage type, component); "environment" last: least specific
    ("worker", "additional_worker"),
    ("scheduler", "additional_scheduler"),
    ("webserver", "additional_webserver"),
    ("storage", "metadata_storage"),
    ("environment", "environment"),
)
_HOURLY_UNITS = frozenset({"hrs", "hours", "hour", "hr"})
_STORAGE_UNITS = frozenset({"gb-mo", "gb-month"})


def read_price_list(path: Path) -> RegionPrices:
    """The MWAA prices in the offer file at ``path``; InputError naming the file when it is not
    a readable MWAA offer file of one Region."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the price list: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a JSON AWS Price List offer file ({exc})") from None

    def fail(problem: str) -> InputError:
        return InputError(f"{path}: not an AWS Price List offer file for MWAA: {problem}")

    if not isinstance(document, dict):
        raise fail("the top level is not an object")
    products, terms = document.get("products"), document.get("terms")
    on_demand = terms.get("OnDemand") if isinstance(terms, dict) else None
    if not isinstance(products, dict) or not isinstance(on_demand, dict):
        raise fail("it needs 'products' and 'terms.OnDemand' objects")

    classes = {c.name for c in environment_classes()}
    hourly: dict[str, dict[str, float]] = {component: {} for component in PRICED_COMPONENTS}
    storage: float | None = None
    regions: set[str] = set()
    for sku, product in products.items():
        attributes = product.get("attributes") if isinstance(product, dict) else None
        if not isinstance(attributes, dict):
            raise fail(f"product {sku} has no 'attributes' object")
        component, class_name = _classify(attributes)
        if component is None or (component != "metadata_storage" and class_name not in classes):
            continue
        unit, usd = _on_demand_price(on_demand.get(sku), sku, fail)
        regions.add(_region(attributes, sku, fail))
        if component == "metadata_storage":
            if unit in _STORAGE_UNITS:
                storage = usd
        elif unit in _HOURLY_UNITS:
            hourly[component][class_name] = usd
    if not hourly["environment"]:
        raise fail("no environment-class hourly price in it (is it the AmazonMWAA offer file?)")
    if len(regions) != 1:
        raise fail(f"prices of several Regions ({', '.join(sorted(regions))}); use one Region's file")
    region = regions.pop()
    published = document.get("publicationDate")
    offer_date = published[:10] if isinstance(published, str) and published else None
    return RegionPrices(region=region, offer_date=offer_date, source=f"{Path(path).name} (--price-list)",
                        confirmed=True, note="", hourly=hourly, metadata_storage_usd_per_gb_month=storage,
                        unconfirmed={})


def _words(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def _classify(attributes: dict) -> tuple[str | None, str | None]:
    """(component, class name) of a product: its type and size attributes, else its usage type
    without the Region prefix (``USE1-Airflow-MediumWorker``)."""
    usage = str(attributes.get("usagetype", "")).split("-", 1)[-1]
    kind = _words(attributes.get("type")) or _words(usage)
    size_text = _words(attributes.get("size")) or _words(usage)
    component = next((c for word, c in _COMPONENT_WORDS if word in kind), None)
    size = next((s for s in _SIZES if s in size_text), None)
    return component, (f"mw1.{size}" if size else None)


def _on_demand_price(term: object, sku: str, fail) -> tuple[str, float]:
    """(unit, USD) of the first-tier on-demand rate of ``sku``."""
    if not isinstance(term, dict) or not term:
        raise fail(f"no terms.OnDemand entry for product {sku}")
    for offer in term.values():
        dimensions = offer.get("priceDimensions") if isinstance(offer, dict) else None
        if not isinstance(dimensions, dict):
            raise fail(f"terms.OnDemand of {sku} has no 'priceDimensions' object")
        for rate in dimensions.values():
            if not isinstance(rate, dict) or str(rate.get("beginRange", "0")) != "0":
                continue
            usd = (rate.get("pricePerUnit") or {}).get("USD")
            try:
                return str(rate.get("unit", "")).lower(), float(usd)
            except (TypeError, ValueError):
                raise fail(f"the price of {sku} is not a USD amount ({usd!r})") from None
    raise fail(f"terms.OnDemand of {sku} has no first-tier rate")


def _region(attributes: dict, sku: str, fail) -> str:
    code = attributes.get("regionCode")
    if code:
        return str(code)
    by_name = {r.name: r.code for r in mwaa_regions()}
    location = attributes.get("location")
    if location in by_name:
        return by_name[location]
    raise fail(f"product {sku} names no Region (regionCode or a known location)")
