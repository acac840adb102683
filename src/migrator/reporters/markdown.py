"""Markdown for a pull-request comment: a summary table, then findings grouped by file, each
with its related locations (the other places of its root cause) in its cell."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

from migrator.dag_count import dags_text
from migrator.rules.base import Rule

ICONS = {"error": "🔴", "warning": "🟠", "info": "🔵"}


def _place(related: dict[str, Any], path: str) -> str:
    return f"{related['line']}" if related["path"] == path else f"{related['path']}:{related['line']}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterator[str]:
    """The report in pieces: the summary, then one per file."""
    target = document["target"]
    summary = document["summary"]
    inventory = document["inventory"]
    sev = summary["by_severity"]
    lines = [
        (f"## MWAA migration scan (target Airflow {target['airflow_version']}, "
         f"Python {target['python_version']})"),
        "",
        (f"**{summary['findings']} findings**: {sev['error']} errors, {sev['warning']} warnings, "
         f"{sev['info']} info; {summary['fixable']} fixable with `migrator fix`."),
        "",
        (f"Scanned {summary['files_scanned']} Python files: {inventory['dag_files']} DAG files, "
         f"{dags_text(inventory['dags'], inventory['dags_estimated'])}, "
         f"{inventory['tasks']} tasks."),
        "",
    ]
    if summary["by_rule"]:
        names = {r.id: (r.name, r.summary) for r in rules}
        lines += ["| rule | name | count |", "|---|---|---|"]
        for rule_id, count in summary["by_rule"].items():
            name, _ = names.get(rule_id, ("", ""))
            lines.append(f"| `{rule_id}` | {name} | {count} |")
        lines.append("")
    if not document["findings"]:
        lines.append("No findings: nothing in this project is known to break on the target.")
    yield "\n".join(lines).rstrip() + "\n"
    for path, group in groupby(document["findings"], key=lambda f: f["path"]):
        items = list(group)
        lines = ["", f"<details><summary><code>{path}</code> ({len(items)})</summary>", "",
                  "| | line | rule | message |", "|---|---|---|---|"]
        for f in items:
            fix = " _(fixable)_" if f["fix"] else ""
            also = "".join(f"<br>↳ `{_cell(_place(r, path))}` {_cell(r['message'])}" for r in f["related"])
            lines.append(f"| {ICONS[f['severity']]} | {f['line']} | `{f['rule']}` | "
                         f"{_cell(f['message'])}{fix}{also} |")
        lines += ["", "</details>"]
        yield "\n".join(lines) + "\n"
