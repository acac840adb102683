"""LibCST codemods used by ``migrator fix``; installed as ``migrator.codemods``.

One module per fix kind (the ``kind`` in a finding's ``Fix`` data). Each declares ``KIND``,
``SAFETY`` (whether its change can be applied without a human reading it) with ``RATIONALE``
(why), and ``plan(edit, planner)``, which locates the finding's node and stages its change.
``apply_edits`` runs every edit of one file in a single LibCST pass (see ``_core``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

import libcst as cst

from . import (
    remove_argument,
    remove_decorator,
    rename_argument,
    replace_call,
    replace_class,
    replace_context_key,
    replace_import,
)
from ._core import CannotFix, Edit, FixCommand

CODEMODS: dict[str, ModuleType] = {
    module.KIND: module
    for module in (replace_import, replace_class, rename_argument, remove_argument, replace_call,
                   replace_context_key, remove_decorator)
}
# Import rewrites are planned first: later edits then see the bindings they create and reuse
# them instead of importing the same object twice.
_PLAN_ORDER = {kind: index for index, kind in enumerate(CODEMODS)}


@dataclass
class FileResult:
    """The outcome of one file's pass: its new text, and what happened to each edit."""

    text: str
    applied: set[Hashable] = field(default_factory=set)
    refused: dict[Hashable, str] = field(default_factory=dict)  # edit key -> why not

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def apply_edits(text: str, edits: Sequence[Edit]) -> FileResult:
    """Apply every edit to one module's source in one LibCST pass; formatting is preserved.

    An edit that cannot be applied where it points is refused with a reason, and the others
    still apply. A module LibCST cannot parse refuses every edit.
    """
    if not edits:
        return FileResult(text)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        reason = f"LibCST cannot parse the file: {str(exc).splitlines()[0]}"
        return FileResult(text, refused={edit.key: reason for edit in edits})
    command = FixCommand(text, edits, {k: m.plan for k, m in CODEMODS.items()},
                         order=lambda e: (_PLAN_ORDER.get(e.kind, len(_PLAN_ORDER)),
                                          e.location.line, e.location.column))
    new_module = _without_new_leading_blank_lines(module, command.transform_module(module))
    return FileResult(command.code(new_module), set(command.staged), dict(command.refused))


def _without_new_leading_blank_lines(original: cst.Module, new: cst.Module) -> cst.Module:
    """Removing a file's first import must not leave the file starting with blank lines."""
    if original.header or not original.body or not new.body or new.header:
        return new
    if original.body[0].leading_lines:
        return new
    first = new.body[0]
    lines = list(first.leading_lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    if len(lines) == len(first.leading_lines):
        return new
    return new.with_changes(body=[first.with_changes(leading_lines=lines), *new.body[1:]])


def safety_of(kind: str):
    """The codemod's own safety for a fix kind, or None when no codemod handles it."""
    module = CODEMODS.get(kind)
    return module.SAFETY if module is not None else None


__all__ = ["CODEMODS", "CannotFix", "Edit", "FileResult", "apply_edits", "safety_of"]
