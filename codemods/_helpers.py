"""Helpers codemods share that read the planner: an argument at a location, its siblings, and
the quote style new code follows."""

from __future__ import annotations

import re
from functools import lru_cache

import libcst as cst

from ._core import Edit
from ._nodes import string_value
from ._planner import Planner


def preferred_quote(planner: Planner) -> str:
    """The quote character most one-line string literals in the module use (new code matches
    it). Read from the text: laying out the whole tree to count them cost more than the fix."""
    single, double = quote_counts(planner.command.source)
    return "'" if single > double else '"'


# What can hold a quote character in Python source: a comment, or a string literal with its
# prefix (a keyword before a quote is no prefix: ``if'x'``). A body ends at its closing quote;
# a backslash escapes any character.
_TRIPLE = "|".join(rf"{q}{q}{q}(?:[^\\]|\\.)*?{q}{q}{q}" for q in ("'", '"'))
_ONE_LINE = "|".join(rf"{q}(?:[^{q}\\\r\n]|\\\r\n|\\.)*{q}" for q in ("'", '"'))
_QUOTE_OR_COMMENT = re.compile(rf"#[^\r\n]*|(?P<prefix>\b[A-Za-z]{{1,2}})?(?:{_TRIPLE}|(?P<one>{_ONE_LINE}))",
                               re.DOTALL)
_F_STRING_PREFIXES = frozenset({"f", "fr", "rf"})


@lru_cache(maxsize=4)
def quote_counts(source: str) -> tuple[int, int]:
    """(single, double): how many one-line string literals of ``source`` (a module that parses),
    f-strings aside, open with each quote."""
    single = double = 0
    for match in _QUOTE_OR_COMMENT.finditer(source):
        one = match["one"]
        if one is not None and (match["prefix"] or "").lower() not in _F_STRING_PREFIXES:
            single += one[0] == "'"
            double += one[0] == '"'
    return single, double


def locate_argument(planner: Planner, edit: Edit, name: str) -> cst.Arg | cst.DictElement:
    """The keyword argument ``name=`` or the dict entry ``"name": ...`` at the edit's location.

    Both shapes carry operator and DAG arguments: ``DAG(schedule_interval=...)`` and
    ``default_args = {"task_concurrency": 2}`` (or ``dict(task_concurrency=2)``).
    """
    candidates = [n for n in planner.at(edit.location, cst.Arg) if n.keyword is not None and n.keyword.value == name]
    candidates += [n for n in planner.at(edit.location, cst.DictElement) if string_value(n.key) == name]
    return planner.locate(edit.location, candidates, f"argument {name!r}")


def sibling_names(planner: Planner, node: cst.Arg | cst.DictElement) -> set[str]:
    """The other keyword names (or string keys) of the call or dict holding ``node``."""
    parent = planner.parent(node)
    if isinstance(parent, cst.Call):
        return {a.keyword.value for a in parent.args if a.keyword is not None and a is not node}
    if isinstance(parent, cst.Dict):
        return {v for e in parent.elements if isinstance(e, cst.DictElement) and e is not node
                for v in [string_value(e.key)] if v is not None}
    return set()
