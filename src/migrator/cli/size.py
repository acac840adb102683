"""``migrator size``: which MWAA environment to buy, and what it costs (library: migrator.sizing)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from migrator.cli import options
from migrator.errors import InputError
from migrator.sizing import DEFAULT_REGION, FORMATS, render, size_project


def write_atomically(text: str, output: Path | None) -> None:
    """Write the report through a temp file and a rename: a reader never sees half a report."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            os.replace(temp, output)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"{output}: cannot write report: {exc.strerror or exc}") from None


@click.command("size")
@options.project_path
@options.target_option
@click.option("--region", default=DEFAULT_REGION, show_default=True,
              help="AWS region whose MWAA prices to use.")
@click.option("--history", "history", type=click.Path(path_type=Path, dir_okay=False),
              help="Task-instance export (CSV/TSV/JSON: dag_id, task_id, start, end, state, run_id) "
                   "from the current Airflow; durations and observed runs replace the defaults.")
@click.option("--verify-results", "verify_results", type=click.Path(path_type=Path, dir_okay=False),
              help="`migrator verify --format json` output; its parse times replace the default.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="markdown",
              show_default=True, help="Report format.")
@options.output_option
def command(path: Path, target: str | None, region: str, history: Path | None,
            verify_results: Path | None, fmt: str, output: Path | None) -> int:
    """Size the MWAA environment for the Airflow project at PATH.

    Models the expected concurrent tasks over a reference week from the DAGs' schedules, task
    counts and durations (capped by max_active_runs, max_active_tasks and pools), then picks
    the smallest environment class whose DAG capacity, parsing capacity, worker memory and
    worker count fit with headroom. Reports workers, schedulers, config overrides, the monthly
    cost of it and of the next class down and up, and DAGs AWS Glue Workflows could run instead.
    """
    settings = options.project_settings(path, target=target)
    mwaa = options.resolve_target(settings)
    document = size_project(path, settings, mwaa, region=region, history_path=history,
                            verify_path=verify_results)
    write_atomically(render(fmt, document), output)
    return 0
