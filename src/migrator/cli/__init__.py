"""The command line: a thin layer over the library. Exit codes are in DESIGN.md."""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import signal
import sys
import traceback
from typing import TextIO

import click

from migrator import __version__, method_code
from migrator.errors import MigratorError, OutputError, Terminated, describe_exception
from migrator.workers import relaxed_collector

# Command name -> "module:attribute" in this package. Commands are imported only when invoked,
# so `migrator scan` does not pay for LibCST, boto3 or the sizing model at start-up.
COMMANDS = {
    "connections": "connections:command",
    "doctor": "doctor:command",
    "explain": "rules:explain",
    "fix": "fix:command",
    "infra": "infra:command",
    "migrate": "migrate:command",
    "package": "package:command",
    "rules": "rules:command",
    "scan": "scan:command",
    "size": "size:command",
    "verify": "verify:command",
}


class MigratorGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name].partition(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


@click.group(cls=MigratorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="migrator")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Move an on-premises Apache Airflow project onto Amazon MWAA."""
    ctx.obj = {"debug": debug}


class StandardOutput:
    """``sys.stdout`` while a command runs. A write that fails raises ``OutputError``: click
    would end a broken pipe with exit 1 and no word (the exit code of "findings found"), skip
    every write to a closed stdout (Python's ``sys.stdout`` is None then) and leave other
    errors to end as internal errors."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return getattr(self._stream, "errors", None) or "strict"

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise OSError(errno.EBADF, "standard output is closed")
        return self._stream.fileno()

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes for a binary stream with b""
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        return self._call("write", text)

    def flush(self) -> None:
        self._call("flush")

    def _call(self, name: str, *args):
        if self._stream is None:
            raise OutputError("cannot write to standard output: it is closed")
        try:
            return getattr(self._stream, name)(*args)
        except OSError as exc:
            raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None

    def discard(self) -> None:
        """Send what is still buffered nowhere, instead of failing again at exit."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.fileno())
            os.close(devnull)


def entry() -> int:
    """The process's entry point (the ``migrator`` script, ``python -m migrator``): :func:`main`,
    with the bytecode of the dataclasses' methods kept between runs (``migrator.method_code``),
    then the process's objects are left out of the collector's last pass as it exits: after a
    scan they are the caches' millions of objects, and the pass took 0.07 s of a 0.9 s run."""
    with method_code.kept():
        code = main()
    gc.freeze()
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps errors to exit codes, and hides tracebacks unless --debug."""
    args = sys.argv[1:] if argv is None else argv
    stdout = sys.stdout
    sys.stdout = output = StandardOutput(stdout)
    try:
        with _terminate_as_interrupt(), relaxed_collector():
            return _run(args, output)
    finally:
        sys.stdout = stdout


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM (a CI job cancelled, ``timeout``, ``docker stop``) raises ``Terminated`` in this
    process, so what Ctrl-C cleans up (temp files, staging folders) is cleaned up too."""
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield  # a caller that embeds the command line has its own handler
        return
    pid = os.getpid()

    def terminate(signum, frame):
        if os.getpid() == pid:  # not a worker forked meanwhile: those leave it to this process
            raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: list[str], output: StandardOutput) -> int:
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="migrator", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click's word for Ctrl-C
            return _interrupted(exc.__cause__)
        click.echo("migrator: aborted", err=True)
        return 2
    except OutputError as exc:
        output.discard()
        click.echo(f"migrator: error: {exc}", err=True)
        return exc.exit_code
    except MigratorError as exc:
        click.echo(f"migrator: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except Exception as exc:  # noqa: BLE001 - an internal error: one line, traceback only with --debug
        if debug:
            traceback.print_exc()
        click.echo(f"migrator: internal error: {describe_exception(exc)} "
                   "(run with --debug for the traceback)", err=True)
        return 3
    return result if isinstance(result, int) else 0


def _interrupted(exc: KeyboardInterrupt) -> int:
    """The shell's code for a run ended by a signal: 128 + SIGINT or SIGTERM."""
    terminated = isinstance(exc, Terminated)
    click.echo(f"migrator: {'terminated' if terminated else 'interrupted'}", err=True)
    return 128 + (signal.SIGTERM if terminated else signal.SIGINT)


if __name__ == "__main__":
    sys.exit(main())
