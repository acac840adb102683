"""Shell text as the environment sources write it: ``.env`` assignments, quoted values and compose
defaults, continued lines, commands split at separators, and what each command installs (pip,
an OS package manager, a venv)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import PurePosixPath

from migrator.analysis.envsources.model import EnvFacts, EnvVar, OsPackage, PipInstall, ShellCommand

_ASSIGNMENT = re.compile(r"^(?:export\s+|declare\s+-x\s+|set\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
# " # comment" after a value; (?<!\s) tries a run of spaces once, not from each of its spaces.
_INLINE_COMMENT = re.compile(r"(?<!\s)\s+#")
_DEFAULT_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$", re.DOTALL)
_COMMAND_SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
_PACKAGE_MANAGERS = {
    "apt-get": "apt", "apt": "apt", "yum": "yum", "dnf": "dnf", "microdnf": "dnf", "apk": "apk",
}
_PACKAGE_INSTALL_VERBS = frozenset({"install", "add"})


def unquote_value(raw: str) -> str:
    """The value of ``KEY=raw`` as a shell or dotenv reader sees it (quotes and comments)."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        return inner.replace('\\"', '"') if raw[0] == '"' else inner
    if raw[:1] and raw[0] in "\"'":
        end = raw.find(raw[0], 1)
        if end > 0:
            return raw[1:end]
    return _INLINE_COMMENT.split(raw, maxsplit=1)[0].strip()


def compose_default(value: str) -> str:
    """``${X:-default}`` -> ``default``; anything else unchanged."""
    match = _DEFAULT_REF.match(value.strip())
    return match.group(1) if match else value


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line, text) of every line, joining backslash continuations."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if raw.rstrip().endswith("\\") and not raw.lstrip().startswith("#"):
            buffer.append(raw.rstrip()[:-1])
            continue
        buffer.append(raw)
        yield start, " ".join(part.strip() for part in buffer)
        buffer = []
    if buffer:
        yield start, " ".join(part.strip() for part in buffer)


def split_commands(text: str) -> list[list[str]]:
    """Split a shell line into simple commands (``a && b; c | d``); unparsable text gives []."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        return []
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _COMMAND_SEPARATORS or set(token) <= set(";&|"):
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def _strip_command_prefix(argv: list[str]) -> list[str]:
    """Drop ``sudo``, ``env A=B``, ``A=B`` prefixes and ``python -m`` before the real command."""
    args = list(argv)
    while args:
        head = args[0]
        if head in ("sudo", "exec", "command", "time", "nohup") or head == "env" or _ASSIGNMENT.match(head):
            args = args[1:]
        else:
            break
    if len(args) >= 3 and re.fullmatch(r"python[\d.]*", PurePosixPath(args[0]).name) and args[1] == "-m":
        args = args[2:]
    return args


def pip_install_args(argv: list[str]) -> list[str] | None:
    """The arguments of ``pip install`` in a command, or None when it is not one."""
    args = _strip_command_prefix(argv)
    if not args or not re.fullmatch(r"pip[\d.]*|uv", PurePosixPath(args[0]).name):
        return None
    rest = args[1:]
    if rest[:1] == ["pip"]:  # ``uv pip install``
        rest = rest[1:]
    while rest and rest[0].startswith("-") and rest[0] != "install":
        rest = rest[1:]  # global options such as --no-cache-dir before the verb
    if not rest or rest[0] != "install":
        return None
    return rest[1:]


# Options of an install command whose value is the next argument, not a package.
_OPTIONS_WITH_VALUE = {"apk": frozenset({"--virtual", "-t", "--repository", "-X"}),
                       "apt": frozenset({"-o", "-t", "--target-release"})}


def os_install_packages(argv: list[str]) -> tuple[str, list[str]] | None:
    """(manager, package names) of ``apt-get install``/``yum install``/``apk add`` commands."""
    args = _strip_command_prefix(argv)
    if not args:
        return None
    manager = _PACKAGE_MANAGERS.get(PurePosixPath(args[0]).name)
    if manager is None:
        return None
    verbs = [a for a in args[1:] if not a.startswith("-")]
    if not verbs or verbs[0] not in _PACKAGE_INSTALL_VERBS:
        return None
    position = args.index(verbs[0])
    names, rest = [], iter(args[position + 1:])
    for arg in rest:
        if arg in _OPTIONS_WITH_VALUE.get(manager, ()):
            next(rest, None)  # ``apk add --virtual .build-deps gcc``: .build-deps names the group
        elif not arg.startswith("-") and not arg.startswith("$"):
            names.append(arg)
    return manager, names


def parse_env_file(text: str, path: str, origin: str = "env-file") -> list[EnvVar]:
    found = []
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ASSIGNMENT.match(stripped)
        if match:
            found.append(EnvVar(match.group(1), unquote_value(match.group(2)), path, number, origin))
    return found


def _created_venv(argv: list[str]) -> str | None:
    """The folder of ``python -m venv X`` / ``virtualenv X`` / ``uv venv X``, else None."""
    args = [a for a in _strip_command_prefix(argv) if not a.startswith("-")]
    if args[:1] == ["venv"] and len(args) > 1:  # python -m venv X (the prefix strip drops python -m)
        return args[1].rstrip("/")
    if args[:1] == ["virtualenv"] or args[:2] == ["uv", "venv"]:
        folder = args[1 if args[0] == "virtualenv" else 2:][:1]
        return folder[0].rstrip("/") if folder else (".venv" if args[0] == "uv" else None)
    return None


def _record_commands(facts: EnvFacts, text: str, path: str, line: int, origin: str) -> None:
    venvs: set[str] = set()  # created earlier in the same shell line
    active_venv = None  # ``source X/bin/activate`` earlier in the same shell line
    for argv in split_commands(text):
        facts.commands.append(ShellCommand(tuple(argv), path, line, origin))
        if (created := _created_venv(argv)) is not None:
            venvs.add(created)
        if argv[0] in ("source", ".") and len(argv) > 1 and argv[1].endswith("/bin/activate"):
            active_venv = argv[1][:-len("/bin/activate")]
        elif argv[0] == "deactivate":
            active_venv = None
        pip = pip_install_args(argv)
        if pip is not None:
            folder = argv[0].rpartition("/bin/")[0]  # soda_venv/bin/pip, soda_venv/bin/python -m pip
            venv = folder if folder in venvs else active_venv
            facts.pip_installs.append(PipInstall(tuple(pip), path, line, origin, venv))
        packages = os_install_packages(argv)
        if packages:
            manager, names = packages
            facts.os_packages.extend(OsPackage(n, manager, path, line) for n in names)
        if argv[0] == "export" or (len(argv) == 1 and _ASSIGNMENT.match(argv[0])):
            for word in argv[1:] if argv[0] == "export" else argv:
                match = _ASSIGNMENT.match(word)
                if match:
                    facts.variables.append(EnvVar(match.group(1), match.group(2), path, line, origin))
