"""Reporters: pure functions from the scan document (and the rules) to text.

A reporter gives its text in pieces (per file, per finding) so that a large project's report is
written as it is made rather than held whole; :func:`render` joins them for callers that want one
string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import Any

from migrator.report_formats import REPOSITORY_PATH_FORMATS
from migrator.rules import Rule

__all__ = ["FORMATS", "REPOSITORY_PATH_FORMATS", "render", "render_pieces"]

# Each format's module, whose ``render(document, rules, color)`` gives the report in pieces:
# imported when asked for (the text report's terminal library is no JSON report's cost).
FORMATS: dict[str, str] = {
    "text": "text",
    "concise": "concise",
    "json": "jsonout",
    "sarif": "sarif",
    "markdown": "markdown",
    "github": "github",
}


def render_pieces(fmt: str, document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterable[str]:
    return import_module(f"migrator.reporters.{FORMATS[fmt]}").render(document, rules, color)


def render(fmt: str, document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> str:
    return "".join(render_pieces(fmt, document, rules, color))
