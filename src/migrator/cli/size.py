"""``migrator size``: which MWAA environment to buy, and what it costs (library: migrator.sizing)."""

from __future__ import annotations

from pathlib import Path

import click

from migrator.cli import options
from migrator.sizing.render import FORMATS, render
from migrator.sizing.report import DEFAULT_REGION, size_project


@click.command("size")
@options.project_path
@options.target_option
@click.option("--region", help=f"AWS Region whose MWAA prices to use [default: {DEFAULT_REGION}, or the "
                               "Region of --price-list].")
@click.option("--price-list", "price_list", type=click.Path(path_type=Path, dir_okay=False),
              help="An AWS Price List offer file for MWAA (offers/v1.0/aws/AmazonMWAA/current/"
                   "REGION/index.json): prices any Region offline.")
@click.option("--history", "history", type=click.Path(path_type=Path, dir_okay=False),
              help="Task-instance export (CSV/TSV/JSON: dag_id, task_id, start, end, state, run_id) "
                   "from the current Airflow; durations and observed runs replace the defaults.")
@click.option("--verify-results", "verify_results", type=click.Path(path_type=Path, dir_okay=False),
              help="`migrator verify --format json` output; its parse times replace the default.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="markdown",
              show_default=True, help="Report format.")
@options.output_option
def command(path: Path, target: str | None, region: str | None, price_list: Path | None,
            history: Path | None, verify_results: Path | None, fmt: str, output: Path | None) -> int:
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
                            verify_path=verify_results, price_list=price_list)
    options.write_output(render(fmt, document), output)
    if document["crashed"]:
        return options.internal_error_after_report("the sizing report was written")
    return 0
