"""``define-removed-helper``: define in the module a private Airflow helper no release keeps.

Params: ``name``, the helper's name, and ``definition``, Python source defining it (compat's
removed helpers: ``_make_intermediate_dirs`` of 1.10's SFTP operator).

The import statement at the location, which must import that one name, unaliased, at module
level, becomes the definition: every use of the name now calls it.

Unsafe: the module runs code the tool wrote instead of Airflow's; it does what the helper did
(compat says what it keeps), and a human reads it once.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._planner import Planner

SAFETY = FixSafety.UNSAFE
RATIONALE = "the module runs a definition the tool wrote in place of the removed Airflow helper"


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

    def defined(node: cst.CSTNode) -> cst.CSTNode:
        return definition[0].with_changes(leading_lines=node.leading_lines)

    planner.replace(line, ("define", name), defined)
