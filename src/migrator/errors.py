"""Errors the command line turns into exit codes (see DESIGN.md, "Exit codes")."""

# An exception's text can be a whole object's repr (a KeyError on a LibCST node is the node's
# source); what a report or an error line quotes of it stops here.
EXCEPTION_TEXT_LIMIT = 200


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` on one line, cut to ``EXCEPTION_TEXT_LIMIT`` characters."""
    text = " ".join(str(exc).split())
    if len(text) > EXCEPTION_TEXT_LIMIT:
        text = text[:EXCEPTION_TEXT_LIMIT - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class MigratorError(Exception):
    """Base class; the message is shown to the user as one line."""

    exit_code = 3


class InputError(MigratorError):
    """Bad usage or bad input: a missing path, an unknown target, an unreadable setting (exit 2)."""

    exit_code = 2


class OutputError(InputError):
    """Standard output cannot be written: closed (``>&-``), its reader gone (``| head``), a full
    disk. The report is incomplete, so the run fails (exit 2) with one line on stderr."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that clean-up runs as for Ctrl-C (exit 143)."""


class BrokenRequirementsError(MigratorError):
    """The bundle's requirements.txt is known not to install on the target (exit 1): writing it
    would cost a 20-minute failed environment update."""

    exit_code = 1
