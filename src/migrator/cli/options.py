"""Options shared by several commands, and the helpers that turn them into library inputs."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from migrator.config import FAIL_ON, Settings, load_settings
from migrator.errors import InputError
from migrator.report_file import write_report
from migrator.rule_ids import current_id, deprecation_notice, former_ids

if TYPE_CHECKING:
    from migrator.compat.mwaa import MwaaVersion

# The knowledge base and the rules load when a command first needs them, not with the options:
# a scan answered from its kept report needs neither (``migrator.cli.scan``).

project_path = click.argument("path", type=click.Path(path_type=Path), default=".", required=False)
target_option = click.option("--target", help="MWAA Airflow version (default: the newest MWAA supports).")
output_option = click.option("-o", "--output", type=click.Path(path_type=Path),
                             help="Write the report to this file instead of stdout.")
select_option = click.option("--select", multiple=True, help="Only rules whose id starts with this (repeatable, comma-separated).")
ignore_option = click.option("--ignore", multiple=True, help="Skip rules whose id starts with this (repeatable, comma-separated).")
fail_on_option = click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
                              help="Lowest severity that makes the exit code 1 (default: error).")
jobs_option = click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
                           help="Worker processes (default: all cores).")
no_cache_option = click.option("--no-cache", is_flag=True, help="Ignore and do not update the scan cache.")
constraints_option = click.option(
    "--constraints", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Constraints file requirements are checked, fixed and installed against (default: the "
         "requirements file's own --constraint, else the MWAA image's constraints for the target, "
         "which ship with this tool).")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar, no summary noise.")


def split_prefixes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.strip() for v in values for p in v.split(",") if p.strip())


def project_settings(path: Path, **overrides) -> Settings:
    if not path.exists():
        raise InputError(f"{path}: no such directory")
    if not path.is_dir():
        raise InputError(f"{path}: not a directory")
    settings = load_settings(path)
    for key in ("select", "ignore"):
        if key in overrides:
            overrides[key] = split_prefixes(overrides[key] or ())
    written = [*settings.select, *settings.ignore, *(s for _, ps in settings.per_path_ignores for s in ps),
               *overrides.get("select", ()), *overrides.get("ignore", ())]
    warn_former_ids(former_ids(written))
    settings = replace(
        settings,
        **{key: current_selectors(getattr(settings, key), f"{settings.source} {key}") for key in ("select", "ignore")},
        per_path_ignores=tuple((pattern, current_selectors(prefixes, f"{settings.source} per-path-ignores {pattern!r}"))
                               for pattern, prefixes in settings.per_path_ignores))
    if overrides.get("constraints") is not None:
        overrides["constraints"] = str(Path(overrides["constraints"]).resolve())
    for key in ("select", "ignore"):
        if key in overrides:
            overrides[key] = current_selectors(overrides[key], f"--{key}")
    return settings.with_overrides(**overrides)


def current_selectors(selectors: tuple[str, ...], where: str) -> tuple[str, ...]:
    """``selectors`` with old rule ids as their new ones, each checked to start some rule id;
    ``where`` says where they were written."""
    from migrator.guards import check_selectors

    current = tuple(current_id(s) for s in selectors)
    check_selectors(current, where)
    return current


def warn_former_ids(old_ids: Iterable[str]) -> None:
    """The deprecation notice for old rule ids a user wrote, on stderr, naming each id once per
    command however many places (options, settings, inline ignores) repeat it."""
    context = click.get_current_context(silent=True)
    warned = context.meta.setdefault("migrator.former_ids_warned", set()) if context else set()
    new = [old for old in dict.fromkeys(old_ids) if old not in warned]
    if new:
        warned.update(new)
        click.echo(deprecation_notice(new), err=True)


def resolve_target(settings: Settings) -> MwaaVersion:
    from migrator.compat import UnknownTargetError, get_version

    try:
        return get_version(settings.target)
    except UnknownTargetError as exc:
        raise InputError(str(exc)) from None


def is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal; False for a closed one (``None`` in ``sys``)."""
    return stream is not None and stream.isatty()


def forced_color() -> bool | None:
    """What the environment says of colour: NO_COLOR (https://no-color.org) False, FORCE_COLOR
    (https://force-color.org, e.g. a CI log that renders colour) True, NO_COLOR winning; None
    when neither is set."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return None


def use_color(stream) -> bool:
    """Colour on a terminal, unless the environment says otherwise (``forced_color``)."""
    forced = forced_color()
    return is_terminal(stream) if forced is None else forced


def write_output(report: str | Iterable[str], output: Path | None, color: bool = False) -> None:
    """Write a report, whole or in pieces, to stdout or to ``output`` (see
    ``migrator.report_file`` for how each kind of path is written). ``color``: the report holds
    colour codes the user asked for, kept even when stdout is no terminal."""
    pieces = [report] if isinstance(report, str) else report
    if output is None:
        for block in report_blocks(pieces):
            click.echo(block, nl=False, color=color or None)
        return
    write_report(output, pieces)


REPORT_BLOCK = 1 << 16  # characters per write of a report


def report_blocks(pieces: Iterable[str], size: int = REPORT_BLOCK) -> Iterator[str]:
    """Pieces joined into blocks of about ``size`` characters (one echo per piece is slow)."""
    block: list[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)


INTERNAL_ERROR = 3


def internal_error_after_report(what_was_done: str) -> int:
    """Exit code 3, said on stderr, once the command's output is complete: a defect of this
    tool met some file (MIG005/MIG006 findings say which); everything else was done."""
    click.echo(f"migrator: internal error on some files (see the MIG005/MIG006 findings); "
               f"{what_was_done}", err=True)
    return INTERNAL_ERROR
