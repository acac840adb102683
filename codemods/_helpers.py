"""Helpers codemods share that read the planner: an argument at a location, its siblings, and
the quote style new code follows."""

from __future__ import annotations

import io
import tokenize

import libcst as cst

from ._core import Edit
from ._nodes import string_value
from ._planner import Planner


def preferred_quote(planner: Planner) -> str:
    """The quote character most one-line string literals in the module use (new code matches
    it). Read from the tokens: laying out the whole tree to count them cost more than the fix."""
    single = double = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(planner.command.source).readline):
            if token.type == tokenize.STRING:
                body = token.string.lstrip("rRbBuU")
                if body[:1] in ("'", '"') and body[:3] not in ("'''", '"""'):  # f-strings keep their f
                    single += body[0] == "'"
                    double += body[0] == '"'
    except (tokenize.TokenError, SyntaxError):
        pass  # the counts so far decide
    return "'" if single > double else '"'


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
