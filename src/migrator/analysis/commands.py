"""Command lines a task runs on the worker: ``bash_command=`` and ``subprocess``/``os`` calls.

Each ``CommandLine`` keeps the static value of the command (see ``strings.static_string``) and
the simple commands in it, with offsets into that value, so rules can point at the program or
the argument they report.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from migrator.analysis.python import ModuleFacts
from migrator.analysis.shell import Command, argv_command, commands
from migrator.analysis.strings import UNKNOWN, Piece, StaticString, static_string

# Calls that run their first argument as a program (a list) or a shell line (a string).
SUBPROCESS_CALLS = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput",
})
SHELL_CALLS = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                         "commands.getoutput"})
# Task arguments that hold a shell command run on the worker.
BASH_ARGUMENTS = frozenset({"bash_command"})


@dataclass(frozen=True)
class CommandLine:
    value: StaticString  # the command text; for an argument list, the items joined by spaces
    expression: ast.AST  # the argument holding the command
    call: ast.Call  # the operator or subprocess call
    commands: tuple[Command, ...]
    source: str  # "bash_command" | "subprocess" | "shell"


def command_lines(module: ModuleFacts) -> list[CommandLine]:
    return module.memo("command_lines", _command_lines)


def _command_lines(module: ModuleFacts) -> list[CommandLine]:
    found: list[CommandLine] = []
    for site in module.arguments:
        if site.owner == "task" and site.name in BASH_ARGUMENTS and isinstance(site.call, ast.Call):
            value = static_string(module, site.value)
            if value is not None:
                found.append(CommandLine(value, site.value, site.call, tuple(commands(value.text)),
                                         "bash_command"))
    for call, qualname in module.calls:
        if qualname not in SUBPROCESS_CALLS and qualname not in SHELL_CALLS:
            continue
        argument = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg in ("args", "cmd", "command")), None)
        if argument is None:
            continue
        if isinstance(argument, (ast.List, ast.Tuple)):
            line = _argv_line(module, argument, call)
            if line is not None:
                found.append(line)
            continue
        value = static_string(module, argument)
        if value is not None:
            found.append(CommandLine(value, argument, call, tuple(commands(value.text)),
                                     "shell" if qualname in SHELL_CALLS else "subprocess"))
    return found


def command_programs(module: ModuleFacts) -> tuple[str, ...]:
    """The programs the module's command lines run, by name (sorted, unique; none not known
    without running the code)."""
    return tuple(sorted({command.name for line in command_lines(module) for command in line.commands
                         if UNKNOWN not in command.program.text}))


def _argv_line(module: ModuleFacts, items: ast.List | ast.Tuple, call: ast.Call) -> CommandLine | None:
    pieces: list[Piece] = []
    words: list[tuple[str, int, int]] = []
    position = 0
    for index, element in enumerate(items.elts):
        if index:
            pieces.append(Piece(" ", None))
            position += 1
        value = static_string(module, element)
        if value is None:
            value = StaticString((Piece(UNKNOWN, None),))
        pieces.extend(value.pieces)
        words.append((value.text, position, position + len(value.text)))
        position += len(value.text)
    command = argv_command(words)
    if command is None:
        return None
    return CommandLine(StaticString(tuple(pieces)), items, call, (command,), "subprocess")




