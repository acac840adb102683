"""GitHub Actions workflow commands: one ``::error file=...,line=...::message`` line per finding,
which a workflow run shows as an annotation on the line of the pull request's diff.

Paths are the project's paths behind ``document["path_prefix"]`` (the scanned folder's place in
the repository, which GitHub resolves annotation paths against). Escaping follows the Actions
toolkit (``@actions/core`` ``issueCommand``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from migrator.rules.base import Rule

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: dict[str, Any], prefix: str = "") -> str:
    properties = {
        "file": prefix + finding["path"],
        "line": finding["line"],
        "endLine": finding["end_line"],
        "col": finding["column"],
        "endColumn": finding["end_column"],
        "title": f"{finding['rule']} {finding['name']}",
    }
    listed = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    message = finding["message"]
    if finding["related"]:
        message += f" (and {len(finding['related'])} other place(s) of this cause)"
    return f"::{LEVELS[finding['severity']]} {listed}::{escape_data(message)}\n"


def render(document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterator[str]:
    prefix = document.get("path_prefix", "")
    for finding in document["findings"]:
        yield annotation(finding, prefix)
