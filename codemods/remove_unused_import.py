"""``remove-unused-import``: drop an import of a name the module never uses.

Params: ``name``, the local name the import binds (``apply_defaults``).

The import at the location loses that name (the whole statement when it was the only one). An
import the pass finds still used is kept and the edit refused.

Safe when the rule says so: API002 asks for this only for a name the target's Airflow does not
have and the module never mentions again, so the import could only fail there, and on the
Airflow the project came from it bound a name nothing read.
"""

from __future__ import annotations

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the module never uses the name, and the import fails on the target"


def plan(edit: Edit, planner: Planner) -> None:
    name, statement = planner.named_import(edit.location, edit.fix.name)
    uses = planner.import_references(statement, name)
    if uses is None or uses:
        raise CannotFix(f"the module uses {name}; remove its uses first")
    planner.forget_import(statement, name)
