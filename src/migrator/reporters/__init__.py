"""Reporters: pure functions from the scan document (and the rules) to text.

A reporter gives its text in pieces (per file, per finding) so that a large project's report is
written as it is made rather than held whole; :func:`render` joins them for callers that want one
string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from migrator.report_formats import REPOSITORY_PATH_FORMATS
from migrator.reporters import concise, github, jsonout, markdown, sarif, text
from migrator.rules import Rule

__all__ = ["FORMATS", "REPOSITORY_PATH_FORMATS", "render", "render_pieces"]

Reporter = Callable[[dict[str, Any], Sequence[Rule], bool], Iterable[str]]

FORMATS: dict[str, Reporter] = {
    "text": text.render,
    "concise": concise.render,
    "json": jsonout.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
    "github": github.render,
}


def render_pieces(fmt: str, document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterable[str]:
    return FORMATS[fmt](document, rules, color)


def render(fmt: str, document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> str:
    return "".join(render_pieces(fmt, document, rules, color))
