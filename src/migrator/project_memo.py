"""The project stage's memo: a scan after a few Python files changed takes the project index,
the project rules' findings and the inventory from the last run when that stage would see the
same again.

The stage (discovery, the index's passes, the project rules, the inventory) reads the whole
project, so it reran on any edit: seconds on a large repository after a one-line change. What
it read of each Python file is recorded as it reads (``migrator.observed``): the file whole, a
per-file fact, or a cheap answer. The memo keeps that, with what the stage produced, keyed by
everything else it read (the stat of every other file, every path, the settings, target and
rules). A later run with the same key checks only the Python files whose stat changed: one read
whole has changed; otherwise each fact and answer is derived again from the new content and
compared. The module summaries and crashes the per-file stage produced (all the project rules
read of it) are compared after that stage. Equal everywhere: the stage would compute what it
did, and is not run; the index's reads alone equal: only the rules run. A run that keeps the
stage writes beside it what it changed of it (the edited files' stats and digests:
``StageChanges``), not the whole stage again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from migrator.analysis.source import read_bytes
from migrator.cache import FileFacts, RunMemo, content_digest, fact_key
from migrator.config import Settings
from migrator.findings import Finding
from migrator.observed import FactReads, Observations, observing
from migrator.project import ProjectIndex
from migrator.workspace import Workspace

# The digest recorded of a file the per-file stage could not read.
UNREADABLE = "unreadable"


class FileReads(NamedTuple):
    """What the stage read of one file besides reading it whole."""

    digest: str  # of the content the facts were derived from ("" when none were)
    facts: FactReads
    answers: dict[Callable[[bytes], Any], Any]  # what each computation answered


class ProjectStage(NamedTuple):
    """What the project stage read and produced, kept by :class:`ProjectMemo`. The lists are
    written in parts (``cache.RunMemo``): at 20,000 files, one pickle of the reads would hold
    every object it wrote until the end."""

    python_stats: dict[str, str]  # the stat of every regular .py file when the run began
    whole: frozenset[str]  # the Python files read whole
    reads: list[tuple[str, FileReads]]  # the files read otherwise, by path
    summary_digests: list[tuple[str, str]]  # the content digest of each module summary's file
    workspace: Workspace  # as discovery left it (before the scan adds the helper modules it finds)
    index: ProjectIndex
    findings: list[Finding]  # the project rules', before filtering
    entry_files: list[str]  # the requirements files pip is given (``RequirementsAnalysis.entry_files``)
    inventory: dict[str, Any]  # the scan document's (``migrator.inventory``): of the project alone
    token: str  # names this write of the stage, for the changes kept beside it (StageChanges)


class StageChanges(NamedTuple):
    """What the runs that kept a stage changed of it since it was written whole: the stat, the
    digest of what was read, and the summary's digest of each file edited since. Kept beside
    the stage, for that write of it alone (``token``): a run after an edit writes these few
    entries instead of the whole stage again."""

    token: str
    python_stats: dict[str, str]
    read_digests: dict[str, str]
    summary_digests: dict[str, str]

    def applied(self, stage: ProjectStage) -> ProjectStage:
        reads = [(rel, read._replace(digest=self.read_digests[rel]) if rel in self.read_digests else read)
                 for rel, read in stage.reads]
        return stage._replace(python_stats={**stage.python_stats, **self.python_stats}, reads=reads,
                              summary_digests=[(rel, self.summary_digests.get(rel, digest))
                                               for rel, digest in stage.summary_digests])


# Past this many files changed since the stage was written whole, it is written whole again.
CHANGES_MAX = 2000


class ProjectMemo:
    """One scan's side of the project stage's memo: what the stage reads is recorded
    (:meth:`observing`), the stage kept is checked (:meth:`load`, :meth:`reusable`) and this
    run's is kept (:meth:`save`). ``key_parts``: what the stage read besides Python files
    (``engine.run_inputs`` of ``cache.TreeState.python_apart``); None when the run is not
    remembered, and nothing is recorded, loaded or kept."""

    def __init__(self, root: Path, key_parts: tuple[str, ...] | None, python_stats: dict[str, str]) -> None:
        self.root = root
        self.memo = RunMemo(root, key_parts, kind="project") if key_parts is not None else None
        self.changes = RunMemo(root, key_parts, kind="project-changes") if key_parts is not None else None
        self.observations = Observations(os.fspath(root)) if key_parts is not None else None
        self.python_stats = python_stats
        self.last: ProjectStage | None = None
        self.written: ProjectStage | None = None  # the stage as last written whole
        self.reused = False  # this run's project stage is the one kept (reusable)
        # From the per-file stage: each summary's file digest; of the files analysed afresh,
        # the result and what the scan cache held for them before.
        self.digests: dict[str, str] = {}
        self._fresh: dict[str, Any] = {}
        self._before: dict[str, Any] = {}

    def observing(self) -> AbstractContextManager[Observations | None]:
        return observing(self.observations)

    def load(self, file_facts: FileFacts, settings: Settings) -> tuple[Workspace, ProjectIndex] | None:
        """The kept stage's workspace (as this run names its root and ``settings``, the same)
        and index when every Python file it read is, as far as it read it, unchanged (the
        module summaries are checked later: :meth:`reusable`). The facts of changed files are
        derived from their new content (kept in ``file_facts``)."""
        stage = self.written = self.memo.load() if self.memo is not None else None
        if stage is None:
            return None
        changes = self.changes.load() if self.changes is not None else None
        if changes is not None and changes.token == stage.token:
            stage = changes.applied(stage)
        if set(stage.python_stats) != set(self.python_stats):
            return None
        reads = dict(stage.reads)
        for rel, stat in self.python_stats.items():
            if stage.python_stats[rel] == stat or (rel not in stage.whole and rel not in reads):
                continue
            rechecked = self._recheck(rel, rel in stage.whole, reads.get(rel), file_facts)
            if rechecked is None:
                return None
            reads[rel] = rechecked
        self.last = stage._replace(python_stats=self.python_stats, reads=list(reads.items()))
        file_facts.keep_all()  # the stage kept may check any answer it read again
        return replace(stage.workspace, root=self.root, settings=settings), stage.index

    def _recheck(self, rel: str, whole: bool, reads: FileReads | None, file_facts: FileFacts) -> FileReads | None:
        """What the stage read of ``rel``, now: None when any of it differs, or it was read whole."""
        if whole or reads is None:
            return None
        data = read_bytes(self.root / rel, for_facts=True)
        if not isinstance(data, bytes):
            return None
        digest = content_digest(data)
        if digest == reads.digest:
            return reads  # rewritten as it was
        if any(compute(data) != answer for compute, answer in reads.answers.items()):
            return None
        for (analysis, inputs), compute in reads.facts.items():
            held, before = file_facts.held(fact_key(analysis, rel, inputs), reads.digest)
            if not held or file_facts.of_each(analysis, [(rel, data, compute, inputs)])[rel] != before:
                return None
        return reads._replace(digest=digest if reads.facts else "")

    def analysed(self, rel: str, digest: str | None, result: Any, cached_before: Any) -> None:
        """The per-file stage analysed ``rel`` afresh: ``result`` from content of ``digest``
        (None: unreadable); ``cached_before``, the scan cache's entry for it until then."""
        self.digests[rel] = digest or UNREADABLE
        if self.last is not None:
            self._fresh[rel], self._before[rel] = result, cached_before

    def cached(self, rel: str, digest: str) -> None:
        """The per-file stage took ``rel``'s result, for content of ``digest``, from the scan cache."""
        self.digests[rel] = digest

    def reusable(self) -> ProjectStage | None:
        """The kept stage, when the per-file stage gave the project stage what it gave that one
        (the same module summaries and crashes): its findings are this run's."""
        if self.last is None:
            return None
        kept = dict(self.last.summary_digests)
        if set(self.digests) != set(kept):
            return None
        for rel, digest in self.digests.items():
            if digest == kept[rel]:
                continue
            old = self._before.get(rel)
            if old is None or old[0] != kept[rel] or rel not in self._fresh:
                return None
            (_, old_crashes, old_summary), (_, crashes, summary) = old[1], self._fresh[rel]
            if old_summary != summary or old_crashes != crashes:
                return None
        self.reused = True
        return self.last

    def save(self, workspace: Workspace, index: ProjectIndex, findings: list[Finding], entry_files: list[str],
             inventory: dict[str, Any]) -> None:
        """Keep this run's stage: what was recorded, and what the stage whose workspace and
        index this run took read for them; only what this run changed of it when it kept the
        stage whole (:class:`StageChanges`)."""
        if self.memo is None or self.observations is None:
            return
        changes = self._changes_since_written()
        if changes is not None:
            self.changes.save(changes)
            return
        observations, kept = self.observations, self.last
        whole = set(observations.whole) | (kept.whole if kept is not None else set())
        reads = dict(kept.reads) if kept is not None else {}
        for rel in observations.facts.keys() | observations.answers.keys():
            before = reads.get(rel)
            digest = observations.digests.get(rel, "")
            if before is not None and "" not in (before.digest, digest) and before.digest != digest:
                whole.add(rel)  # the index read one content, the rules another
            reads[rel] = FileReads(digest or (before.digest if before else ""),
                                   {**(before.facts if before else {}), **observations.facts.get(rel, {})},
                                   {**(before.answers if before else {}), **observations.answers.get(rel, {})})
        self.memo.save(ProjectStage(self.python_stats, frozenset(whole), list(reads.items()),
                                    list(self.digests.items()), workspace, index, findings, list(entry_files),
                                    inventory, os.urandom(8).hex()))

    def _changes_since_written(self) -> StageChanges | None:
        """What this run changed of the stage it kept (None: the stage ran, or too much changed
        since it was written whole)."""
        written, stage = self.written, self.last
        if not self.reused or written is None or stage is None or self.observations.recorded():
            return None
        stats = {rel: stat for rel, stat in self.python_stats.items() if written.python_stats[rel] != stat}
        if len(stats) > CHANGES_MAX:
            return None
        before = dict(written.reads)
        read_digests = {rel: read.digest for rel, read in stage.reads if read.digest != before[rel].digest}
        summaries = dict(written.summary_digests)
        return StageChanges(written.token, stats, read_digests,
                            {rel: digest for rel, digest in self.digests.items() if summaries[rel] != digest})
