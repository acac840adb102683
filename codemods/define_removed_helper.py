"""``define-removed-helper``: define in the module an Airflow function the target no longer has.

Params: ``name``, the function's name, and ``definition``, Python source defining it (compat's
removed helpers: ``_make_intermediate_dirs`` of 1.10's SFTP operator, the experimental API's
``trigger_dag``).

The import statement at the location, which must import that one name, unaliased, at module
level, goes; the definition follows the module's leading imports (where the import was, when
the import comes after other code), two blank lines on each side: every use of the name now
calls it, and no import comes after code.

Unsafe: the module runs code the tool wrote instead of Airflow's; it does what the function did
(compat says what it keeps), and a human reads it once.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._imports import docstring_or_strict_flag, is_import_line
from ._planner import Planner

SAFETY = FixSafety.UNSAFE
RATIONALE = "the module runs a definition the tool wrote in place of the removed Airflow function"

_BLANK_LINES = 2  # around a top-level def (PEP 8)


def plan(edit: Edit, planner: Planner) -> None:
    name = edit.fix.name
    found = planner.sole_import_line(edit.location, name)
    if found is None or found[0].names[0].asname is not None:
        raise CannotFix(f"the import of {name} shares its statement, is aliased or is not at module level; "
                        "define the helper by hand")
    line = found[1]
    # In the file's own line endings: a docstring's line break is part of the string's text.
    definition = cst.parse_module(edit.fix.definition.replace("\n", planner.module.default_newline)).body
    if not (len(definition) == 1 and isinstance(definition[0], cst.FunctionDef)
            and definition[0].name.value == name):
        raise CannotFix(f"the definition given is not one function named {name}")
    body = planner.module.body
    if line in body[:_leading_block(body)]:
        planner.remove(line)
        planner.replace(planner.module, ("define", name), lambda module: _define_after_imports(module, definition[0]))
        return
    # After other code: the definition takes the import's place (its comments kept above it).
    placed = _spaced(definition[0].with_changes(leading_lines=line.leading_lines))
    planner.replace(line, ("define", name), lambda node: placed)
    planner.replace(planner.module, ("define", name), lambda module: _space_after(module, placed))


def _leading_block(body: Sequence[cst.BaseStatement]) -> int:
    """How many statements open the module before its code: docstring, imports, and try/if
    blocks of imports only (``try: import x`` / ``except ImportError: x = None`` counts)."""
    count = 0
    for statement in body:
        if not (is_import_line(statement) or docstring_or_strict_flag(statement) or _import_block(statement)):
            break
        count += 1
    return count


def _import_block(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, (cst.Try, cst.If)) or not isinstance(statement.body, cst.IndentedBlock):
        return False
    return all(is_import_line(s) for s in statement.body.body)


def _define_after_imports(module: cst.Module, definition: cst.FunctionDef) -> cst.Module:
    """``module`` with ``definition`` after its leading block, the code below two lines away."""
    body = list(module.body)
    body.insert(_leading_block(body), placed := _spaced(definition))
    return _space_after(module.with_changes(body=body), placed)


def _space_after(module: cst.Module, placed: cst.BaseStatement) -> cst.Module:
    """``module`` with two blank lines between ``placed`` and the statement after it."""
    body = list(module.body)
    at = next((i for i, statement in enumerate(body) if statement is placed), None)
    if at is None or at + 1 == len(body):
        return module
    body[at + 1] = _spaced(body[at + 1])
    return module.with_changes(body=body)


def _spaced(statement: cst.BaseStatement) -> cst.BaseStatement:
    """``statement`` with at least two blank lines above it (comments above it kept)."""
    lines = list(statement.leading_lines)
    blank = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
    if blank >= _BLANK_LINES:
        return statement
    return statement.with_changes(leading_lines=[cst.EmptyLine()] * (_BLANK_LINES - blank) + lines)
