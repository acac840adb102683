"""Pricing any MWAA Region: compat's prices, an AWS Price List offer file (--price-list), or a
Region the tool has no prices for; and the assumptions said before the result."""

from __future__ import annotations

import json
import os
import stat

import pytest
from sizing_projects import DagSpec, project_files, size

from migrator.cli import main
from migrator.sizing.render import render

SPECS = [DagSpec(schedule=f"0 {h} * * *", tasks=3) for h in range(6)]

# A synthetic offer file in the bulk API's shape (made-up SKUs and prices, not AWS data).
# The environment products name their class by attributes, the others by usage type only.
SIZES = {"Micro": 0.5, "Small": 1.0, "Medium": 1.5, "Large": 2.0, "XLarge": 4.0, "2XLarge": 8.0}


def offer_file(region: str = "eu-west-1", prefix: str = "EU") -> dict:
    products, on_demand = {}, {}

    def add(sku: str, attributes: dict, unit: str, usd: float) -> None:
        products[sku] = {"sku": sku, "productFamily": "Managed Workflows",
                         "attributes": {"regionCode": region, "servicecode": "AmazonMWAA", **attributes}}
        on_demand[sku] = {f"{sku}.JRTCKXETXF": {"priceDimensions": {f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
            "unit": unit, "beginRange": "0", "endRange": "Inf", "pricePerUnit": {"USD": f"{usd:.10f}"}}}}}

    for size_name, usd in SIZES.items():
        add(f"ENV{size_name.upper()}", {"type": "Environment", "size": size_name,
                                        "usagetype": f"{prefix}-Airflow-{size_name}Environment"}, "Hrs", usd)
    for size_name in ("Small", "Medium", "Large"):
        add(f"WRK{size_name.upper()}", {"usagetype": f"{prefix}-Airflow-{size_name}Worker"}, "Hrs", 0.1)
        add(f"SCH{size_name.upper()}", {"usagetype": f"{prefix}-Airflow-{size_name}Scheduler"}, "Hrs", 0.2)
    add("DBSTORAGE", {"usagetype": f"{prefix}-Airflow-MetadataDatabaseStorage"}, "GB-Mo", 0.3)
    add("SERVERLESS", {"usagetype": f"{prefix}-Airflow-ServerlessTask"}, "Hrs", 9.9)  # not an environment
    return {"formatVersion": "v1.0", "offerCode": "AmazonMWAA", "publicationDate": "2030-01-02T00:00:00Z",
            "products": products, "terms": {"OnDemand": on_demand}}


@pytest.fixture
def project(make_project):
    return make_project(project_files(SPECS))


def write(path, document) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_an_offer_file_prices_its_region(project, tmp_path):
    prices = tmp_path / "offer.json"
    write(prices, offer_file())
    document = size(project, price_list=prices)
    assert document["region"] == "eu-west-1"
    assert document["pricing"] == {"region": "eu-west-1", "source": "offer.json (--price-list)",
                                   "offer_date": "2030-01-02", "confirmed": True, "missing": None}
    by_class = {c["environment_class"]: c for c in document["classes"]}
    for size_name, usd in SIZES.items():
        base = by_class[f"mw1.{size_name.lower()}"]["cost"][0]
        assert (base["unit_usd"], base["confirmed"]) == (usd, True)
    small = {line["item"]: line for line in by_class["mw1.small"]["cost"]}
    assert small["extra workers"]["unit_usd"] == 0.1 and small["extra schedulers"]["unit_usd"] == 0.2
    assert small["metadata database storage"]["unit_usd"] == 0.3


@pytest.mark.parametrize(("document", "message"), [
    ("{not json", "not a JSON AWS Price List offer file"),
    (json.dumps({"products": {}}), "it needs 'products' and 'terms.OnDemand' objects"),
    (json.dumps({"products": {"X": {"attributes": {"usagetype": "EU-Airflow-SmallWorker"}}},
                 "terms": {"OnDemand": {}}}), "no terms.OnDemand entry for product X"),
    (json.dumps({**offer_file(), "products": {}}), "no environment-class hourly price in it"),
])
def test_a_malformed_offer_file_is_one_line_naming_the_file(project, tmp_path, capsys, document, message):
    prices = tmp_path / "bad-offer.json"
    prices.write_text(document, encoding="utf-8")
    assert main(["size", str(project), "--price-list", str(prices)]) == 2
    error = capsys.readouterr().err.strip()
    assert str(prices) in error and message in error
    assert len(error.splitlines()) == 1 and "Traceback" not in error


def test_an_offer_file_of_another_region_than_region_is_refused(project, tmp_path, capsys):
    prices = write(tmp_path / "offer.json", offer_file())
    assert main(["size", str(project), "--price-list", prices, "--region", "us-west-2"]) == 2
    assert "the price list is for eu-west-1, not --region us-west-2" in capsys.readouterr().err


def test_a_region_without_prices_is_sized_and_says_how_to_price_it(project, tmp_path, capsys):
    output = tmp_path / "report.md"
    assert main(["size", str(project), "--region", "eu-west-1", "-o", str(output)]) == 0
    markdown = output.read_text(encoding="utf-8")
    url = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonMWAA/current/eu-west-1/index.json"
    cost_section = markdown.split("## Monthly cost of", 1)[1].split("\n## ", 1)[0]
    assert "not in mwaa-migrator's data" in cost_section
    assert f"curl -fsS -o mwaa-prices-eu-west-1.json {url}" in cost_section
    assert "--price-list mwaa-prices-eu-west-1.json" in cost_section
    document = size(project, region="eu-west-1")
    priced = size(project, region="us-east-1")["recommendation"]
    for key in ("environment_class", "min_workers", "max_workers", "schedulers", "config"):
        assert document["recommendation"][key] == priced[key]  # the price never moves the size
    assert document["recommendation"]["monthly_cost_usd"] is None and document["pricing"]["missing"]
    assert all(a["difference_usd"] is None for a in document["alternatives"])
    render("html", document)  # no number formatting of a missing price


def test_sao_paulo_is_priced_from_compat(project):
    document = size(project, region="sa-east-1")
    by_class = {c["environment_class"]: c["cost"][0] for c in document["classes"]}
    assert by_class["mw1.small"] == {"item": "mw1.small environment (sa-east-1)", "quantity": "730 h",
                                     "unit_usd": 0.84249, "monthly_usd": 615.02, "confirmed": True,
                                     "note": "price list of 2026-04-20"}


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_assumptions_come_before_the_recommendation(project, fmt):
    text = render(fmt, size(project))
    banner = text.index("Read first: what this report assumes")
    assert banner < text.index("Recommendation")
    no_history = text.index("No task history (--history)")
    assert banner < no_history < text.index("Recommendation")


def test_with_history_and_parse_times_the_banner_keeps_only_what_is_still_assumed(make_project, tmp_path):
    root = make_project(project_files(SPECS[:1]))
    history = tmp_path / "history.csv"
    history.write_text("dag_id,task_id,start,end,state\n"
                       "dag_0000,t0,2024-01-01T00:00:00,2024-01-01T00:05:00,success\n", encoding="utf-8")
    caveats = size(root, region="us-west-2", history_path=history)["caveats"]
    assert not any("No task history" in c for c in caveats)
    assert any("task definitions have no run in" in c for c in caveats)


def test_size_reports_get_the_umask_mode(project, tmp_path):
    previous = os.umask(0o022)
    try:
        for fmt in ("markdown", "html", "json"):
            output = tmp_path / f"report.{fmt}"
            assert main(["size", str(project), "-f", fmt, "-o", str(output)]) == 0
            assert stat.S_IMODE(output.stat().st_mode) == 0o644, fmt
    finally:
        os.umask(previous)
