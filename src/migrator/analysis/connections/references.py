"""The connection and variable ids DAG and plugin code uses: literal ids passed to hooks,
operators, ``get_connection`` and ``Variable.get``, and Jinja templates (``{{ conn.x }}``,
``{{ var.value.x }}``, ``{{ var.json.x }}``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from migrator import compat
from migrator.analysis.connections.model import Reference
from migrator.analysis.jinja import template_blocks

_JINJA_CONN = re.compile(r"\bconn\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_JINJA_VAR = re.compile(
    r"\bvar\s*\.\s*(?:value|json)\s*(?:\.\s*get\s*\(\s*['\"]([^'\"]+)['\"]|\.\s*([A-Za-z_]\w*)"
    r"|\[\s*['\"]([^'\"]+)['\"]\s*\])")


def jinja_references(module) -> set[tuple[str, str, int, str]]:
    """``{{ conn.x }}`` / ``{{ var.value.x }}`` in a module's string literals, with their lines."""
    found: set[tuple[str, str, int, str]] = set()
    if module.tree is None:
        return found
    for node, text in module.string_literals:
        if not (("{{" in text or "{%" in text) and ("conn" in text or "var" in text)):
            continue
        line, counted = node.lineno, 0
        for block in template_blocks(text):
            if block.kind == "comment":
                continue
            body = text[block.start:block.end]
            line += text.count("\n", counted, block.outer_start)  # from the previous block on: linear
            counted = block.outer_start
            for match in _JINJA_CONN.finditer(body):
                found.add(("connection", match.group(1) or match.group(2), line, "jinja"))
            for match in _JINJA_VAR.finditer(body):
                found.add(("variable", match.group(1) or match.group(2) or match.group(3), line, "jinja"))
    return found


def secret_name_variables(module, variable_reads: dict[int, str]) -> set[tuple[str, int]]:
    """Keys, with the fetching call's line, of the variables ``module`` passes to a call that
    fetches a secret by name (``compat.secret_fetching_calls``), directly or through a name
    assigned their value: ``name = Variable.get("k")`` then ``access_secret(name)``.
    ``variable_reads`` maps the id of each ``Variable.get`` call node to its key."""
    if not variable_reads:
        return set()
    fetchers = compat.secret_fetching_calls()
    bound: dict[str, str] = {}  # name -> key of the variable read assigned to it
    for node in module.nodes_of(ast.Assign):
        if id(node.value) in variable_reads:
            bound.update((t.id, variable_reads[id(node.value)]) for t in node.targets if isinstance(t, ast.Name))
    keys: set[tuple[str, int]] = set()
    for call, _ in module.calls:
        called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
        if called not in fetchers:
            continue
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            if id(argument) in variable_reads:
                keys.add((variable_reads[id(argument)], call.lineno))
            elif isinstance(argument, ast.Name) and argument.id in bound:
                keys.add((bound[argument.id], call.lineno))
    return keys


def find_references(modules: Iterable) -> list[Reference]:
    """References of the project's Python files, as the scan's workers recorded them.

    An id that is a template (``postgres_conn_id="{{ var.value.db_conn }}"``) names no
    connection: Airflow renders it, and the Jinja pass records the variable it reads.
    """
    return [Reference(kind, key, module.path, line, via)
            for module in modules for kind, key, line, via in module.references
            if "{{" not in key and "{%" not in key]
