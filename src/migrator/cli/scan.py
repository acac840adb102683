"""``migrator scan``: find everything that breaks or behaves badly on the target MWAA version."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from migrator.baseline import apply_baseline, read_baseline, write_baseline
from migrator.cli import options
from migrator.cli.options import forced_color, use_color
from migrator.engine import scan
from migrator.guards import check_airflow_found
from migrator.inventory import scan_document
from migrator.reporters import FORMATS, REPOSITORY_PATH_FORMATS, render_pieces, statistics
from migrator.vcs import work_tree_root


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
@click.option("-f", "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text",
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
    if show_statistics and fmt not in statistics.FORMATS:
        raise click.UsageError(f"--statistics is written as {' or '.join(statistics.FORMATS)}, not {fmt}")
    if baseline_file and write_baseline_file:
        raise click.UsageError("--baseline reads a baseline and --write-baseline replaces one: give one of them")
    settings = options.project_settings(path, target=target, select=select, ignore=ignore, fail_on=fail_on,
                                        constraints=constraints)
    baseline = read_baseline(baseline_file) if baseline_file else None
    mwaa = options.resolve_target(settings)
    progress, update = _progress_bar(not quiet and options.is_terminal(sys.stderr))
    if progress:
        with progress:
            result = scan(path, settings, mwaa, jobs=jobs, progress=update, use_cache=not no_cache)
    else:
        result = scan(path, settings, mwaa, jobs=jobs, use_cache=not no_cache)
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
    if fmt in REPOSITORY_PATH_FORMATS:
        document["path_prefix"] = path_prefix(path, sarif_root)
    elif fmt == "concise":  # paths as the command line named the folder, as linters write them
        document["path_prefix"] = "" if path == Path() else path.as_posix().rstrip("/") + "/"
    # Concise lines are read by tools (editors, grep) more than by eyes: coloured only if forced.
    color = output is None and (use_color(sys.stdout) if fmt == "text"
                                else fmt == "concise" and forced_color() is True)
    if show_statistics:
        options.write_output(statistics.render(fmt, document, result.rules), output)
    else:
        options.write_output(render_pieces(fmt, document, result.rules, color), output, color)
    if result.crashed:
        return options.internal_error_after_report("the report was written")
    return 1 if any(settings.fails(f.severity) for f in result.findings) else 0
