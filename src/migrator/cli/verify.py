"""``migrator verify``: load the DAGs in a real Airflow of the target version (library: migrator.verify)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from migrator.cli import options
from migrator.project import ProjectFacts
from migrator.reporters.jsonout import dumps
from migrator.verify import DEFAULT_TIMEOUT_SECONDS, render_text, verify_project
from migrator.verify_scan import verify_findings
from migrator.workspace import discover

cache_dir_option = click.option(
    "--cache-dir", type=click.Path(path_type=Path, file_okay=False),
    help="Where Airflow venvs are kept (default: $MWAA_MIGRATOR_CACHE or ~/.cache/mwaa-migrator).")


@click.command("verify")
@options.project_path
@options.target_option
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Report format.")
@options.output_option
@options.constraints_option
@click.option("--requirements", "requirements", type=click.Path(path_type=Path, dir_okay=False),
              help="Requirements file to install next to Airflow (default: the project's requirements.txt).")
@click.option("--no-requirements", is_flag=True, help="Do not install the project's requirements.")
@click.option("--python", "python", type=click.Path(path_type=Path, dir_okay=False),
              help="Interpreter to build the venv with (default: the target's Python, found on this machine).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT_SECONDS, show_default=True,
              help="Seconds each DAG file may take to load (MWAA's core.dagbag_import_timeout).")
@cache_dir_option
@click.option("--no-cache", is_flag=True, help="Build the Airflow venv afresh instead of reusing it.")
@options.select_option
@options.ignore_option
@options.fail_on_option
@options.quiet_option
def command(path: Path, target: str | None, fmt: str, output: Path | None, constraints: Path | None,
            requirements: Path | None, no_requirements: bool, python: Path | None, timeout: float,
            cache_dir: Path | None, no_cache: bool, select, ignore, fail_on: str | None, quiet: bool) -> int:
    """Load the DAGs at PATH in a real Apache Airflow of the target version.

    Builds (once, then reuses) a venv with apache-airflow==TARGET and the providers MWAA
    preinstalls, pinned by the target's constraints, plus the project's requirements; then loads
    every DAG file with Airflow's DagBag and reports import errors, timeouts, deprecation
    warnings, parse times and the Variable/Connection/environment lookups made at parse time.
    Exit code 1 when a finding is at or above --fail-on (import errors, timeouts and
    requirements that do not install are errors).
    """
    settings = options.project_settings(path, target=target, select=select, ignore=ignore, fail_on=fail_on)
    mwaa = options.resolve_target(settings)

    def log(message: str) -> None:
        if not quiet:
            click.echo(f"migrator: {message}", err=True)

    result = verify_project(
        path, settings, mwaa, constraints=constraints, cache_dir=cache_dir,
        requirements=None if no_requirements else (requirements or "auto"), python=python,
        timeout=timeout, rebuild=no_cache, log=log)
    findings = verify_findings(ProjectFacts(discover(path, settings), []), result, settings)
    color = fmt != "json" and output is None and options.use_color(sys.stdout)
    if fmt == "json":
        text = dumps(result.to_json())
    else:
        text = render_text(result, findings, color=color)
    options.write_output(text, output, color)
    env = result.environment
    log(f"{'built' if env.created else 'reused'} the Airflow {env.airflow_version} venv in "
        f"{env.seconds:.1f} s; whole run {result.seconds:.1f} s")
    return 1 if any(settings.fails(f.severity) for f in findings) else 0
