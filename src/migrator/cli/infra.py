"""``migrator infra``: the MWAA environment as CloudFormation and Terraform (library: migrator.infra)."""

from __future__ import annotations

from pathlib import Path

import click

from migrator.cli import options
from migrator.infra import CLOUDFORMATION, TERRAFORM_DIR, project_environment, write_infra


@click.command("infra")
@options.project_path
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help=f"Folder to write {CLOUDFORMATION} and {TERRAFORM_DIR}/ to.")
@options.target_option
@click.option("--name", help="MWAA environment name [default: the project folder's name].")
@click.option("--bundle", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="A bundle `migrator package` built from PATH [default: built into a temporary folder].")
@click.option("--region", help="AWS Region to size and price for (as `migrator size`).")
@click.option("--source", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="The project PATH was rewritten from (`migrate --aws-native`'s source): the ECS task "
                   "definitions of the rewritten container tasks take their images from it.")
@click.option("--create-vpc", is_flag=True,
              help="Also create a VPC without internet access for the environment: two private subnets, "
                   "a self-referencing security group and the VPC endpoints MWAA (and its ECS tasks) need.")
def command(path: Path, out: Path, target: str | None, name: str | None, bundle: Path | None,
            region: str | None, source: Path | None, create_vpc: bool) -> int:
    """Write the MWAA environment for the project at PATH as code into --out DIR.

    DIR/cloudformation.yaml and the equivalent Terraform module DIR/terraform/: the bucket
    (versioned, public access blocked, encrypted), the environment (version, class and workers
    from `migrator size`, configuration options from the bundle) and an execution role whose
    policy grants only what the DAGs use, each statement naming the files that need it. The
    Docker and pod tasks the AWS-native rewrite maps become ECS task definitions (docs/infra.md).
    """
    settings = options.project_settings(path, target=target)
    mwaa = options.resolve_target(settings)
    spec = project_environment(path, settings, mwaa, name=name, bundle=bundle, region=region,
                               source=source, create_vpc=create_vpc)
    written = write_infra(spec, out)
    click.echo(f"MWAA environment {spec.name} (Airflow {spec.airflow_version}, {spec.environment_class}, "
               f"{spec.min_workers}-{spec.max_workers} workers, {spec.schedulers} schedulers), "
               f"execution role with {len(spec.statements)} policy statements:")
    for file in written:
        click.echo(f"  {file}")
    for note in spec.notes:
        click.echo(f"  to do by hand: {note}")
    click.echo(f"Next: deploy {out / CLOUDFORMATION} (aws cloudformation deploy) or {out / TERRAFORM_DIR} "
               "(terraform apply), upload the bundle to its bucket, and deploy again with the object versions.")
    return 0
