"""What the shipped code needs: the modules it imports and the files it names, which ship even
when an .airflowignore matches them, and the generated .airflowignore that keeps modules that
are not DAG files out of the DAG processor."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from migrator.analysis.python import ModuleFacts
from migrator.bundle.model import Source

if TYPE_CHECKING:
    from migrator.project import ModuleSummary


# A word, with the "/" after it when there is one: one pass finds the words and the folder
# names written before a "/" (``([\w.\-]+)/`` on its own retries every word from each letter).
_WORD_AND_SLASH = re.compile(r"[\w.\-]+/?")
_QUOTED = re.compile(r"""["']([\w.\-]+)["']""")


def module_name(dest: str) -> str:
    """``a/b/c.py`` -> ``a.b.c``, ``a/b/__init__.py`` -> ``a.b`` (string operations, not
    PurePosixPath: it runs twice for every module of the project)."""
    folder, _, name = dest.rpartition("/")
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:  # PurePosixPath's suffix: not a leading or trailing dot
        name = name[:dot]
    parts = folder.split("/") if folder else []
    if name != "__init__":
        parts.append(name)
    return ".".join(parts)


@dataclass
class Needs:
    """Resolves what kept modules import or name, across dags/ and the plugins zip root."""

    root: Path
    summaries: dict[str, ModuleSummary]  # by project path
    sources: list[Source]
    module_index: dict[str, Source] = field(default_factory=dict)
    imported_by: dict[str, str] = field(default_factory=dict)  # src -> first importer's src
    # Kept modules are read only when a question needs their words (most projects ask none);
    # the bytes are kept for the copy into the bundle, so no file is read twice.
    _unread: list[Source] = field(default_factory=list)
    _contents: dict[str, bytes] = field(default_factory=dict)  # src -> bytes, in reading order
    _words: set[str] = field(default_factory=set)  # file names and words in kept modules
    _folder_words: set[str] = field(default_factory=set)  # names written before a "/", quoted
    _texts: dict[str, str] = field(default_factory=dict)  # decoded when a message needs them
    _lines_seen: set[bytes] = field(default_factory=set)
    _local_tops: set[str] = field(default_factory=set)  # first parts of the module_index names

    def __post_init__(self) -> None:
        for source in self.sources:
            if source.is_python:
                self.module_index.setdefault(module_name(source.dest), source)
        self._local_tops = {name.split(".", 1)[0] for name in self.module_index}

    @property
    def top_names(self) -> set[str]:
        """Top-level module names of dags/ and the plugins.zip root: what MWAA's sys.path finds."""
        return self._local_tops

    def imports_of(self, source: Source) -> tuple[str, ...]:
        summary = self.summaries.get(source.src)
        if summary is not None and summary.problem is None:
            return summary.imports
        module = ModuleFacts.from_file(self.root, self.root / source.src, module_name(source.dest))
        return tuple(sorted({i.qualname for i in module.imports}))

    def read_words(self, source: Source) -> None:
        self._unread.append(source)

    def _read(self) -> None:
        lines: set[bytes] = set()
        while self._unread:
            source = self._unread.pop()
            try:
                data = (self.root / source.src).read_bytes()
            except OSError:
                continue
            self._contents[source.src] = data
            lines.update(data.splitlines())
        # Modules repeat lines (imports, default_args, task boilerplate) and no word spans a
        # line, so only lines not seen before are searched. A UTF-8 sequence holds no line
        # break byte, so decoding line by line gives the same characters as decoding the file.
        lines -= self._lines_seen
        if not lines:
            return
        self._lines_seen |= lines
        fresh = b"\n".join(lines).decode("utf-8", errors="replace")
        tokens = set(_WORD_AND_SLASH.findall(fresh))
        folders = {token[:-1] for token in tokens if token[-1] == "/"}
        self._words.update(token for token in tokens if token[-1] != "/")
        self._words |= folders
        self._folder_words |= folders
        self._folder_words.update(_QUOTED.findall(fresh))

    def content(self, source: Source) -> bytes:
        """The bytes of ``source``: those read for its words, else read now (OSError passes)."""
        data = self._contents.get(source.src)
        return data if data is not None else (self.root / source.src).read_bytes()

    @property
    def words(self) -> set[str]:
        self._read()
        return self._words

    @property
    def folder_words(self) -> set[str]:
        self._read()
        return self._folder_words

    @property
    def texts(self) -> dict[str, str]:
        """Text of every module read for its words, in reading order."""
        self._read()
        for src in list(self._contents)[len(self._texts):]:
            # As Path.read_text reads it: universal newlines.
            text = self._contents[src].decode("utf-8", errors="replace")
            self._texts[src] = text.replace("\r\n", "\n").replace("\r", "\n")
        return self._texts

    def local_targets(self, qualname: str) -> list[str]:
        """Module names of local files an import of ``qualname`` executes (packages too)."""
        parts = qualname.split(".")
        if parts[0] not in self._local_tops:  # most imports are airflow, pendulum, ...
            return []
        return [".".join(parts[:n]) for n in range(1, len(parts) + 1)
                if ".".join(parts[:n]) in self.module_index]

    def mentions(self, source: Source, folder_level: bool) -> bool:
        """Whether kept code names this file (its name, or, for data files, its folder)."""
        path = PurePosixPath(source.dest)
        if path.name in self.words or source.dest in self.words:
            return True
        return folder_level and any(part in self.folder_words for part in path.parts[:-1])


def resolve_needs(root: Path, sources: list[Source], summaries: dict[str, ModuleSummary]
                  ) -> tuple[list[Source], list[tuple[Source, str]], Needs]:
    """Split ``sources`` into shipped files and files .airflowignore drops.

    A file an .airflowignore matches is still shipped when a shipped module imports it, or
    names it (a SQL template, a script a task runs): .airflowignore says what the DAG processor
    should not parse, not what may be missing at run time. Returns (shipped, dropped with the
    reason, the resolver).
    """
    needs = Needs(root, summaries, sources)
    shipped = {s.src: s for s in sources if s.ignored_by is None}
    pending = {s.src: s for s in sources if s.ignored_by is not None}
    queue = [s for s in shipped.values() if s.is_python]
    for source in queue:
        needs.read_words(source)
    while True:
        while queue:
            source = queue.pop()
            for qualname in needs.imports_of(source):
                for name in needs.local_targets(qualname):
                    target = needs.module_index[name]
                    needs.imported_by.setdefault(target.src, source.src)
                    if target.src in pending:
                        shipped[target.src] = pending.pop(target.src)
                        needs.read_words(target)
                        queue.append(target)
        # Files named by kept code; Python files only by exact name (a helper a task runs).
        named = [s for s in pending.values()
                 if needs.mentions(s, folder_level=not s.is_python)] if pending else []
        if not named:
            break
        for source in named:
            shipped[source.src] = pending.pop(source.src)
            if source.is_python:
                needs.read_words(source)
                queue.append(source)
    dropped = [(s, f".airflowignore ({s.ignored_by.describe()}); no DAG imports or names it")
               for s in pending.values() if s.ignored_by is not None]
    return sorted(shipped.values(), key=lambda s: (s.dest, s.src)), dropped, needs


def parse_candidates(sources: Iterable[Source]) -> list[str]:
    return [s.dest for s in sources if s.dest.endswith((".py", ".zip"))]


def airflowignore_paths(shipped: list[Source], not_dags: set[str]) -> list[str]:
    """Paths (relative to dags/) for the generated .airflowignore.

    ``not_dags``: dest paths the DAG processor should skip. A folder whose every parseable file
    is skipped is listed once instead of file by file.
    """
    candidates = set(parse_candidates(shipped))
    skip = candidates & not_dags
    keep = candidates - skip
    folders_with_dags = {folder for dest in keep for folder in _folders_of(dest)}
    result: set[str] = set()
    for dest in sorted(skip):
        top = next((f for f in _folders_of(dest) if f not in folders_with_dags), None)
        result.add(f"{top}/" if top else dest)
    return sorted(result)


def _folders_of(dest: str) -> list[str]:
    """The folders holding ``dest``, outermost first: ``a/b/c.py`` -> ``a``, ``a/b``."""
    parts = dest.split("/")[:-1]
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


def why_needed(source: Source, needs: Needs) -> str:
    importer = needs.imported_by.get(source.src)
    if importer:
        return f"{importer} imports it"
    return "a shipped module names it"


def not_dag_files(shipped: list[Source], summaries: dict[str, ModuleSummary],
                  needs: Needs) -> set[str]:
    """Dest paths of shipped Python files the DAG processor should skip: files .airflowignore
    matched (kept only because a DAG needs them) and modules other modules import that define
    no DAG. A file that defines no DAG but nobody imports stays parseable: it may build DAGs in
    ways static analysis cannot see."""
    skip = set()
    for source in shipped:
        if not source.is_python:
            continue
        if source.ignored_by is not None:
            skip.add(source.dest)
            continue
        summary = summaries.get(source.src)
        if (summary is not None and summary.problem is None and summary.dag_count == 0
                and source.src in needs.imported_by):
            skip.add(source.dest)
    return skip
