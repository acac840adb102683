"""A requirements file as logical lines (a requirement with its backslash-continued lines), so a
fix can rewrite one requirement whole: its pin, its ``--hash`` options, its comment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

COMMENT = re.compile(r"(^|(?<!\s)\s+)#.*$")  # (?<!\s): tried once per run of spaces, not per space
HASH = re.compile(r"(?:^|\s)--hash[= ]\S+")  # a --hash option, with the space before it


@dataclass(frozen=True)
class Block:
    """One logical line: physical lines ``start`` .. ``end`` (inclusive) of the file."""

    start: int
    end: int
    lines: tuple[str, ...]

    @property
    def logical(self) -> str:
        parts = [line.rstrip()[:-1] if line.rstrip().endswith("\\") else line for line in self.lines]
        return " ".join(p.strip() for p in parts)


def logical_blocks(lines: list[str]) -> Iterator[Block]:
    index = 0
    while index < len(lines):
        start = index
        while index < len(lines) and lines[index].rstrip().endswith("\\") and not lines[index].lstrip().startswith("#"):
            index += 1
        end = min(index, len(lines) - 1)
        yield Block(start, end, tuple(lines[start:end + 1]))
        index = end + 1


def rewrite_pin(block: Block, version: str) -> str:
    """The requirement of ``block`` pinned at ``version``, keeping extras, marker and comment."""
    text = block.logical
    comment = ""
    match = COMMENT.search(text)
    if match:
        comment = text[match.start():]
        text = text[:match.start()]
    text = HASH.sub("", text).strip()  # hashes of the old version no longer apply
    body, _, marker = text.partition(";")
    try:
        requirement = Requirement(body.strip())
    except InvalidRequirement:
        return "\n".join(block.lines)
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    rebuilt = f"{requirement.name}{extras}=={version}"
    if marker.strip():
        rebuilt += f"; {marker.strip()}"
    return rebuilt + comment


def without_hashes(lines: list[str]) -> list[str]:
    """``lines`` with every ``--hash`` option taken out. A file with hashes puts pip in
    hash-checking mode, where every package installed needs one: once a line is dropped,
    re-pinned or added, the hashes left can only make the install fail."""
    if not any(HASH.search(line) for line in lines):
        return lines
    kept: list[str] = []
    for block in logical_blocks(lines):
        if not any(HASH.search(line) for line in block.lines):
            kept.extend(block.lines)
            continue
        text = block.logical
        comment = COMMENT.search(text)
        body = text[:comment.start()] if comment else text
        kept.append(HASH.sub("", body).rstrip() + (f"  {text[comment.start():].strip()}" if comment else ""))
    return kept
