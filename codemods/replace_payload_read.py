"""``payload-read``: read an operator's argument from its own attribute, not from its payload dict.

Params: ``attribute``, the payload dict's attribute (``json``), and ``key``, the argument the
read asks for (``job_clusters``). ``op.json["job_clusters"]`` and ``op.json.get("job_clusters")``
become ``op.job_clusters``; a ``.get`` with a default is refused (the default's meaning when
the argument is None is the user's to keep).

Unsafe: the attribute holds the argument as passed, where the payload held it normalised by
the provider (numbers as strings); and the attribute exists only on the provider releases that
merge the payload in ``execute()``, so the file no longer runs with the older ones (API022).
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._nodes import is_identifier, string_value
from ._planner import Planner

SAFETY = FixSafety.UNSAFE
RATIONALE = ("the attribute holds the argument as passed, not normalised as the payload held it, and "
             "exists only on the provider releases that merge the payload when the task runs")


def _payload_owner(node: cst.CSTNode, attribute: str, key: str) -> cst.BaseExpression | None:
    """The operator expression of ``<owner>.<attribute>[key]`` or ``<owner>.<attribute>.get(key)``."""
    if isinstance(node, cst.Subscript):
        holder, element = node.value, node.slice
        if len(element) != 1 or not isinstance(element[0].slice, cst.Index):
            return None
        index = element[0].slice.value
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
        holder = node.func.value
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return None
        index = node.args[0].value
    else:
        return None
    if isinstance(holder, cst.Attribute) and holder.attr.value == attribute and string_value(index) == key:
        return holder.value
    return None


def plan(edit: Edit, planner: Planner) -> None:
    attribute, key = edit.fix.attribute, edit.fix.key
    if not is_identifier(key):
        raise CannotFix(f"{key!r} is not an attribute name")
    candidates = [n for n in planner.at(edit.location, cst.Subscript, cst.Call)
                  if _payload_owner(n, attribute, key) is not None]
    node = planner.locate(edit.location, candidates, f"a read of {attribute}[{key!r}]")
    planner.replace(node, ("payload-read", key),
                    lambda n: cst.Attribute(value=_payload_owner(n, attribute, key), attr=cst.Name(key)))
