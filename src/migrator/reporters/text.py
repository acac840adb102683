"""Terminal text: findings grouped by file, each with its related locations indented under it;
then one line per rule (count, name, fixable, the rule's remedy said once), the totals, and how
many findings ``migrator fix --apply`` fixes; with a baseline, how many known findings it left
out and how many of its findings are fixed.

Plain (no escape codes) unless ``color`` is set; the CLI sets it on a TTY, or as
NO_COLOR / FORCE_COLOR say.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from io import StringIO
from itertools import groupby
from typing import Any

from rich.console import Console
from rich.markup import escape

from migrator.dag_count import dags_text
from migrator.findings import APPLIED_ELSEWHERE, FixSafety
from migrator.rules.base import Rule, doc_section

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SEVERITIES = ("error", "warning", "info")
REMEDY_MAX = 120  # characters of a rule's remedy on its summary line


def remedy(rule: Rule) -> str:
    """The first sentence of the rule's documented fix, cut to one line."""
    text = " ".join(doc_section(type(rule), "Fix").split())
    sentence = re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=\.)\s", text, maxsplit=1)[0]
    if len(sentence) <= REMEDY_MAX:
        return sentence
    return sentence[:REMEDY_MAX].rsplit(" ", 1)[0] + "…"


def fixed_by_fix_command(finding: dict[str, Any], unsafe: bool = False) -> bool:
    """Whether ``migrator fix --apply`` (with ``--unsafe``: ``fix --apply --unsafe``) fixes it."""
    fix = finding["fix"]
    if not fix or fix["data"].get("kind") in APPLIED_ELSEWHERE:
        return False
    return fix["safety"] == FixSafety.SAFE.value or unsafe and fix["safety"] == FixSafety.UNSAFE.value


def _place(related: dict[str, Any], path: str) -> str:
    where = f"{related['line']}:{related['column']}"
    return where if related["path"] == path else f"{related['path']}:{where}"


class _RuleTally:
    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.fixable: Counter[str] = Counter()
        self.worst: dict[str, int] = {}  # rule -> index in SEVERITIES of its worst finding
        self.safe = 0
        self.unsafe = 0

    def add(self, finding: dict[str, Any]) -> None:
        rule = finding["rule"]
        self.count[rule] += 1
        self.fixable[rule] += finding["fix"] is not None
        self.worst[rule] = min(self.worst.get(rule, len(SEVERITIES)), SEVERITIES.index(finding["severity"]))
        if fixed_by_fix_command(finding):
            self.safe += 1
        elif fixed_by_fix_command(finding, unsafe=True):
            self.unsafe += 1


def render(document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterator[str]:
    """The report in pieces, one per file, then the summary."""
    buffer = StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=10_000,
                      highlight=False, soft_wrap=True)

    def piece() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    tally = _RuleTally()
    for path, group in groupby(document["findings"], key=lambda f: f["path"]):
        console.print(f"[bold]{escape(path)}[/bold]")
        for f in group:
            tally.add(f)
            style = STYLES[f["severity"]]
            fix = " [dim]\\[fixable][/dim]" if f["fix"] else ""
            console.print(
                f"  {f['line']}:{f['column']} [{style}]{f['severity']}[/{style}] "
                f"[bold]{f['rule']}[/bold] {escape(f['message'])} [dim]({f['name']})[/dim]{fix}"
            )
            for related in f["related"]:
                console.print(f"      [dim]{escape(_place(related, path))}[/dim] {escape(related['message'])}")
        console.print()
        yield piece()
    by_id = {r.id: r for r in rules}
    for rule_id in sorted(tally.count, key=lambda r: (tally.worst[r], -tally.count[r], r)):
        rule = by_id.get(rule_id)
        style = STYLES[SEVERITIES[tally.worst[rule_id]]]
        fixable = f" [dim]({tally.fixable[rule_id]} fixable)[/dim]" if tally.fixable[rule_id] else ""
        about = f" {escape(rule.name)}{fixable}: {escape(remedy(rule))}" if rule else fixable
        console.print(f"{tally.count[rule_id]:>6}  [{style}]{rule_id}[/{style}]{about}")
    if tally.count:
        console.print()
    s = document["summary"]
    sev = s["by_severity"]
    target = document["target"]
    inv = document["inventory"]
    console.print(
        f"{s['findings']} findings ([red]{sev['error']} errors[/red], "
        f"[yellow]{sev['warning']} warnings[/yellow], [cyan]{sev['info']} info[/cyan]; "
        f"{s['fixable']} fixable) in {s['files_scanned']} files, {dags_text(inv['dags'], inv['dags_estimated'])}, "
        f"{inv['tasks']} tasks; target Airflow {target['airflow_version']} "
        f"(Python {target['python_version']})"
    )
    if tally.safe or tally.unsafe:
        hint = f"{tally.safe} fixable with `migrator fix --apply`"
        if tally.unsafe:
            hint += f" ({tally.unsafe} more with `--unsafe`, to review)"
        console.print(hint)
    if "baseline" in document:
        console.print(baseline_line(document["baseline"]))
    yield piece()


def baseline_line(baseline: dict[str, Any]) -> str:
    """What ``scan --baseline`` left out, and what of the baseline is fixed."""
    line = f"{baseline['known']} known finding(s) in the baseline {escape(baseline['file'])} not shown"
    if baseline["fixed"]:
        line += (f"; {len(baseline['fixed'])} of its findings are fixed (rewrite it with "
                 "`--write-baseline` to drop them)")
    return line
