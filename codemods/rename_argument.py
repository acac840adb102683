"""``rename-argument``: rename a keyword argument, or the matching ``default_args`` key.

Params: ``old`` and ``new`` (argument names), e.g. ``schedule_interval`` -> ``schedule``,
``concurrency`` -> ``max_active_tasks``, ``task_concurrency`` -> ``max_active_tis_per_dag``;
optionally ``also``, more names that take the same value (a provider split one argument in
two: SSHOperator's ``timeout`` became ``conn_timeout`` and ``cmd_timeout``, both set from it).
The value is then written once per name, so the rule only asks for ``also`` when the value is
a literal, a name or arithmetic on them.

The argument's value, comments and layout stay as they are; only the name changes. A string key
keeps its quote style. When the call (or dict) already has the new name, the fix is refused:
which of the two values wins is a human decision.

Safe: Airflow declares these as renames of one parameter (its deprecation shims map the old
name to the new one with the same meaning), so the DAG behaves the same.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._helpers import locate_argument, sibling_names
from ._nodes import is_identifier, with_string_value
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = "Airflow renamed the parameter; the value keeps its meaning under the new name"


def plan(edit: Edit, planner: Planner) -> None:
    old, new, also = edit.fix.old, edit.fix.new, tuple(edit.fix.also)
    invalid = [name for name in (new, *also) if not is_identifier(name)]
    if invalid:
        raise CannotFix(f"{invalid[0]!r} is not an argument name")
    node = locate_argument(planner, edit, old)
    if also:
        if not isinstance(node, cst.Arg):
            raise CannotFix("an argument split in two is only rewritten in a call")
        taken = sibling_names(planner, node) & {new, *also}
        if taken:
            raise CannotFix(f"{', '.join(sorted(taken))} already set; keep one by hand")
        planner.replace(node, ("keyword", (new, *also)), lambda n: _split(n, (new, *also)))
        return
    rename_argument(planner, node, new)


def rename_argument(planner: Planner, node: cst.Arg | cst.DictElement, new: str) -> None:
    if new in sibling_names(planner, node):
        raise CannotFix(f"both the old argument and {new!r} are set; keep one by hand")
    if isinstance(node, cst.Arg):
        planner.replace(node, ("keyword", new), lambda n: n.with_changes(keyword=cst.Name(new)))
    else:
        planner.replace(node, ("keyword", new),
                        lambda n: n.with_changes(key=with_string_value(n.key, new)))


def _split(argument: cst.Arg, names: tuple[str, ...]) -> cst.FlattenSentinel:
    """``old=v`` -> ``a=v, b=v``; the last copy keeps the original's comma (trailing or not)."""
    between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    copies = [argument.with_changes(keyword=cst.Name(name), comma=between) for name in names]
    copies[-1] = copies[-1].with_changes(comma=argument.comma)
    return cst.FlattenSentinel(copies)
