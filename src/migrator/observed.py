"""What a scan's project stage (discovery, the index, the project rules, the inventory) read of
each Python file, so that a later run can tell whether the stage would see the same again and
take its results from the last run (``migrator.project_memo.ProjectMemo``).

The stage reads a Python file in one of three ways: whole (``source.read_bytes``, or the bytes
of :class:`ObservedTexts` a pass looks at itself: any byte may matter, a comment's included);
through a per-file fact (``cache.FileFacts``: only the fact matters, and an edit that leaves it
equal changes nothing the stage sees); or as a cheap answer a pass computed itself
(:func:`read_answer`, :func:`holds_any`). All are recorded where the reading happens, so an
analysis is covered without declaring its inputs: one that reads a file whole makes any edit of
that file rerun the stage, which is safe, only slower. Other files than regular ``.py`` ones
are not recorded: the memo's key holds the stat of each (``cache.TreeState.python_apart``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

# What ``FileFacts`` needs to derive a fact again from a file's new content and compare: the
# analysis and its inputs (its key), and the computation.
FactReads = dict[tuple[str, tuple[str, ...]], Callable[[bytes], Any]]


@dataclass
class Observations:
    """The Python files under ``root`` read whole, and the facts derived from each."""

    root: str  # as the run names it (paths read are built on it)
    whole: set[str] = field(default_factory=set)
    facts: dict[str, FactReads] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # the content each file's facts came from
    # What a pass computed from a file itself, cheaply (no FileFacts): the computation and answer.
    answers: dict[str, dict[Callable[[bytes], Any], Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._prefix = os.path.join(self.root, "")
        self._absolute_root = os.path.abspath(self.root)

    def rel(self, path: str | os.PathLike[str]) -> str | None:
        """``path`` relative to the root, when it names a Python file below it."""
        text = os.fspath(path)
        if not text.endswith(".py"):
            return None
        if text.startswith(self._prefix) and "/." not in text and "\\" not in text:  # as built on the root
            return text[len(self._prefix):]
        rel = os.path.relpath(os.path.abspath(text), self._absolute_root)
        return None if rel.startswith("..") else rel.replace(os.sep, "/")

    def answer(self, rel: str, compute: Callable[[bytes], Any], answer: Any) -> None:
        self.answers.setdefault(rel, {})[compute] = answer

    def recorded(self) -> bool:
        """Whether anything was read while observed."""
        return bool(self.whole or self.facts or self.answers)


_current: ContextVar[Observations | None] = ContextVar("observations", default=None)


@contextmanager
def observing(observations: Observations | None) -> Iterator[Observations | None]:
    """Record into ``observations`` what the code run inside reads (nothing when None)."""
    token = _current.set(observations)
    try:
        yield observations
    finally:
        _current.reset(token)


def read_whole(path: str | os.PathLike[str]) -> None:
    observations = _current.get()
    if observations is not None and (rel := observations.rel(path)) is not None:
        observations.whole.add(rel)


def read_fact(analysis: str, rel: str, inputs: tuple[str, ...], digest: str,
              compute: Callable[[bytes], Any]) -> None:
    """Record that the fact ``analysis`` (of ``inputs``) was derived from ``rel``'s content of
    ``digest``. Facts of one file derived from two contents (edited while read): read whole."""
    observations = _current.get()
    if observations is not None and rel.endswith(".py"):
        if observations.digests.setdefault(rel, digest) != digest:
            observations.whole.add(rel)
        observations.facts.setdefault(rel, {})[(analysis, inputs)] = compute


def for_facts(texts: Mapping[str, bytes]) -> Mapping[str, bytes]:
    """The bytes of ``texts`` unrecorded, for a caller that hands them to ``FileFacts`` alone
    (which records the facts it derives)."""
    return texts.files if isinstance(texts, ObservedTexts) else texts


def read_answer(path: str | os.PathLike[str], compute: Callable[[bytes], Any], answer: Any) -> None:
    """Record that ``answer``, ``compute`` of the file's bytes, is all the caller took of it
    (a cheap look, such as whether it names a word): a later run compares what ``compute``
    makes of its new bytes. ``compute`` must pickle: a module function, or a ``partial`` of one."""
    observations = _current.get()
    if observations is not None and (rel := observations.rel(path)) is not None:
        observations.answer(rel, compute, answer)


def record_answer(rel: str, compute: Callable[[bytes], Any], answer: Any) -> None:
    """:func:`read_answer` of the project file ``rel`` (a path relative to the root)."""
    observations = _current.get()
    if observations is not None:
        observations.answer(rel, compute, answer)


def holds_any(texts: Mapping[str, bytes], rel: str, words: tuple[bytes, ...]) -> bool:
    """Whether the bytes of ``rel`` (in ``texts``) hold one of ``words``: how a pass picks the
    files to parse, recorded as this answer (:func:`read_answer`)."""
    compute = _holding_any(words)
    answer = compute(for_facts(texts)[rel])
    if isinstance(texts, ObservedTexts):
        record_answer(rel, compute, answer)
    return answer


@lru_cache(maxsize=64)
def _holding_any(words: tuple[bytes, ...]) -> Callable[[bytes], bool]:
    # One object per words: the memo keeps it once, however many files it was asked of.
    return partial(_holds_any, words)


def _holds_any(words: tuple[bytes, ...], data: bytes) -> bool:
    return any(word in data for word in words)


class ObservedTexts(Mapping[str, bytes]):
    """Python files' bytes by path, for passes that hand them to ``FileFacts`` (which reads
    :attr:`files` and records the facts it derives) and may look at some themselves: a file
    whose bytes are taken from here is recorded as read whole. Its paths are not."""

    def __init__(self, files: dict[str, bytes], root: str | os.PathLike[str]) -> None:
        self.files = files
        self.root = root

    def __getitem__(self, rel: str) -> bytes:
        data = self.files[rel]
        read_whole(os.path.join(self.root, rel))
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def __contains__(self, rel: object) -> bool:
        return rel in self.files
