"""``guard-removed-import``: keep a module importable when a class it only tests against is gone.

Params: ``name``, the local name the import binds (``SubDagOperator``).

The import statement at the location, which must import that one name and nothing else, becomes
``try: <import> / except ImportError: class <name>: ...``: on the target the stand-in class
takes the name, so ``isinstance(task, SubDagOperator)`` stays valid code and is ``False``.

Safe: the rule asks for this only when every use of the name is the class argument of
``isinstance``/``issubclass``. Where the target lacks the class no object can be an instance of
it, so those checks were ``False`` already; where it has the class the import runs as before.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the class is only tested against, and no object can be an instance of a class the target lacks"


def plan(edit: Edit, planner: Planner) -> None:
    name = edit.fix.name
    found = planner.sole_import_line(edit.location, name)
    if found is None:
        raise CannotFix(f"the import of {name} shares its statement or is not at module level; "
                        "guard it by hand")
    statement, line = found
    import_code = planner.code(statement.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)).strip()

    def guarded(node: cst.CSTNode) -> cst.CSTNode:
        block = cst.parse_statement(
            f"try:\n    {import_code}\n"
            f"except ImportError:  # gone on this Airflow: nothing is an instance of it\n"
            f"    class {name}:\n        pass\n")
        return block.with_changes(leading_lines=node.leading_lines)

    planner.replace(line, ("guard", name), guarded)
