"""Terminal text: findings grouped by file, severity colors, one summary line.

Plain (no escape codes) unless ``color`` is set; the CLI sets it on a TTY without NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from io import StringIO
from itertools import groupby
from typing import Any

from rich.console import Console
from rich.markup import escape

from migrator.rules.base import Rule

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render(document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterator[str]:
    """The report in pieces, one per file."""
    buffer = StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=10_000,
                      highlight=False, soft_wrap=True)

    def piece() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    for path, group in groupby(document["findings"], key=lambda f: f["path"]):
        console.print(f"[bold]{escape(path)}[/bold]")
        for f in group:
            style = STYLES[f["severity"]]
            fix = " [dim]\\[fixable][/dim]" if f["fix"] else ""
            console.print(
                f"  {f['line']}:{f['column']} [{style}]{f['severity']}[/{style}] "
                f"[bold]{f['rule']}[/bold] {escape(f['message'])} [dim]({f['name']})[/dim]{fix}"
            )
        console.print()
        yield piece()
    s = document["summary"]
    sev = s["by_severity"]
    target = document["target"]
    inv = document["inventory"]
    console.print(
        f"{s['findings']} findings ([red]{sev['error']} errors[/red], "
        f"[yellow]{sev['warning']} warnings[/yellow], [cyan]{sev['info']} info[/cyan]; "
        f"{s['fixable']} fixable) in {s['files_scanned']} files, {inv['dags']} DAGs, "
        f"{inv['tasks']} tasks; target Airflow {target['airflow_version']} "
        f"(Python {target['python_version']})"
    )
    yield piece()
