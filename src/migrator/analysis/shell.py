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
_WORD = re.compile(r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|\{\{.*?\}\}|[^\s"'])+""", re.DOTALL)
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
_OPAQUE = re.compile(r"""\{\{.*?\}\}|\{%.*?%\}|"(?:[^"\\]|\\.)*"|'[^']*'""", re.DOTALL)


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


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def commands(text: str) -> list[Command]:
    """Every simple command in a command line, in order."""
    found: list[Command] = []
    position = 0
    masked = _OPAQUE.sub(lambda m: "x" * len(m.group(0)), text)
    for separator in [*_SEPARATOR.finditer(masked), None]:
        end = separator.start() if separator else len(text)
        segment_words = [Word(_unquote(m.group(0)), m.start() + position, m.end() + position)
                         for m in _WORD.finditer(text[position:end])]
        command = _command(segment_words)
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
