"""Concise: one line per finding, ``path:line:col: ID message``, as ``ruff --output-format
concise`` and compilers write them, for grep, editors' jump-to-location and diffs between runs.

Nothing else: no related locations, no summary. Paths are the project's behind
``document["path_prefix"]`` (the scanned folder as named on the command line), so a line opens
from where the command ran. Plain unless ``color`` is set (the CLI sets it only when forced).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import click

from migrator.rules.base import Rule

SEVERITY_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


def line(finding: dict[str, Any], prefix: str = "", color: bool = False) -> str:
    path = finding["path"]
    # "." is the project itself (a finding about what it lacks): the folder, not "folder/.".
    where = (prefix.rstrip("/") or ".") if path == "." else prefix + path
    place = f"{where}:{finding['line']}:{finding['column']}:"
    rule = finding["rule"]
    if color:
        place = click.style(place, bold=True)
        rule = click.style(rule, fg=SEVERITY_COLORS[finding["severity"]], bold=True)
    # A message that spans lines would read as several findings.
    message = " ".join(finding["message"].splitlines())
    return f"{place} {rule} {message}\n"


def render(document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterator[str]:
    prefix = document.get("path_prefix", "")
    for finding in document["findings"]:
        yield line(finding, prefix, color)
