"""The operations a pass stages on nodes: what each node gets (``NodeOps``), what one edit
wants before it is accepted (``Staged``), and how tags and per-node shared state compare, copy
and restore when an edit is refused."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from ._core import NodeOp
from ._imports import ImportRequest


@dataclass
class NodeOps:
    tags: list[tuple[Hashable, Hashable]] = field(default_factory=list)  # (edit key, tag)
    ops: list[NodeOp] = field(default_factory=list)
    remove: bool = False


@dataclass
class Staged:
    """What one edit wants to do; merged into the plan only if the whole edit succeeds."""

    ops: list[tuple[cst.CSTNode, Hashable, NodeOp | None]] = field(default_factory=list)
    add_imports: list[ImportRequest] = field(default_factory=list)
    forgets: list[tuple[cst.CSTNode, int]] = field(default_factory=list)  # (import statement, alias)
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> qualname it will bind
    states: dict[tuple[cst.CSTNode, str], Any] = field(default_factory=dict)


REMOVE = "remove"


def names_written(ops: Mapping[cst.CSTNode, NodeOps]) -> set[str]:
    """Names the planned operations write: renamed names, and names in replacement code."""
    names: set[str] = set()
    for entry in ops.values():
        for _, tag in entry.tags:
            if isinstance(tag, tuple) and tag[0] == "rename":
                names.add(str(tag[1]))
            elif isinstance(tag, tuple) and tag[0] == "expr":
                names.update(re.findall(r"(?<![\w.])[A-Za-z_]\w*", str(tag[1])))
    return names


def same_kind(tag_a: Hashable, tag_b: Hashable) -> bool:
    """Tags are (kind, value) tuples; two ops of one kind with different values conflict."""
    return (isinstance(tag_a, tuple) and isinstance(tag_b, tuple) and tag_a[:1] == tag_b[:1]
            and tag_a[0] != "shared")


def copy_state(state: Any) -> Any:
    return state.snapshot() if hasattr(state, "snapshot") else None


def restore_state(state: Any, saved: Any) -> None:
    if hasattr(state, "restore"):
        state.restore(saved)
