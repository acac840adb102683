"""The command line: a thin layer over the library. Exit codes are in DESIGN.md."""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from migrator import __version__
from migrator.errors import MigratorError

# Command name -> "module:attribute" in this package. Commands are imported only when invoked,
# so `migrator scan` does not pay for LibCST, boto3 or the sizing model at start-up.
COMMANDS = {
    "connections": "connections:command",
    "explain": "rules:explain",
    "fix": "fix:command",
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


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps errors to exit codes, and hides tracebacks unless --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="migrator", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        click.echo("migrator: aborted", err=True)
        return 2
    except MigratorError as exc:
        click.echo(f"migrator: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("migrator: interrupted", err=True)
        return 130
    except Exception as exc:  # an internal error: one line, traceback only with --debug
        if debug:
            traceback.print_exc()
        click.echo(f"migrator: internal error: {type(exc).__name__}: {exc} "
                   "(run with --debug for the traceback)", err=True)
        return 3
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
