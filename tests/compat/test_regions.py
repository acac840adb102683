"""MWAA Regions and their prices: the typed API and the shape of the hand-kept data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from migrator import compat

DATA = json.loads((Path(compat.__file__).parent / "data" / "mwaa_regions.json").read_text())
CLASSES = [c.name for c in compat.environment_classes()]


def test_every_region_mwaa_runs_in_is_listed_once_with_a_name():
    codes = [r.code for r in compat.mwaa_regions()]
    assert len(codes) == len(set(codes)) == 32
    assert {"us-east-1", "us-west-2", "eu-west-1", "sa-east-1", "ap-southeast-5", "mx-central-1"} <= set(codes)
    assert compat.get_mwaa_region("eu-west-1").name == "Europe (Ireland)"
    with pytest.raises(KeyError, match="'mars-1' is not an AWS Region MWAA runs in"):
        compat.get_mwaa_region("mars-1")


def test_price_tables_name_their_source_and_never_price_an_unknown_region_or_class():
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", DATA["date"]) and DATA["sources"]["regions"]
    codes = {r.code for r in compat.mwaa_regions()}
    for row in DATA["prices"]:
        assert row["region"] in codes and row["source"], row["region"]
        assert row["confirmed"] or row["note"], row["region"]
        for component in compat.PRICED_COMPONENTS:
            assert set(row[component]) <= set(CLASSES), (row["region"], component)
        assert set(row["environment"]) == set(CLASSES), row["region"]
        # mw1.micro runs one worker, scheduler and webserver: nothing extra to price.
        assert not any("mw1.micro" in row[c] for c in compat.PRICED_COMPONENTS if c != "environment")


def test_region_prices():
    sao_paulo = compat.region_prices("sa-east-1")
    assert sao_paulo.price("environment", "mw1.small").usd_per_hour == 0.84249
    assert sao_paulo.price("additional_webserver", "mw1.medium").usd_per_hour == 0.094565
    assert sao_paulo.metadata_storage_usd_per_gb_month == 0.19
    # The source gives no extra-worker price for the larger classes: none is made up.
    missing = sao_paulo.price("additional_worker", "mw1.xlarge")
    assert missing.usd_per_hour is None and "no additional worker price for mw1.xlarge" in missing.note
    oregon, virginia = compat.region_prices("us-west-2"), compat.region_prices("us-east-1")
    assert oregon.price("environment", "mw1.small") == compat.HourlyPrice(0.49, True, "")
    assert not virginia.price("environment", "mw1.small").confirmed
    assert virginia.price("environment", "mw1.small").note == "assumed equal to us-west-2"
    assert oregon.price("additional_worker", "mw1.xlarge").note.startswith("UNCONFIRMED")
    assert compat.region_prices("eu-west-1") is None


def test_price_list_url():
    assert compat.price_list_url("eu-west-1") == (
        "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonMWAA/current/eu-west-1/index.json")
