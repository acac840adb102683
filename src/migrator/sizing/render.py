"""Renderers of the sizing document: json, markdown and a self-contained html page.

Markdown and html are built from one list of blocks, so both say the same things in the same
order; both embed the SVG chart.
"""

from __future__ import annotations

import json
from html import escape

from migrator.dag_count import DagCount
from migrator.reporters.html_page import html_page
from migrator.sizing.chart import concurrency_svg, slots_text

FORMATS = ("markdown", "json", "html")
TOP_DAGS = 25

Block = tuple  # ("h1"|"h2"|"p"|"ul"|"table"|"svg"|"banner", ...)

_WHY = {
    "celery.worker_autoscale": "max,min tasks per worker; AWS advises equal values",
    "core.parallelism": "max workers x tasks per worker, so the scheduler queues what workers can take",
    "scheduler.parsing_processes": "the class's limit: 2 per scheduler vCPU, minus 1",
    "dag_processor.parsing_processes": "the class's limit: 2 per scheduler vCPU, minus 1",
}


def usd(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f} USD"


def _mark(ok: bool) -> str:
    return "yes" if ok else "NO"


def blocks(document: dict) -> list[Block]:
    rec = document["recommendation"]
    demand = document["demand"]
    inputs = document["inputs"]
    capacity = document["capacity"]
    out: list[Block] = [
        ("h1", "MWAA environment sizing"),
        ("p", (f"Target: Apache Airflow {document['target']} on Amazon MWAA, region {document['region']}. "
              f"Project: {_dag_count(inputs).text()}, {inputs['tasks']} tasks. "
              f"Report by {document['tool']['name']} {document['tool']['version']}.")),
    ]
    if document["caveats"]:
        # Said before the result, which they qualify (the full list closes the report).
        out.append(("banner", "Read first: what this report assumes", document["caveats"]))
    out += [
        ("h2", "Recommendation"),
        ("table", ["", ""], [
            ["Environment class", rec["environment_class"] + ("" if rec["fits"] else " (no class fits every check)")],
            ["Workers", (f"min {rec['min_workers']}, max {rec['max_workers']} "
                        f"({rec['tasks_per_worker']} tasks per worker)")],
            ["Schedulers", str(rec["schedulers"])],
            ["Monthly cost", f"{usd(rec['monthly_cost_usd'])} ({document['region']}"
                             + (", no prices for it: see Monthly cost)" if document["pricing"]["missing"] else ")")],
        ]),
        ("p", "Configuration overrides (AirflowConfigurationOptions):"),
        ("table", ["Option", "Value", "Why"],
         [[key, value, _WHY.get(key, "")] for key, value in rec["config"].items()]),
    ]
    if rec["pools"]:
        out += [("p", "Pools to size (Admin > Pools, or `airflow pools set NAME SLOTS DESCRIPTION`):"),
                ("table", ["Pool", "Slots", "Why"], [[p["pool"], str(p["slots"]), p["why"]] for p in rec["pools"]])]
    if rec["risks"]:
        out += [("p", "Risks that remain with this choice:"), ("ul", rec["risks"])]

    out += [
        ("h2", "Expected load"),
        ("svg", concurrency_svg(document)),
        ("p", (f"Busiest day of the reference week: {demand['busiest_day']}. Peak {num(demand['peak_tasks'])} "
              f"concurrent tasks at {demand['peak_time_utc']} UTC; median minute {num(demand['median_tasks'])}; "
              f"held back by pools or max_active_tasks at most {num(demand['peak_waiting_tasks'])}; "
              f"deferred at most {num(demand['peak_deferred_tasks'])}; worker memory at the peak at most "
              f"{num(demand['peak_memory_gb'])} GB. {num(demand['task_instances_per_day'])} task runs a day. "
              f"Capacity drawn: {rec['environment_class']} at "
              f"{slots_text(capacity['max_workers'], capacity['tasks_per_worker'])} (max) and "
              f"{slots_text(capacity['min_workers'], capacity['tasks_per_worker'])} (min).")),
        _day_peaks(demand["day_peaks"]),
        ("h2", "Why this class"),
        ("p", ("Each class against the project's demand; the recommendation is the smallest class "
              "that passes every check.")),
        ("table", ["Class", "DAG capacity", "DAG parsing", "Task memory", "Workers at peak",
                   "Triggerer", "Fits", "Monthly cost"],
         [[c["environment_class"], *(_check_cell(c, name) for name in
                                     ("DAG capacity", "DAG parsing", "Task memory", "Workers at peak", "Triggerer")),
           _mark(c["fits"]), usd(c["monthly_cost_usd"])] for c in document["classes"]]),
        ("h2", f"Monthly cost of {rec['environment_class']}"),
        _cost_block(document),
        ("h2", "The next class down and up"),
    ]
    for alternative in document["alternatives"]:
        difference = alternative["difference_usd"]
        against = ("" if difference is None else
                   f", {'+' if difference >= 0 else '-'}{usd(abs(difference))} against the recommendation")
        out.append(("p", (f"{alternative['environment_class']} ({alternative['relation']}): "
                         f"{usd(alternative['monthly_cost_usd'])} a month{against}; "
                         f"min {alternative['min_workers']} / max "
                         f"{alternative['max_workers']} workers. What it would risk:")))
        out.append(("ul", alternative["risks"] or ["nothing the model measures"]))
    if not document["alternatives"]:
        out.append(("p", "No other class exists next to the recommendation."))

    out.append(("h2", "AWS Glue Workflows candidates"))
    candidates = document["glue_workflow_candidates"]
    saving = document["glue_workflow_saving"]
    if candidates:
        out.append(("p", ("These DAGs run only AWS Glue jobs and crawlers; a Glue workflow (triggers "
                         "between jobs and crawlers, no environment fee) can run them instead.")))
        out.append(("table", ["DAG", "File", "Copies", "Glue tasks", "Share of load"],
                    [[c["dag_id"], f"{c['path']}:{c['line']}", str(c["copies"]), str(c["glue_tasks"]),
                      f"{c['share_of_load']:.1%}"] for c in candidates]))
        out.append(("p", (f"Without them ({saving['dags']} DAGs, {saving['share_of_load']:.1%} of the "
                         f"load) the recommendation would be {saving['environment_class_without']} at "
                         f"{usd(saving['monthly_cost_usd_without'])} a month: a saving of "
                         f"{usd(saving['monthly_saving_usd'])} a month on the MWAA bill (Glue job "
                         "charges are the same either way).")))
    else:
        out.append(("p", "No DAG is made only of Glue jobs and crawlers."))

    out += [
        ("h2", "Inputs"),
        ("table", ["Input", "Value"], _input_rows(inputs)),
        ("h2", f"DAGs by load (top {TOP_DAGS})" if len(document["dags"]) > TOP_DAGS else "DAGs by load"),
        ("table", ["DAG", "File", "Copies", "Schedule", "Runs/day", "Tasks", "Run length (min)",
                   "Slot-minutes/day", "Share"],
         [[d["dag_id"], f"{d['path']}:{d['line']}",
           f"{d['copies']}{' (estimate)' if d['copies_estimated'] else ''}",
           _schedule_cell(d),
           num(d["runs_per_day"]), str(d["tasks"]), str(d["run_minutes"]),
           num(d["slot_minutes_per_day"]), f"{d['share_of_load']:.1%}"]
          for d in sorted(document["dags"], key=lambda d: (-d["slot_minutes_per_day"], d["dag_id"]))[:TOP_DAGS]]),
    ]
    if document["warnings"]:
        out += [("h2", "Warnings"), ("ul", document["warnings"])]
    out += [("h2", "Assumptions"), ("ul", document["assumptions"])]
    return out


def _cost_block(document: dict) -> Block:
    missing = document["pricing"]["missing"]
    if missing:
        return ("p", missing)
    rec = document["recommendation"]
    return ("table", ["Item", "Quantity", "Unit price (USD/h; storage USD/GB-month)", "Monthly", "Note"],
            [[line["item"], line["quantity"], "n/a" if line["unit_usd"] is None else f"{line['unit_usd']:g}",
              usd(line["monthly_usd"]), ("" if line["confirmed"] else "UNCONFIRMED. ") + line["note"]]
             for line in rec["cost"]] + [["Total", "", "", usd(rec["monthly_cost_usd"]), ""]])


def _pool_text(pool: dict) -> str:
    if pool["slots"] is None:
        return f"{pool['name']} (not defined)"
    slots = "unlimited" if pool["slots"] < 0 else f"{pool['slots']} slots"
    return f"{pool['name']} ({slots}; {pool['source']})"


def _schedule_cell(dag: dict) -> str:
    """The schedule as written, and where the model's runs came from when not from it alone."""
    source = dag["runs_from"]
    if source.startswith("schedule (") and source.endswith(")"):
        source = source[len("schedule ("):-1]
    return dag["schedule"] if source == "schedule" else f"{dag['schedule']} ({source})"


def num(value: float) -> str:
    """A count or size for prose: one decimal at most (the JSON keeps two)."""
    return f"{value:,.1f}".removesuffix(".0")


def _day_peaks(peaks: dict[str, float]) -> Block:
    if len(set(peaks.values())) == 1:
        return ("p", f"Every day of the reference week peaks at {num(next(iter(peaks.values())))} tasks.")
    return ("table", ["Day", "Peak concurrent tasks"], [[day, num(peak)] for day, peak in peaks.items()])


def _check_cell(assessment: dict, name: str) -> str:
    for check in assessment["checks"]:
        if check["check"] == name:
            return f"{_mark(check['ok'])}: {check['value']} / {check['limit']}"
    return "not checked"


def _dag_count(inputs: dict) -> DagCount:
    return DagCount(inputs["dags"], inputs["files_with_dags"], inputs["dags_at_least"])


def _input_rows(inputs: dict) -> list[list[str]]:
    rows = [
        ["DAG folders", ", ".join(inputs["dag_folders"]) or "none found"],
        ["DAG files Airflow parses", str(inputs["dag_files"])],
        ["DAGs", _dag_count(inputs).text()],
        ["DAG definitions the load model runs",
         f"{inputs['dag_definitions']} ({inputs['dags_estimated']} copies estimated)"],
        ["Tasks", str(inputs["tasks"])],
        ["Tasks by kind", ", ".join(f"{k} {v}" for k, v in inputs["tasks_by_kind"].items()) or "none"],
        ["Schedules", ", ".join(f"{k} {v}" for k, v in inputs["schedules"].items()) or "none"],
        ["Sensors and deferrable tasks", ", ".join(f"{k} {v}" for k, v in inputs["sensors_and_deferrable"].items()) or "none"],
        ["DAGs with catchup=True", str(inputs["catchup_dags"])],
        ["Pools", ", ".join(_pool_text(p) for p in inputs["pools"]) or "none"],
        ["Parse times", f"{inputs['parse']['seconds_total']:g} s in total; {inputs['parse']['source']}"],
    ]
    history = inputs["history"]
    rows.append(["Task history", "none (durations are defaults per operator kind)" if history is None else
                 f"{history['file']}: {history['used']} of {history['rows']} rows used over {history['days']:g} "
                 f"days; {history['dags_matched']} DAGs matched, {history['task_durations_from_history']} "
                 "task durations from it" + _unusable_rows(history)])
    if inputs["unparsed_files"]:
        rows.append(["Files not analysed", ", ".join(inputs["unparsed_files"])])
    return rows


def _unusable_rows(history: dict) -> str:
    count, named = history["unusable_rows"], history["unusable_row_examples"]
    if not count:
        return ""
    more = f"; {count - len(named)} more" if count > len(named) else ""
    return f"; {count} rows not usable: {'; '.join(named)}{more}"


# -- markdown --------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(document: dict) -> str:
    lines: list[str] = []
    for block in blocks(document):
        kind = block[0]
        if kind == "h1":
            lines += [f"# {block[1]}", ""]
        elif kind == "h2":
            lines += [f"## {block[1]}", ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "ul":
            lines += [f"- {_md_cell(item)}" for item in block[1]] + [""]
        elif kind == "banner":
            lines += [f"> **{block[1]}**", ">"] + [f"> - {_md_cell(item)}" for item in block[2]] + [""]
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            lines.append("|" + "|".join("---" for _ in headers) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
        elif kind == "svg":
            lines += ["<div>", "", block[1].rstrip("\n"), "", "</div>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- html ------------------------------------------------------------------------------------------

_STYLE = """
td.no { color: #c53030; font-weight: bold; }
.banner { border: 1px solid #d69e2e; background: #fffbeb; padding: 8px 14px; margin: 12px 0; }
.banner strong { display: block; margin-bottom: 4px; }
li { margin: 2px 0; }
"""


def render_html(document: dict) -> str:
    body: list[str] = []
    for block in blocks(document):
        kind = block[0]
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{escape(block[1])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{escape(block[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block[1]) + "</ul>")
        elif kind == "banner":
            body.append(f'<div class="banner" role="note"><strong>{escape(block[1])}</strong><ul>'
                        + "".join(f"<li>{escape(item)}</li>" for item in block[2]) + "</ul></div>")
        elif kind == "table":
            headers, rows = block[1], block[2]
            head = "".join(f"<th>{escape(h)}</th>" for h in headers) if any(headers) else ""
            cells = "".join(
                "<tr>" + "".join(
                    f'<td class="no">{escape(c)}</td>' if str(c).startswith("NO") else f"<td>{escape(c)}</td>"
                    for c in row) + "</tr>"
                for row in rows)
            body.append(f"<table>{f'<thead><tr>{head}</tr></thead>' if head else ''}<tbody>{cells}</tbody></table>")
        elif kind == "svg":
            body.append(f'<div class="chart">{block[1]}</div>')
    title = f"MWAA sizing: {document['recommendation']['environment_class']}"
    return html_page(title, body, _STYLE)


def render_json(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def render(fmt: str, document: dict) -> str:
    if fmt == "json":
        return render_json(document)
    if fmt == "html":
        return render_html(document)
    if fmt == "markdown":
        return render_markdown(document)
    raise ValueError(f"unknown sizing report format {fmt!r}; known: {', '.join(FORMATS)}")
