"""``migrator scan``: find everything that breaks or behaves badly on the target MWAA version."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import NamedTuple

import click

from migrator.cache import (
    KeptText,
    RunMemo,
    open_kept_text,
    outside_inputs,
    stat_key,
    tree_state,
)
from migrator.cli import options
from migrator.cli.options import forced_color, use_color
from migrator.report_formats import FORMAT_NAMES, REPOSITORY_PATH_FORMATS, STATISTICS_FORMATS
from migrator.vcs import work_tree_root

# The analysis, the rules and the reporters load only when the report is not kept (see
# ``_report_inputs``): an unchanged project's scan is answered without them.

# Set by the shell around each command, not by the user: never part of the key.
_VOLATILE_ENV = frozenset({"_", "OLDPWD", "SHLVL"})


class KeptReport(NamedTuple):
    """What a scan wrote, kept whole for the next run with the same inputs."""

    report: str  # the stamp of the report's text (cache.KeptText), coloured or not as the key says
    exit_code: int
    former_ids: tuple[str, ...]  # old rule ids it warned about, warned about again


def _report_inputs(tree: str, path: Path, params: dict, color: bool, prefix: str | None) -> tuple[str, ...]:
    """Everything a report depends on besides the tool (part of ``RunMemo``'s key): what the
    scan's own memo is keyed by (``migrator.engine.run_inputs``: the tree, which holds the
    settings files, and what is read from outside it), the command's options, the files they
    name, and how the report is written (colour, the paths' prefix, the terminal). The
    environment is taken whole: a variable the tool reads (MWAA_MIGRATOR_OFFLINE, NO_COLOR) may
    change the report."""
    baseline = [stat_key(params["baseline_file"])] if params["baseline_file"] else []
    environment = sorted((k, v) for k, v in os.environ.items() if k not in _VOLATILE_ENV)
    # A text report on a terminal is laid out to its width.
    terminal = shutil.get_terminal_size() if options.is_terminal(sys.stdout) else None
    return (tree, repr(sorted(params.items())), repr(environment), *baseline,
            *outside_inputs(params["constraints"]),
            f"color={color} prefix={prefix} cwd={Path.cwd()} terminal={terminal}")


def _progress_bar(enabled: bool):
    """A progress bar on stderr: stdout carries only the report (``scan -f json > f``)."""
    if not enabled:
        return None, None
    from rich.console import Console
    from rich.progress import Progress

    progress = Progress(console=Console(stderr=True), transient=True)
    task = progress.add_task("scanning", total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


def path_prefix(path: Path, root: Path | None) -> str:
    """The scanned folder's place under ``root`` (default: its git work tree's top) as a POSIX
    prefix of the report's paths: "" at the root or outside a work tree."""
    top = root.resolve() if root is not None else work_tree_root(path)
    if top is None:
        return ""
    try:
        rel = path.resolve().relative_to(top)
    except ValueError:
        raise click.UsageError(f"--sarif-root {root}: {path} is not inside it") from None
    return "" if rel == Path() else rel.as_posix() + "/"


@click.command("scan")
@options.project_path
@options.target_option
@click.option("-f", "--format", "fmt", type=click.Choice(sorted(FORMAT_NAMES)), default="text",
              help="Report format.")
@options.output_option
@options.select_option
@options.ignore_option
@options.fail_on_option
@options.jobs_option
@options.no_cache_option
@options.constraints_option
@click.option("--verify", "run_verify", is_flag=True,
              help="Also load the DAGs in a real Airflow of the target (as `migrator verify` does) "
                   "and merge what it finds.")
@click.option("--statistics", "show_statistics", is_flag=True,
              help="Show the number of findings per rule (with name and fixable count) instead of "
                   "the findings (text or json).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A JSON report of an earlier scan: the findings it holds are known, not reported "
                   "and not counted for the exit code; the ones no longer found are counted as fixed.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every finding of this run as a baseline (the JSON report) to this file; "
                   "they are then known for this run too.")
@click.option("--sarif-root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder the paths of -f sarif and -f github are relative to (default: the git "
                   "repository's root when PATH is in one, else PATH).")
@options.quiet_option
def command(path: Path, target: str | None, fmt: str, output: Path | None, select, ignore,
            fail_on: str | None, jobs: int, no_cache: bool, constraints: Path | None, run_verify: bool,
            show_statistics: bool, baseline_file: Path | None, write_baseline_file: Path | None,
            sarif_root: Path | None, quiet: bool) -> int:
    """Scan the Airflow project at PATH (default: the current directory)."""
    if show_statistics and fmt not in STATISTICS_FORMATS:
        raise click.UsageError(f"--statistics is written as {' or '.join(STATISTICS_FORMATS)}, not {fmt}")
    if baseline_file and write_baseline_file:
        raise click.UsageError("--baseline reads a baseline and --write-baseline replaces one: give one of them")
    # Concise lines are read by tools (editors, grep) more than by eyes: coloured only if forced.
    color = output is None and (use_color(sys.stdout) if fmt == "text"
                                else fmt == "concise" and forced_color() is True)
    if fmt in REPOSITORY_PATH_FORMATS:
        prefix = path_prefix(path, sarif_root)
    elif fmt == "concise":  # paths as the command line named the folder, as linters write them
        prefix = "" if path == Path() else path.as_posix().rstrip("/") + "/"
    else:
        prefix = None
    # A run that loads Airflow or writes a baseline is never answered from a kept report.
    memo = tree = None
    if not (no_cache or run_verify or write_baseline_file) and path.is_dir():
        tree = tree_state(path)  # the scan's own memos are keyed by it too
        given = {"path": str(path.resolve()), "target": target, "fmt": fmt, "output": output, "select": select,
                 "ignore": ignore, "fail_on": fail_on, "constraints": constraints,
                 "show_statistics": show_statistics, "baseline_file": baseline_file}
        memo = RunMemo(path, _report_inputs(tree.fingerprint, path, given, color, prefix), kind="report")
    kept = memo.load() if memo is not None else None
    text = open_kept_text(_report_path(memo), kept.report) if isinstance(kept, KeptReport) else None
    if text is not None:
        with text:
            options.warn_former_ids(kept.former_ids)
            options.write_output(iter(partial(text.read, options.REPORT_BLOCK), ""), output, color)
        return kept.exit_code
    pieces, exit_code, crashed, keepable = _scan_and_report(
        path, target, fmt, select, ignore, fail_on, jobs, no_cache, constraints, run_verify, show_statistics,
        baseline_file, write_baseline_file, quiet, color, prefix, tree)
    if memo is None:
        options.write_output(pieces, output, color)
        return options.internal_error_after_report("the report was written") if crashed else exit_code
    # Written to disk as it is made: a large project's report is not held to be kept.
    report = KeptText(_report_path(memo))
    try:
        options.write_output(report.copying(options.report_blocks(pieces)), output, color)
        if crashed:
            return options.internal_error_after_report("the report was written")
        stamp = report.keep() if keepable else None
        if stamp is not None:
            context = click.get_current_context(silent=True)
            warned = context.meta.get("migrator.former_ids_warned", ()) if context else ()
            memo.save(KeptReport(stamp, exit_code, tuple(sorted(warned))))
    finally:
        report.discard()
    return exit_code


def _report_path(memo: RunMemo) -> Path:
    return memo.path.with_suffix(".txt")


def _scan_and_report(path: Path, target: str | None, fmt: str, select, ignore, fail_on: str | None, jobs: int,
                     no_cache: bool, constraints: Path | None, run_verify: bool, show_statistics: bool,
                     baseline_file: Path | None, write_baseline_file: Path | None, quiet: bool, color: bool,
                     prefix: str | None, tree: str | None) -> tuple[Iterable[str], int, bool, bool]:
    """(the report in pieces, the exit code, whether a rule crashed, whether the report may be
    kept) of a scan run afresh: not when the network had a say in it, as the scan's own memo."""
    from migrator.baseline import apply_baseline, read_baseline, write_baseline
    from migrator.engine import constraints_failures_seen, scan
    from migrator.guards import check_airflow_found
    from migrator.inventory import scan_document
    from migrator.reporters import render_pieces, statistics

    settings = options.project_settings(path, target=target, select=select, ignore=ignore, fail_on=fail_on,
                                        constraints=constraints)
    baseline = read_baseline(baseline_file) if baseline_file else None
    mwaa = options.resolve_target(settings)
    progress, update = _progress_bar(not quiet and options.is_terminal(sys.stderr))
    failures_before = constraints_failures_seen()
    if progress:
        with progress:
            result = scan(path, settings, mwaa, jobs=jobs, progress=update, use_cache=not no_cache, tree=tree)
    else:
        result = scan(path, settings, mwaa, jobs=jobs, use_cache=not no_cache, tree=tree)
    options.warn_former_ids(sorted(result.former_ids))
    check_airflow_found(path, result.workspace)
    if run_verify:
        # Only scan --verify needs Airflow venvs and the verify run: a plain scan does not load them.
        from migrator.verify import verify_project
        from migrator.verify_scan import merge_into_scan

        log = None if quiet else (lambda message: click.echo(f"migrator: {message}", err=True))
        merge_into_scan(result, verify_project(path, settings, mwaa, log=log), settings)
    if write_baseline_file:
        baseline = write_baseline(write_baseline_file, result, scan_document(result))
    accepted = apply_baseline(result, baseline) if baseline else None
    document = scan_document(result)
    if accepted is not None:
        document["baseline"] = accepted
    if prefix is not None:
        document["path_prefix"] = prefix
    pieces = (statistics.render(fmt, document, result.rules) if show_statistics
              else render_pieces(fmt, document, result.rules, color))
    exit_code = 1 if any(settings.fails(f.severity) for f in result.findings) else 0
    keepable = not result.crashed and constraints_failures_seen() == failures_before
    return pieces, exit_code, result.crashed, keepable
