"""Template and script files in the DAG folders (``.sql``, ``.sh``, ...), read once per scan.

Operators render these files as Jinja templates (``sql="sql/x.sql"``, a ``bash_command`` ending
in ``.sh``) and run them on the worker, so they carry the same context keys, programs and paths
as the Python that references them. They are read regardless of ``.airflowignore``: that file
stops the DAG processor from parsing them as DAGs, not tasks from rendering them.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

from migrator.analysis.source import SourceText, read_text

TEMPLATE_SUFFIXES = frozenset({".sql", ".hql", ".sh", ".bash", ".j2", ".jinja", ".jinja2", ".tpl",
                               ".cql", ".ddl", ".dml"})
SCRIPT_SUFFIXES = frozenset({".sh", ".bash"})
# A script's file name as code or another script names it (bash_command="scripts/load.sh {{ ds }}").
# Starts only where a name starts, so a long run of name characters is read once, not from
# each of its positions.
SCRIPT_NAME = re.compile(r"(?<![\w.-])[\w.-]+\.(?:sh|bash)\b")
# A template this large is generated data, not something a task renders.
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
_NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class TemplateFile:
    path: str  # POSIX, relative to the project root
    text: str

    @property
    def is_script(self) -> bool:
        return PurePosixPath(self.path).suffix in SCRIPT_SUFFIXES

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0, *(match.end() for match in _NEWLINE.finditer(self.text))]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset (a lookup: a template with thousands
        of findings is not rescanned from its start for each)."""
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


def template_files(root: Path, dag_folders: list[str] | tuple[str, ...]) -> list[TemplateFile]:
    """Every template or script file under the DAG folders, sorted by path."""
    found: dict[str, TemplateFile] = {}
    for folder in dag_folders:
        base = root / folder
        if not base.is_dir():
            continue
        for directory, subdirectories, files in os.walk(base, followlinks=False):
            subdirectories[:] = sorted(d for d in subdirectories
                                       if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                full = Path(directory) / name
                if full.suffix not in TEMPLATE_SUFFIXES or full.is_symlink():
                    continue
                try:
                    if full.stat().st_size > MAX_TEMPLATE_BYTES:
                        continue
                except OSError:
                    continue
                rel = full.relative_to(root).as_posix()
                source = read_text(full)
                if isinstance(source, SourceText) and rel not in found:
                    found[rel] = TemplateFile(rel, source.text.replace("\r\n", "\n").replace("\r", "\n"))
    return [found[key] for key in sorted(found)]


def scripts_run(scripts: list[TemplateFile], named_by_code: set[str]) -> list[TemplateFile]:
    """The scripts a task can run: named (by file name) in the DAG or plugin code, or in a
    script so named. The others (a DDL set-up step, a server's cron job) never run on a worker."""
    named, run, left = set(named_by_code), [], list(scripts)
    while True:
        found = [s for s in left if s.name in named]
        if not found:
            return sorted(run, key=lambda s: s.path)
        run += found
        left = [s for s in left if s not in found]
        named.update(n for s in found for n in SCRIPT_NAME.findall(s.text))
