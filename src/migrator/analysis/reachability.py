"""Which module-level functions of the project nothing can call, and which of its modules
nothing imports.

``quick_unreferenced_functions`` is an index pre-pass over the text of every project file (the
DAG and plugins folders and the helper packages beside them). A function's name that appears
nowhere but in ``def`` lines is called by nothing: no call, import, callback argument,
``getattr`` string or ``__all__`` entry names it. This over-approximates what is reachable (any
mention of the name counts, whatever it refers to), so a function it reports really is dead;
decorated functions are left out, since a decorator can register them (a plugin hook, a
``@dag`` that builds a DAG, a route) without any other mention.

``quick_unimported_modules`` is the same kind of pass for modules: a DAG-folder module whose
name no other project file writes (no import, ``importlib`` string or command line names it)
is imported by nothing; Airflow may parse it, but only its import-time code runs on MWAA (a
CI deploy script beside the DAGs, run by a workflow as ``python dags/x.py``).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial

from migrator.cache import FileFacts
from migrator.observed import for_facts, record_answer

_WORD = re.compile(rb"[A-Za-z_]\w*")
_MODULE_PATHS = re.compile(rb"(?m)^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import\b|import[ \t][^\n]*)")
# A "#" at a line's start or after a blank (the lookbehind first: searched position by position,
# an alternation with "^" costs a third of this pass).
_COMMENT = re.compile(rb"(?m)(?<![^ \t\n])#[^\n]*")
# The next module-level statement after a def: a name, keyword or decorator in column 0 (not
# the ")" closing its parameters).
_TOP_LEVEL_STATEMENT = re.compile(rb"(?m)^[A-Za-z_@]")
_DEF = re.compile(rb"(?m)^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)")
_TOP_LEVEL_DEF = re.compile(rb"(?m)^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)")


@dataclass(frozen=True)
class WordCounts:
    """Distinct words and how often each occurs, held compactly: a run keeps these for every
    project file (to cache them), and as a ``Counter`` each file's took ~8 KB, 160 MB at 20,000
    files."""

    text: bytes  # b"\n" + the distinct words, sorted, each followed by b"\n"
    counts: array  # of each word, in the same order

    @classmethod
    def of(cls, words: Iterable[bytes]) -> WordCounts:
        counted = sorted(Counter(words).items())
        return cls(b"\n" + b"".join(word + b"\n" for word, _ in counted), array("I", [n for _, n in counted]))

    def __contains__(self, word: bytes) -> bool:
        return b"\n" + word + b"\n" in self.text

    def as_dict(self) -> dict[bytes, int]:
        return dict(zip(self.text.split(), self.counts))


@dataclass(frozen=True)
class TextFacts:
    """One file's words for the project-wide mention count (module paths and comments left out)."""

    mentions: WordCounts  # every identifier written, how often
    definitions: WordCounts  # names of every def, at any depth
    candidates: tuple[tuple[bytes, int], ...]  # undecorated module-level defs, and how often each body names itself


@lru_cache(maxsize=4)  # the memo's check of an edited file asks several passes' answers of the same bytes
def text_facts(data: bytes) -> TextFacts:
    # A module path names modules (``from pkg.build_task import run`` is no mention of a
    # build_task function; the names imported from it stay); a comment calls nothing.
    text = _COMMENT.sub(b"", _MODULE_PATHS.sub(b"", data))
    candidates = []
    for match in _TOP_LEVEL_DEF.finditer(text):
        name = match.group(1)
        if _line_before(text, match.start()).lstrip().startswith(b"@"):
            continue
        # The function naming itself (recursion, ``f.__name__``) does not call it from outside.
        body_end = _TOP_LEVEL_STATEMENT.search(text, match.end())
        candidates.append((name, _WORD.findall(text, match.end(), body_end.start() if body_end else len(text))
                           .count(name)))
    return TextFacts(WordCounts.of(_WORD.findall(text)), WordCounts.of(_DEF.findall(text)), tuple(candidates))


def _line_before(text: bytes, start: int) -> bytes:
    """The last line before the line at ``start`` that is not blank (a decorator, if it starts
    with "@"), or b"" when there is none."""
    end = start - 1  # the newline ending the line before
    while end >= 0:
        begin = text.rfind(b"\n", 0, end) + 1
        if text[begin:end].strip(b" \t"):
            return text[begin:end]
        end = begin - 1
    return b""


def project_text_facts(texts: Mapping[str, bytes], file_facts: FileFacts) -> dict[str, TextFacts]:
    """Each of ``texts``'s files' :class:`TextFacts` (the project's Python files,
    ``project_python_bytes``), kept in ``file_facts`` by content: asked once per run, read by
    two passes (this module's and the container constants'). Almost any edit changes a file's
    words, so what each pass takes of them is recorded instead (``observed.record_answer``)."""
    return file_facts.of_files("text_facts", texts, text_facts, observed=False)


def quick_unreferenced_functions(workspace, facts: dict[str, TextFacts]) -> frozenset[str]:
    """Dotted names (``module.function``) of the module-level, undecorated functions whose name
    the project mentions only where it defines them. ``facts``: :func:`project_text_facts`."""
    # Only the candidates' names are counted: each file's counts of them, added up.
    names = frozenset(name for one in facts.values() for name, _ in one.candidates)
    counting = partial(_counted_of, names)
    mentions: Counter[bytes] = Counter()
    definitions: Counter[bytes] = Counter()
    for rel, one in facts.items():
        counted = _counted(names, one)
        record_answer(rel, counting, counted)
        mentions.update(counted[1])
        definitions.update(counted[2])
    found = set()
    for rel, one in facts.items():
        module_name = workspace.module_name(rel)
        for name, own in one.candidates:
            if mentions[name] - own == definitions[name]:
                short = name.decode()
                found.add(f"{module_name}.{short}" if module_name else short)
    return frozenset(found)


def _counted(names: frozenset[bytes], facts: TextFacts) -> tuple[tuple[tuple[bytes, int], ...], dict, dict]:
    """What the unreferenced-function pass takes of one file: its candidates, and how often it
    mentions and defines each of ``names``."""
    return (facts.candidates, *({name: counts[name] for name in sorted(names.intersection(counts))}
                                for counts in (facts.mentions.as_dict(), facts.definitions.as_dict())))


def _counted_of(names: frozenset[bytes], data: bytes) -> tuple:
    return _counted(names, text_facts(data))


def _names_written(names: frozenset[bytes], data: bytes) -> frozenset[bytes]:
    return names.intersection(_WORD.findall(data))


def quick_unimported_modules(workspace, texts: Mapping[str, bytes], file_facts: FileFacts) -> frozenset[str]:
    """Dotted names of the DAG-folder modules (not packages' ``__init__``, not the plugins
    folder, whose modules Airflow imports itself) whose last name no other project Python file
    writes. ``texts``: the project's Python files (``project_python_bytes``)."""
    plugins = f"{workspace.plugins_folder.rstrip('/')}/" if workspace.plugins_folder else None
    candidates = {rel: name for rel in workspace.python_files
                  if (name := rel.rsplit("/", 1)[-1].removesuffix(".py")).isidentifier() and name != "__init__"
                  and not (plugins and rel.startswith(plugins))}
    names = frozenset(name.encode() for name in candidates.values())
    key = hashlib.sha256(b"\0".join(sorted(names))).hexdigest()  # the cached answers hold only these names
    written = file_facts.of_each("module_mentions", [(rel, data, partial(_names_written, names), (key,))
                                                     for rel, data in for_facts(texts).items()])
    writers: Counter[bytes] = Counter()
    for names_written in written.values():
        writers.update(names_written)
    # Written by no file but itself (its own main guard, a comment naming it).
    return frozenset(workspace.module_name(rel) for rel, name in candidates.items()
                     if rel in written and writers[name.encode()] - (name.encode() in written[rel]) == 0)
