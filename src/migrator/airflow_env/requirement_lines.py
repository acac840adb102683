"""A requirements file as the lines pip installs one by one: continued lines joined, includes
followed, global options and constraints kept apart, each line labelled with where it came from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from migrator.analysis.source import Problem, decode_text
from migrator.errors import InputError

_PIP_GLOBAL_OPTIONS = re.compile(
    r"^(-i|--index-url|--extra-index-url|--no-index|-f|--find-links|--trusted-host|--prefer-binary"
    r"|--only-binary|--no-binary|--pre)\b")
_PIP_CONSTRAINT = re.compile(r"^(-c|--constraint)(\s+|=)(?P<value>\S+)")
_PIP_INCLUDE = re.compile(r"^(?P<option>-r|--requirement|-e|--editable)(\s+|=)(?P<value>\S+)")


@dataclass
class RequirementLines:
    """A requirements file (with its ``-r`` includes) split into what each pip attempt needs."""

    options: list[str] = field(default_factory=list)  # index/find-links options, kept in every attempt
    items: list[tuple[str, int, str]] = field(default_factory=list)  # (file label, line, requirement)
    notes: list[str] = field(default_factory=list)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line: comments dropped, continuations joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = "" if raw.lstrip().startswith("#") else re.split(r"\s#", raw, maxsplit=1)[0].strip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            yield start, line
    if pending.strip():
        yield start, pending.strip()


def split_requirements(path: Path, label_root: Path | None = None) -> RequirementLines:
    """The requirement lines of ``path`` and of the files it includes with ``-r``.

    ``--constraint`` lines are dropped: verify always installs with the target's constraints, the
    ones MWAA applies, and a URL there may not be reachable from this machine. Items are labelled
    with their file relative to ``label_root`` (default: the file's folder) and line number.
    """
    result = RequirementLines()
    base = (label_root or path.parent).resolve()

    def label(file: Path) -> str:
        try:
            return file.resolve().relative_to(base).as_posix()
        except ValueError:
            return str(file)

    def read(file: Path, stack: tuple[Path, ...]) -> None:
        try:
            source = decode_text(file.read_bytes())
        except OSError as exc:
            raise InputError(f"{file}: cannot read requirements: {exc.strerror or exc}") from None
        if isinstance(source, Problem):
            raise InputError(f"{file}: cannot read requirements: {source.message}")
        text = source.text
        for number, line in _logical_lines(text):
            where = f"{label(file)}:{number}"
            if _PIP_CONSTRAINT.match(line):
                result.notes.append(f"{where}: {line!r} not applied; verify installs with the "
                                    "target's constraints")
            elif _PIP_GLOBAL_OPTIONS.match(line):
                if line not in result.options:
                    result.options.append(line)
            elif match := _PIP_INCLUDE.match(line):
                value = match.group("value")
                if match.group("option") in ("-r", "--requirement"):
                    child = (file.parent / value).resolve()
                    if child in stack:
                        result.notes.append(f"{where}: include cycle through {label(child)} ignored")
                    elif not child.is_file():
                        result.items.append((label(file), number, line))  # pip reports it
                    else:
                        read(child, (*stack, child))
                    continue
                if value.startswith((".", "/")):
                    value = str((file.parent / value).resolve())
                result.items.append((label(file), number, f"{match.group('option')} {value}"))
            else:
                result.items.append((label(file), number, line))

    read(path, (path.resolve(),))
    return result
