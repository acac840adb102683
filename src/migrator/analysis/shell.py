"""The programs a shell command line runs, found without a shell parser.

``bash_command="kinit -kt k etl@R && spark-submit --master yarn /opt/jobs/x.py | tee log"`` runs
``kinit``, ``spark-submit`` and ``tee``; the script an interpreter runs (``bash x.sh``,
``python /opt/y.py``) counts as run too. Positions are offsets into the command text so a
finding can point inside the literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Separators between simple commands; "$(" and backticks start a nested command.
_SEPARATOR = re.compile(r"&&|\|\||[;|&\n]|\$\(|`|\(|\)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Words that run the next word as the command.
_PREFIX_COMMANDS = frozenset({"sudo", "exec", "nohup", "time", "env", "nice", "timeout", "xargs",
                              "stdbuf", "command", "builtin"})
# Options of those prefixes that take a value (sudo -u user, timeout 10, nice -n 5).
_PREFIX_OPTIONS_WITH_VALUE = frozenset({"-u", "-g", "-n", "-s", "-k", "-C", "-E", "-I", "-P"})
INTERPRETERS = frozenset({"bash", "sh", "zsh", "ksh", "dash", "python", "python3", "perl", "ruby",
                          "node", "Rscript", "source", "."})
# Keywords after which the next word is the command (``if spark-submit ...; then hdfs ...``).
_LEADING_KEYWORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{"})
# Words that are not programs the environment has to provide.
_BUILTINS = frozenset({"fi", "done", "for", "case", "esac", "in", "function", "}", "[", "[[", "test",
                       "echo", "printf", "true", "false", "exit", "return", "set", "export", "cd",
                       "read", "local", "shift", "wait", "trap", "unset", "pushd", "popd", "eval",
                       "let", "declare", "ulimit", "umask", "type", "hash", "alias"})
# Quoted strings and Jinja blocks are single words: separators inside them do not count.
_OPENER = re.compile(r"""\{[{%]|["']""")
_NON_SPACE = re.compile(r"\S+")
_PLAIN = re.compile(r"""[^\s"'{]+""")  # word characters that open nothing: no space, quote or brace


@dataclass(frozen=True)
class Word:
    text: str  # unquoted
    start: int
    end: int


@dataclass(frozen=True)
class Command:
    """One simple command: the program it runs and the words after it."""

    program: Word
    arguments: tuple[Word, ...]

    @property
    def name(self) -> str:
        return self.program.text.rsplit("/", 1)[-1]

    def script(self) -> Word | None:
        """The file an interpreter runs (``bash x.sh``, ``python -u y.py``); None otherwise."""
        if self.name.rstrip("0123456789.") not in {i.rstrip("0123456789.") for i in INTERPRETERS}:
            return None
        for word in self.arguments:
            if word.text.startswith("-"):
                if word.text in ("-c", "-m"):
                    return None  # inline code or a module, not a file
                continue
            return word
        return None


    def remote_command(self) -> tuple[int, int] | None:
        """Where the command line ``ssh [options] host command...`` runs on the remote host (its
        paths and programs are the remote host's); None for other programs or a bare login."""
        if self.name not in REMOTE_SHELLS:
            return None
        words = iter(self.arguments)
        for word in words:
            if word.text.startswith("-"):
                if word.text in _SSH_OPTIONS_WITH_VALUE:
                    next(words, None)
                continue
            rest = list(words)  # the words after the host
            return (rest[0].start, rest[-1].end) if rest else None
        return None


# Programs that run their remaining words as a command line on another machine.
REMOTE_SHELLS = frozenset({"ssh"})
# ssh options that take a value (ssh(1)): ``-i key``, ``-p 22``, ``-o Option=value``, ...
_SSH_OPTIONS_WITH_VALUE = frozenset({"-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l",
                                     "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w"})


def comment_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every shell comment in ``text``: a ``#`` that starts a word, outside
    quotes and Jinja blocks, to the end of its line (a trailing backslash does not continue a
    comment)."""
    spans: list[tuple[int, int]] = []
    position, quote = 0, ""
    unclosed: set[str] = set()  # Jinja closers with none left after some point: never looked for again
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\" and quote == '"':
                position += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif text.startswith(("{{", "{%", "{#"), position):
            closer_text = {"{": "}}", "%": "%}", "#": "#}"}[text[position + 1]]
            closer = -1 if closer_text in unclosed else text.find(closer_text, position + 2)
            if closer >= 0:
                position = closer + 1
            else:
                unclosed.add(closer_text)
        elif char == "#" and (position == 0 or text[position - 1] in _COMMENT_STARTS):
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            spans.append((position, end))
            position = end
        position += 1
    return spans


_COMMENT_STARTS = frozenset(" \t\n;&|(")


def without_comments(text: str) -> str:
    """``text`` with its shell comments blanked out, offsets kept."""
    if "#" not in text:
        return text
    parts, position = [], 0
    for start, end in comment_spans(text):
        parts += [text[position:start], " " * (end - start)]
        position = end
    return "".join(parts) + text[position:]


# `set -e`, `set -euo pipefail`, `set -o errexit`, or `-e` on the shebang line (`#!/bin/bash -e`).
# Blanks only within a line: `^\s*` would run across every empty line at each one (quadratic).
_ERREXIT = re.compile(r"(?m)^[ \t]*set[ \t][^\n#;]*?(?:(?<=[ \t])-[a-zA-Z]*e[a-zA-Z]*\b|-o[ \t]+errexit\b)"
                      r"|\A#!\S+(?:\s+\S+)?\s+-[a-zA-Z]*e")


def stops_on_error(script: str) -> bool:
    """Whether a script exits at the first failing command (errexit); without it, a failed
    command is only the exit status of the script if it is the last one."""
    return bool(_ERREXIT.search(script))


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _opaque_spans(text: str, start: int, end: int, statements: bool) -> dict[int, int]:
    """start -> end of every quoted string and ``{{ }}`` block (and ``{% %}`` block when
    ``statements``) in ``text[start:end]``, left to right. An opener without its closer is an
    ordinary character. Once a closer is missing, every later search for it would fail too,
    so it is not searched for again: one pass, where a regex would rescan to the end from every
    opener."""
    spans: dict[int, int] = {}
    missing: set[str] = set()
    opener = _OPENER.search(text, start, end)
    while opener is not None:
        position, kind = opener.start(), opener.group(0)
        close = -1
        if kind not in missing and (kind != "{%" or statements):
            if kind == '"':
                close = _double_quote_end(text, position + 1, end)
            else:
                closer = {"{{": "}}", "{%": "%}", "'": "'"}[kind]
                found = text.find(closer, position + len(kind), end)
                close = found + len(closer) if found >= 0 else -1
            if close < 0:
                missing.add(kind)
        if close >= 0:
            spans[position] = close
        opener = _OPENER.search(text, close if close >= 0 else position + 1, end)
    return spans


def _double_quote_end(text: str, start: int, end: int) -> int:
    """The index after the quote that closes a double-quoted string opened before ``start``
    (a backslash escapes the next character); -1 when it is not closed before ``end``."""
    quote = text.find('"', start, end)
    position = start
    while quote >= 0:
        backslash = text.find("\\", position, quote)
        if backslash < 0:
            return quote + 1
        position = backslash + 2  # past the escaped character
        if position > quote:
            quote = text.find('"', position, end)
    return -1


def _words(text: str, start: int, end: int) -> list[Word]:
    """The words of ``text[start:end]``: runs of quoted strings, ``{{ }}`` blocks and other
    characters but spaces and unmatched quotes."""
    if _OPENER.search(text, start, end) is None:  # no quote or block: words are what spaces split
        return [Word(m.group(), m.start(), m.end()) for m in _NON_SPACE.finditer(text, start, end)]
    spans = _opaque_spans(text, start, end, statements=False)
    words: list[Word] = []
    position, word_start = start, None
    while position < end:
        char = text[position]
        if position in spans or char == "{":
            word_start = position if word_start is None else word_start
            position = spans.get(position, position + 1)
        elif char.isspace() or char in "\"'":
            if word_start is not None:
                words.append(Word(_unquote(text[word_start:position]), word_start, position))
                word_start = None
            position += 1
        else:
            word_start = position if word_start is None else word_start
            position = _PLAIN.match(text, position, end).end()
    if word_start is not None:
        words.append(Word(_unquote(text[word_start:end]), word_start, end))
    return words


def _masked(text: str) -> str:
    """``text`` without comments, its quoted strings and Jinja blocks blanked to ``x`` (offsets
    kept): what is left are the shell's own separators."""
    text = without_comments(text)
    spans = _opaque_spans(text, 0, len(text), statements=True)
    if not spans:
        return text
    chars = list(text)
    for opaque_start, opaque_end in spans.items():
        chars[opaque_start:opaque_end] = "x" * (opaque_end - opaque_start)
    return "".join(chars)


# What ends an and-or list: ``;``, a newline (not one a backslash continues), a background
# ``&`` (not ``&&`` nor a redirection's ``2>&1``/``&>``), a subshell's bounds.
_LIST_END = re.compile(r";|(?<!\\)\n|(?<![&>])&(?![&>])|[()`]|\$\(")
# An and-or list ending in ``|| true`` or ``|| :`` succeeds whatever its commands exit with.
_TRUE_GUARD = re.compile(r"\|\|[ \t]*(?:true|:)[ \t]*$")


def guarded_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each and-or list of ``text`` that ends in ``|| true`` / ``|| :``: a
    command there that fails, or is missing (exit 127), does not fail the line."""
    masked = _masked(text)
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [*(m.start() for m in _LIST_END.finditer(masked)), len(masked)]:
        if _TRUE_GUARD.search(masked, start, end):
            spans.append((start, end))
        start = end + 1
    return spans


def commands(text: str) -> list[Command]:
    """Every simple command in a command line, in order; none in its comments."""
    found: list[Command] = []
    position = 0
    text = without_comments(text)
    masked = _masked(text)
    for separator in [*_SEPARATOR.finditer(masked), None]:
        end = separator.start() if separator else len(text)
        command = _command(_words(text, position, end))
        if command is not None:
            found.append(command)
        position = separator.end() if separator else len(text)
    return found


def _command(words: list[Word]) -> Command | None:
    index = 0
    while index < len(words):
        word = words[index].text
        if _ASSIGNMENT.match(word) or word.startswith(("<", ">", "2>", "&>")) or word.isdigit():
            index += 1
            continue
        if word in _LEADING_KEYWORDS:
            index += 1
            continue
        if word in _PREFIX_COMMANDS:
            index += 1
            while index < len(words) and words[index].text.startswith("-"):
                option = words[index].text
                index += 2 if option in _PREFIX_OPTIONS_WITH_VALUE else 1
            if word == "timeout" and index < len(words) and words[index].text[:1].isdigit():
                index += 1
            continue
        break
    if index >= len(words):
        return None
    program = words[index]
    if program.text in _BUILTINS or program.text.startswith(("{{", "{%", "$")):
        return None
    return Command(program, tuple(words[index + 1:]))


def argv_command(items: list[tuple[str, int, int]]) -> Command | None:
    """A command given as an argument list (``subprocess.run(["kinit", "-kt", ...])``)."""
    words = [Word(text, start, end) for text, start, end in items]
    return _command(words)
