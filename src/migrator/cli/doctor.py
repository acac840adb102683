"""``migrator doctor``: name what made an MWAA environment fail, from its logs and metrics."""

from __future__ import annotations

from pathlib import Path

import click

from migrator.cli import options
from migrator.errors import InputError


@click.command("doctor")
@click.argument("environment_name", required=False)
@click.option("--logs", "logs_dir", type=click.Path(path_type=Path),
              help="Read an export instead of AWS: one <log-group-name>.json per group from "
                   "`aws logs filter-log-events`, and optionally environment.json from "
                   "`aws mwaa get-environment`.")
@click.option("--since", default="6h", show_default=True,
              help="How far back to read logs and metrics (30m, 6h, 2d); an export is read whole.")
@click.option("--region", help="AWS Region of the MWAA environment.")
@click.option("--profile", help="AWS profile to use.")
@click.option("--endpoint-url", help="Endpoint for CloudWatch Logs, CloudWatch and MWAA "
                                      "(VPC endpoints, local test servers).")
@click.option("--project", "project_path", type=click.Path(path_type=Path),
              help="The project the environment runs: link each diagnosis to its scan findings.")
@options.target_option
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              help="Output format.")
@options.output_option
def command(environment_name: str | None, logs_dir: Path | None, since: str, region: str | None,
            profile: str | None, endpoint_url: str | None, project_path: Path | None, target: str | None,
            fmt: str, output: Path | None) -> int:
    """Diagnose a failing MWAA environment ENVIRONMENT_NAME (or an export with --logs DIR).

    Reads only (get_environment, filter_log_events, get_metric_data). Exit 1 when something is
    wrong, 0 when nothing is, 2 on bad input.
    """
    # Loaded when the command runs, not when --help lists it; boto3 (migrator.aws) only for a live read.
    from migrator.doctor.read import diagnose_export, diagnose_live, parse_since
    from migrator.doctor.render import RENDERERS

    if (environment_name is None) == (logs_dir is None):
        raise InputError("doctor: give an environment name or --logs DIR (one of the two)")
    window = parse_since(since)
    if logs_dir is not None:
        report = diagnose_export(logs_dir)
    else:
        from migrator.aws import AwsOptions, client

        aws = AwsOptions(profile, region, endpoint_url)
        report = diagnose_live(lambda service: client(service, aws), environment_name, window)
    if project_path is not None:
        # The scan engine and its rules only when findings are linked to a project.
        from migrator.api import scan
        from migrator.doctor.project import link_findings

        report = link_findings(report, scan(project_path, target=target).findings)
    options.write_output(RENDERERS[fmt](report), output)
    return 0 if report.healthy else 1
