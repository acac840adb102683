"""Errors the command line turns into exit codes (see DESIGN.md, "Exit codes")."""


class MigratorError(Exception):
    """Base class; the message is shown to the user as one line."""

    exit_code = 3


class InputError(MigratorError):
    """Bad usage or bad input: a missing path, an unknown target, an unreadable setting (exit 2)."""

    exit_code = 2


class OutputError(InputError):
    """Standard output cannot be written: closed (``>&-``), its reader gone (``| head``), a full
    disk. The report is incomplete, so the run fails (exit 2) with one line on stderr."""
