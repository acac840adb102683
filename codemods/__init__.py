"""LibCST codemods used by ``migrator fix``; installed as ``migrator.codemods``.

One module per fix kind (the kind's ``Fix`` dataclass is in ``migrator.fixes``, which a scan
imports without LibCST). Each declares ``SAFETY`` (whether its change can be applied without a
human reading it) with ``RATIONALE`` (why), and ``plan(edit, planner)``, which locates the
finding's node and stages its change; the fix's type picks the module (``CODEMODS``).
``apply_edits`` runs every edit of one file in a single LibCST pass (see ``_pass``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

import libcst as cst

from migrator import fixes
from migrator.findings import Fix, FixSafety

from . import (
    append_base,
    days_ago,
    define_removed_helper,
    docker_to_ecs,
    drop_dag_from_chain,
    end_init_chain,
    guard_removed_import,
    pod_to_ecs,
    pod_to_eks,
    remove_argument,
    remove_decorator,
    remove_unused_import,
    rename_argument,
    replace_class,
    replace_context_key,
    replace_import,
    replace_kubernetes_object,
    replace_payload_read,
    replace_value,
    subdag_to_taskgroup,
)
from ._bindings import ModuleBindings
from ._core import CannotFix, Edit, NeedWholeModule
from ._layout import lines_with_ends
from ._pass import FixCommand

CODEMODS: dict[type[Fix], ModuleType] = {
    fixes.ReplaceImport: replace_import,
    fixes.ReplaceClass: replace_class,
    fixes.ReplaceKubernetesObject: replace_kubernetes_object,
    fixes.RenameArgument: rename_argument,
    fixes.RemoveArgument: remove_argument,
    fixes.DaysAgo: days_ago,
    fixes.ReplaceContextKey: replace_context_key,
    fixes.RemoveDecorator: remove_decorator,
    fixes.ReplaceValue: replace_value,
    fixes.SubdagToTaskgroup: subdag_to_taskgroup,
    fixes.DropDagFromChain: drop_dag_from_chain,
    fixes.GuardRemovedImport: guard_removed_import,
    fixes.DefineRemovedHelper: define_removed_helper,
    fixes.AppendBase: append_base,
    fixes.EndInitChain: end_init_chain,
    fixes.RemoveUnusedImport: remove_unused_import,
    fixes.ReplacePayloadRead: replace_payload_read,
    fixes.DockerToEcs: docker_to_ecs,
    fixes.PodToEcs: pod_to_ecs,
    fixes.PodToEks: pod_to_eks,
}
# The fix types by the kind reports name them by.
FIX_TYPES: dict[str, type[Fix]] = {fix_type.kind: fix_type for fix_type in CODEMODS}
# Import rewrites are planned first: later edits then see the bindings they create and reuse
# them instead of importing the same object twice.
_PLAN_ORDER = {fix_type: index for index, fix_type in enumerate(CODEMODS)}


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
    census = ModuleBindings.of(text)
    cut = _prefix_end(census, edits) if census is not None else None
    if cut is not None:
        try:
            return _apply(text, edits, census, cut)
        except NeedWholeModule:
            pass  # an edit asked about code past the prefix: parse it all
    return _apply(text, edits, census, None)


# Stands in for the part of the file after a cut: it keeps the comments above that part, and
# whatever a fix puts there (a blank line under new imports), in the parsed top of the file.
_REST_OF_FILE = "__migrator_rest_of_file__\n"


def _apply(text: str, edits: Sequence[Edit], census: ModuleBindings | None, cut: int | None) -> FileResult:
    parsed, rest = text, None
    if cut is not None:
        lines = lines_with_ends(text)
        parsed, rest = "".join(lines[:cut - 1]) + _REST_OF_FILE, "".join(lines[cut - 1:])
    try:
        module = cst.parse_module(parsed)
    except cst.ParserSyntaxError as exc:
        if rest is not None:
            raise NeedWholeModule from exc  # the verdict is the whole file's to give
        reason = f"LibCST cannot parse the file: {str(exc).splitlines()[0]}"
        return FileResult(text, refused={edit.key: reason for edit in edits})
    command = FixCommand(text, edits, {k: m.plan for k, m in CODEMODS.items()},
                         order=lambda e: (_PLAN_ORDER.get(type(e.fix), len(_PLAN_ORDER)),
                                          e.location.line, e.location.column),
                         census=census, rest=rest, cut=cut)
    new_module = _without_new_leading_blank_lines(module, command.transform_module(module))
    new_text = command.code(new_module, parsed)
    if rest is not None:
        if not new_text.endswith(_REST_OF_FILE):
            raise NeedWholeModule
        new_text = new_text[:-len(_REST_OF_FILE)] + rest
    return FileResult(new_text, set(command.staged), dict(command.refused))


def _prefix_end(census: ModuleBindings, edits: Sequence[Edit]) -> int | None:
    """The first line of the part of the file the edits leave alone, or None for the whole file.

    LibCST's parse is most of a fix that rewrites a few imports at the top of a long file, so
    only the top-level statements up to the last edit and the leading imports are parsed; a
    placeholder statement stands in for the rest, which is copied as it is. Only when no
    top-level import is in the rest: what the fix learns from the module's imports is then
    whole (an edit that needs more raises ``NeedWholeModule``).
    """
    starts = [line for line, _ in census.statements]
    last_edit_line = max(edit.location.end_line for edit in edits)
    touched = max((i for i, line in enumerate(starts) if line <= last_edit_line), default=0)
    leading_imports_end = 1 if census.statements and not census.statements[0][1] else 0
    while leading_imports_end < len(starts) and census.statements[leading_imports_end][1]:
        leading_imports_end += 1
    first_left_out = max(touched + 1, leading_imports_end)
    if (first_left_out >= len(starts) or _REST_OF_FILE.strip() in census.names
            or any(is_import for _, is_import in census.statements[first_left_out:])):
        return None
    return starts[first_left_out]


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


def is_aws_native(fix_type: type[Fix] | None) -> bool:
    """Whether the fix type is an AWS-native rewrite (``migrate --aws-native`` applies it)."""
    return getattr(CODEMODS.get(fix_type), "AWS_NATIVE", False)


def safety_of(fix_type: type[Fix]) -> FixSafety | None:
    """The codemod's own safety for a fix type, or None when no codemod handles it."""
    module = CODEMODS.get(fix_type)
    return module.SAFETY if module is not None else None


__all__ = ["CODEMODS", "FIX_TYPES", "CannotFix", "Edit", "FileResult", "apply_edits", "is_aws_native", "safety_of"]
