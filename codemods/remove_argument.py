"""``remove-argument``: drop a keyword argument, or the matching ``default_args`` key.

Params: ``name``, e.g. ``provide_context`` (Airflow 2 always passes the context; 3.x rejects
the argument).

The surrounding layout survives: the remaining arguments keep their commas, the trailing comma
style of a multi-line call is kept, and comments on other lines stay. A comment on the removed
argument's own line goes with it.

Safe: the fix data only asks for this for arguments the target ignores or rejects outright
(``provide_context=True`` is what Airflow 2 does anyway), so nothing the DAG relied on changes.
"""

from __future__ import annotations

from migrator.findings import FixSafety

from ._core import CannotFix, Edit, Planner, locate_argument

KIND = "remove-argument"
SAFETY = FixSafety.SAFE
RATIONALE = "the target ignores or rejects the argument, and its effect is the target's default"


def plan(edit: Edit, planner: Planner) -> None:
    name = edit.params.get("name")
    if not isinstance(name, str) or not name:
        raise CannotFix("fix data needs the argument 'name'")
    planner.remove(locate_argument(planner, edit, name))
