"""Reporters: pure functions from the scan document (and the rules) to text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from migrator.reporters import jsonout, markdown, sarif, text
from migrator.rules import Rule

Reporter = Callable[[dict[str, Any], Sequence[Rule], bool], str]

FORMATS: dict[str, Reporter] = {
    "text": text.render,
    "json": jsonout.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
}


def render(fmt: str, document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> str:
    return FORMATS[fmt](document, rules, color)
