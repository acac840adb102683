"""Small LibCST node helpers: identifiers, dotted paths and string literals."""

from __future__ import annotations

import keyword

import libcst as cst


def dotted(qualname: str) -> cst.BaseExpression:
    """``a.b.c`` as a Name/Attribute chain."""
    parts = qualname.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def is_identifier(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def string_value(node: cst.CSTNode) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, else None."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def with_string_value(node: cst.SimpleString, value: str) -> cst.SimpleString:
    """The same literal (prefix and quotes kept) holding ``value``."""
    quote = node.quote
    raw = "r" in node.prefix.lower()
    body = value if raw else value.replace("\\", "\\\\")
    if len(quote) == 1:
        body = body.replace(quote, "\\" + quote) if not raw else body
    return node.with_changes(value=f"{node.prefix}{quote}{body}{quote}")
