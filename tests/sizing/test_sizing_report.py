"""The report: JSON contract and determinism, markdown/html with the chart, costs, the CLI."""

from __future__ import annotations

import json
import re

import pytest
from migrator.compat import region_prices
from sizing_projects import DagSpec, project_files, size

from migrator.cli import main
from migrator.sizing.defaults import HOURS_PER_MONTH
from migrator.sizing.render import render

SPECS = [DagSpec(schedule=f"0 {h} * * *", tasks=3) for h in range(8)] + [
    DagSpec(schedule="@hourly", tasks=4, layout="parallel", kind="sql"),
    DagSpec(schedule="0 6 * * *", tasks=2, kind="glue"),
]


@pytest.fixture
def project(make_project):
    return make_project(project_files(SPECS))


def test_json_carries_every_input_and_number(project):
    document = size(project, "2.11.2", region="us-west-2")
    assert set(document) >= {"target", "region", "inputs", "recommendation", "alternatives",
                             "glue_workflow_candidates", "concurrency", "assumptions"}
    assert document["target"] == "2.11.2" and document["region"] == "us-west-2"
    assert {"dag_files", "dags", "tasks"} <= set(document["inputs"])
    assert document["inputs"]["dags"] == 10 and document["inputs"]["tasks"] == 30
    recommendation = document["recommendation"]
    assert {"environment_class", "min_workers", "max_workers", "schedulers", "config",
            "monthly_cost_usd"} <= set(recommendation)
    assert recommendation["config"]["celery.worker_autoscale"] == (
        f"{recommendation['tasks_per_worker']},{recommendation['tasks_per_worker']}")
    assert recommendation["config"]["core.parallelism"] == str(
        recommendation["max_workers"] * recommendation["tasks_per_worker"])
    assert len(document["concurrency"]) == 1440
    assert document["concurrency"][61] == {"minute": 61, "time_utc": "01:01", "running": 5.0,
                                           "waiting": 0.0, "deferred": 0.0}
    assert [a["relation"] for a in document["alternatives"]] in (["larger"], ["smaller", "larger"])
    assert document["glue_workflow_candidates"][0]["dag_id"] == "dag_0009"
    assert document["assumptions"] and all(isinstance(a, str) for a in document["assumptions"])


def test_cost_lines_add_up_from_compat_prices(project):
    document = size(project, region="us-west-2")
    recommendation = document["recommendation"]
    base = recommendation["cost"][0]
    hourly = region_prices("us-west-2").price("environment", recommendation["environment_class"])
    assert base["unit_usd"] == hourly.usd_per_hour
    assert base["monthly_usd"] == pytest.approx(hourly.usd_per_hour * HOURS_PER_MONTH)
    assert base["confirmed"] is hourly.confirmed
    total = sum(line["monthly_usd"] for line in recommendation["cost"])
    assert recommendation["monthly_cost_usd"] == pytest.approx(total, abs=0.01)
    assert {line["item"] for line in recommendation["cost"]} >= {
        "extra workers", "extra schedulers", "metadata database storage"}
    for alternative in document["alternatives"]:
        assert alternative["difference_usd"] == pytest.approx(
            alternative["monthly_cost_usd"] - recommendation["monthly_cost_usd"], abs=0.01)
        assert alternative["risks"]


def test_unconfirmed_prices_are_marked(project):
    document = size(project, region="us-east-1")  # us-east-1 prices are recorded as unconfirmed
    base = document["recommendation"]["cost"][0]
    assert base["confirmed"] is False
    assert "unconfirmed" in document["assumptions"][-1]
    markdown = render("markdown", document)
    assert "UNCONFIRMED" in markdown


def test_reports_are_deterministic(project):
    first, second = size(project), size(project)
    for fmt in ("json", "markdown", "html"):
        assert render(fmt, first) == render(fmt, second)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", render("json", first))  # no timestamps


def test_markdown_and_html_embed_a_labelled_chart(project):
    document = size(project)
    capacity = document["capacity"]
    for fmt in ("markdown", "html"):
        text = render(fmt, document)
        svg = text[text.index("<svg"):text.index("</svg>") + 6]
        assert "Time of day (UTC, hh:mm)" in svg
        assert "Concurrent tasks (worker slots)" in svg
        assert "00:00" in svg and "24:00" in svg
        assert f"= {capacity['max_worker_slots']} slots" in svg
        assert svg.count("<path") >= 1
        assert document["recommendation"]["environment_class"] in text


def test_html_is_self_contained(project):
    html = render("html", size(project))
    assert html.startswith("<!DOCTYPE html>")
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert references == []
    assert "<script" not in html
    assert "http://www.w3.org/2000/svg" in html  # the SVG namespace, not a fetch


def test_verify_parse_times_can_move_the_class(make_project, tmp_path):
    specs = [DagSpec(schedule=f"{i} 2 * * *", tasks=2) for i in range(20)]
    root = make_project(project_files(specs))
    assert size(root)["recommendation"]["environment_class"] == "mw1.small"
    verify = tmp_path / "verify.json"
    verify.write_text(json.dumps({"files": [
        {"path": f"dags/dag_{i:04d}.py", "parse_seconds": 2.0} for i in range(20)]}), encoding="utf-8")
    document = size(root, verify_path=verify)
    # 40 s of parsing over mw1.small's single process is over half of the 30 s interval;
    # mw1.medium's 3 processes take 13.3 s.
    assert document["recommendation"]["environment_class"] == "mw1.medium"
    small = next(c for c in document["classes"] if c["environment_class"] == "mw1.small")
    parsing = next(c for c in small["checks"] if c["check"] == "DAG parsing")
    assert not parsing["ok"] and parsing["value"] == "40.0 s per parse loop"
    assert document["inputs"]["parse"]["files_measured"] == 20


def test_cli_writes_each_format(project, tmp_path):
    for fmt, marker in (("markdown", "# MWAA environment sizing"), ("json", '"recommendation"'),
                        ("html", "<!DOCTYPE html>")):
        output = tmp_path / "out" / f"report.{fmt}"
        assert main(["size", str(project), "--format", fmt, "--output", str(output)]) == 0
        assert marker in output.read_text(encoding="utf-8")
    leftovers = [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    assert leftovers == []


@pytest.mark.parametrize(("arguments", "message"), [
    (["--region", "mars-1"], "'mars-1' is not an AWS Region MWAA runs in; known: af-south-1, "),
    (["--target", "1.10.15"], "1.10.15"),
    (["--history", "{missing}"], "task history file not found"),
])
def test_cli_input_errors_exit_2_with_one_line(project, tmp_path, capsys, arguments, message):
    arguments = [a.replace("{missing}", str(tmp_path / "nope.csv")) for a in arguments]
    assert main(["size", str(project), *arguments]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error
    assert len(error.splitlines()) == 1
    assert "Traceback" not in error


def test_cli_on_a_missing_project(tmp_path, capsys):
    assert main(["size", str(tmp_path / "absent")]) == 2
    assert "no such directory" in capsys.readouterr().err
