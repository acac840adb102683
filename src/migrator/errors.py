"""Errors the command line turns into exit codes (see DESIGN.md, "Exit codes")."""


class MigratorError(Exception):
    """Base class; the message is shown to the user as one line."""

    exit_code = 3


class InputError(MigratorError):
    """Bad usage or bad input: a missing path, an unknown target, an unreadable setting (exit 2)."""

    exit_code = 2


class BrokenRequirementsError(MigratorError):
    """The bundle's requirements.txt is known not to install on the target (exit 1): writing it
    would cost a 20-minute failed environment update."""

    exit_code = 1
