"""The names a Jinja template reads from its context, found without a Jinja parser.

Airflow renders operator arguments as Jinja templates with the task's context; a template that
reads a context key the target no longer provides fails at render time (``UndefinedError``) or
renders an empty string. Only top-level names matter: ``execution_date`` in
``{{ execution_date.isoformat() }}`` is a context read, ``isoformat`` is an attribute, ``ds`` in
``{{ macros.ds_add(ds, 1) }}`` is a read and ``ds_add`` is not. Names a template defines itself
(``{% set %}``, ``{% for %}``, macro parameters) are not context reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# {{ expression }}, {% statement %}, {# comment #}: opening delimiter -> (closing, kind).
_DELIMITERS = {"{{": ("}}", "expr"), "{%": ("%}", "stmt"), "{#": ("#}", "comment")}
_TOKEN = re.compile(
    r"""(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|<=|>=|\*\*|//|[-+*/%~|.,:()\[\]{}=<>!])"
    r"|(?P<space>\s+)",
    re.DOTALL,
)
_KEYWORDS = frozenset({
    "and", "or", "not", "in", "is", "if", "else", "elif", "true", "false", "none", "True", "False",
    "None", "recursive", "loop", "self", "super", "varargs", "kwargs", "caller",
})
# Statement tags whose following names are definitions rather than reads.
_DEFINING_TAGS = frozenset({"set", "for", "macro", "call", "filter", "block", "import", "from"})


@dataclass(frozen=True)
class TemplateName:
    """A name read from the template context, at ``start:end`` of the template text."""

    name: str
    start: int
    end: int


def has_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@dataclass(frozen=True)
class Block:
    """One ``{{ }}``, ``{% %}`` or ``{# #}`` block; ``start:end`` is its inside, without the
    delimiters and their trim markers (``-``, ``+``)."""

    kind: str  # expr | stmt | comment
    start: int
    end: int
    outer_start: int
    outer_end: int


def template_blocks(text: str) -> list[Block]:
    """The blocks of ``text`` from left to right, as Jinja's lexer sees them (a block ends at the
    first closing delimiter), found in one pass. (A regex such as ``\\{\\{.*?\\}\\}`` would
    rescan to the end of the text from every ``{{`` of a text with no ``}}``.)"""
    blocks: list[Block] = []
    unclosed: set[str] = set()  # closers that no longer occur: every later search would fail too
    position = text.find("{")
    while 0 <= position < len(text) - 1:
        closer, kind = _DELIMITERS.get(text[position:position + 2], (None, ""))
        end = -1 if closer is None or closer in unclosed else text.find(closer, position + 2)
        if end < 0:
            if closer is not None:
                unclosed.add(closer)
            position = text.find("{", position + 1)
            continue
        start = position + 2
        if start < end and text[start] in "-+":
            start += 1
        inner_end = end - 1 if end - 1 >= start and text[end - 1] in "-+" else end
        blocks.append(Block(kind, start, inner_end, position, end + 2))
        position = text.find("{", end + 2)
    return blocks


def template_names(text: str) -> list[TemplateName]:
    """Every context read in ``text``, in order; names the template defines are left out."""
    if not has_template(text):
        return []
    defined: set[str] = set()
    reads: list[TemplateName] = []
    for block in template_blocks(text):
        if block.kind == "expr":
            reads += _reads(text, block.start, block.end, defined)
        elif block.kind == "stmt":
            reads += _statement_reads(text, block.start, block.end, defined)
    return [r for r in reads if r.name not in defined]


def _tokens(text: str, start: int, end: int) -> list[tuple[str, str, int]]:
    tokens = []
    position = start
    while position < end:
        match = _TOKEN.match(text, position, end)
        if match is None:  # a character Jinja would reject; skip it rather than guess
            position += 1
            continue
        kind = match.lastgroup
        if kind != "space":
            tokens.append((kind, match.group(0), match.start()))
        position = match.end()
    return tokens


def _reads(text: str, start: int, end: int, defined: set[str]) -> list[TemplateName]:
    tokens = _tokens(text, start, end)
    reads = []
    depth = 0
    for index, (kind, value, offset) in enumerate(tokens):
        if kind == "op":
            if value in "([{":
                depth += 1
            elif value in ")]}":
                depth = max(0, depth - 1)
            continue
        if kind != "name" or value in _KEYWORDS:
            continue
        previous = tokens[index - 1][1] if index else ""
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if previous in (".", "|") or (previous == "is"):
            continue  # attribute, filter or test name
        if following == "=" and depth:
            continue  # keyword argument name in a call
        reads.append(TemplateName(value, offset, offset + len(value)))
    return reads


def _statement_reads(text: str, start: int, end: int, defined: set[str]) -> list[TemplateName]:
    tokens = _tokens(text, start, end)
    if not tokens or tokens[0][0] != "name":
        return []
    tag = tokens[0][1]
    rest_start = tokens[1][2] if len(tokens) > 1 else end
    if tag in _DEFINING_TAGS:
        names = [t for t in tokens[1:] if t[0] == "name"]
        if tag == "set":
            # {% set a, b = expr %}: names before "=" are defined; a block set has no "=".
            equals = next((t[2] for t in tokens if t[1] == "="), end)
            defined.update(v for k, v, o in tokens[1:] if k == "name" and o < equals)
            return _reads(text, equals + 1, end, defined) if equals < end else []
        if tag == "for":
            # {% for a, b in expr %}
            in_at = next((t[2] for t in tokens[1:] if t[1] == "in"), end)
            defined.update(v for k, v, o in tokens[1:] if k == "name" and o < in_at)
            return _reads(text, in_at + 2, end, defined) if in_at < end else []
        if tag in ("macro", "call"):
            defined.update(v for k, v, _ in names)
            return []
        return []
    if tag in ("if", "elif", "with", "print"):
        return _reads(text, rest_start, end, defined)
    return []
