"""``remove-decorator``: drop a decorator the target no longer has, e.g. ``@apply_defaults``.

Params: ``name``, the decorator's name or dotted path (its last part is matched against the
decorator at the finding's location).

Other decorators keep their order; comment lines written between decorators move to what
follows. The decorator's import is removed once nothing else uses it.

Safe: since Airflow 2.0 ``BaseOperator``'s metaclass applies default arguments itself and
``apply_defaults`` only warns; removing it changes nothing at runtime.
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

from migrator.findings import FixSafety

from ._core import Edit
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "the decorator is a no-op on the target (its work moved into the base class)"


def plan(edit: Edit, planner: Planner) -> None:
    name = edit.fix.name
    wanted = name.rpartition(".")[2]

    def named(decorator: cst.Decorator) -> bool:
        expression = decorator.decorator
        if isinstance(expression, cst.Call):
            expression = expression.func
        full = get_full_name_for_node(expression) or ""
        return full.rpartition(".")[2] == wanted

    decorator = planner.locate(edit.location, [d for d in planner.at(edit.location, cst.Decorator) if named(d)],
                               f"decorator @{wanted}")
    planner.remove(decorator)
    expression = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
    planner.forget_binding_of(expression)
