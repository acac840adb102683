"""``migrator package``: build the S3 bundle MWAA reads, and optionally upload it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from migrator.bundle.build import build_bundle
from migrator.bundle.model import Bundle, BundleOptions
from migrator.bundle.staging import check_out_dir
from migrator.cli import options
from migrator.cli.scan import path_prefix
from migrator.dag_count import DagCount
from migrator.engine import scan
from migrator.findings import Severity
from migrator.inventory import target_info, tool_info
from migrator.reporters import sarif
from migrator.rules import all_rules
from migrator.s3upload import (
    S3Location,
    UploadFailed,
    UploadResult,
    make_s3_client,
    update_environment_command,
    update_environment_flags,
    update_environment_input,
    upload_bundle,
    write_update_input,
)

ENVIRONMENT_PLACEHOLDER = "YOUR-MWAA-ENVIRONMENT"


def upload_options(function):
    for decorator in reversed((
        click.option("--upload", "upload_url", metavar="s3://BUCKET/PREFIX",
                     help="Upload the bundle there (bucket: versioning on, public access blocked)."),
        click.option("--endpoint-url", help="S3 endpoint (S3-compatible or local test servers)."),
        click.option("--region", help="AWS Region of the bucket and environment."),
        click.option("--profile", help="AWS profile to use."),
        click.option("--delete", is_flag=True,
                     help="Delete objects under PREFIX/dags/ the bundle no longer has."),
        click.option("--environment", "environment_name", metavar="NAME",
                     help="MWAA environment name for the printed update-environment call."),
    )):
        function = decorator(function)
    return function


@click.command("package")
@options.project_path
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Folder to write the bundle to (replaced as a whole).")
@options.target_option
@click.option("--private-network", is_flag=True,
              help="Put the wheels of every requirement MWAA lacks into plugins.zip and install "
                   "offline from them.")
@options.constraints_option
@click.option("--allow-broken-requirements", is_flag=True,
              help="Write the bundle even when its requirements.txt is known not to install on the target.")
@click.option("--find-links", multiple=True, metavar="DIR|URL",
              help="Extra wheel location for --private-network downloads (repeatable).")
@click.option("--index-url", help="Package index for --private-network downloads.")
@click.option("--no-index", is_flag=True, help="Download only from --find-links locations.")
@click.option("--include", multiple=True, metavar="PATTERN",
              help="Ship files the bundle leaves out as sensitive (tests, keys, .env) when they "
                   "match this gitignore-style pattern (repeatable).")
@click.option("--include-secret-options", is_flag=True,
              help="Ship credentials found in configuration: options whose values are "
                   "credentials in mwaa-config.json, passwords in requirements.txt URLs (left "
                   "out by default).")
@click.option("--environment-class", metavar="CLASS",
              help="Check the DAG count against this class (mw1.small, ...).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              help="Output format: text; json (the manifest, or the upload's result); sarif (the "
                   "bundle's checks as a SARIF 2.1.0 log, PKG rules with their docs).")
@upload_options
@options.jobs_option
@options.quiet_option
def command(path: Path, out: Path, target: str | None, private_network: bool,
            constraints: Path | None, find_links: tuple[str, ...], index_url: str | None,
            no_index: bool, include: tuple[str, ...], include_secret_options: bool,
            environment_class: str | None, fmt: str,
            upload_url: str | None, endpoint_url: str | None, region: str | None,
            profile: str | None, delete: bool, environment_name: str | None, jobs: int,
            quiet: bool, allow_broken_requirements: bool) -> int:
    """Build the bundle for the project at PATH into --out DIR.

    DIR gets dags/, plugins.zip, requirements.txt, startup.sh (when needed), mwaa-config.json and
    manifest.json. Exit 1 when the bundle has errors (it is still written, never uploaded).
    What the user must know about the bundle are checks of the PKG rules (`migrator explain
    PKG005`); -f sarif writes them for code scanning, paths relative to the git work tree's top.
    """
    settings = options.project_settings(path, target=target, constraints=constraints)
    mwaa = options.resolve_target(settings)
    location = S3Location.parse(upload_url) if upload_url else None
    pip_args: list[str] = []
    for link in find_links:
        pip_args += ["--find-links", link]
    if index_url:
        pip_args += ["--index-url", index_url]
    if no_index:
        pip_args.append("--no-index")
    if fmt == "sarif" and location is not None:
        raise click.UsageError("-f sarif reports the bundle's checks, not an upload: use -f text "
                               "or -f json with --upload")
    check_out_dir(out, path)  # before the scan: a refused folder should not wait for one
    result = scan(path, settings, mwaa, jobs=jobs)
    bundle = build_bundle(result, out, BundleOptions(
        private_network=private_network, include=include,
        include_secret_options=include_secret_options, environment_class=environment_class,
        constraints=constraints, pip_args=tuple(pip_args),
        allow_broken_requirements=allow_broken_requirements))

    if location is None:
        if fmt == "json":
            click.echo(json.dumps(bundle.manifest, indent=2, sort_keys=True))
        elif fmt == "sarif":
            options.write_output(sarif.render_bundle(
                bundle.checks, all_rules(), tool=tool_info(), target=target_info(result),
                path_prefix=path_prefix(path, None)), None)
        else:
            click.echo(render_bundle(bundle, quiet), nl=False)
        if bundle.crashed:
            return options.internal_error_after_report("the bundle was written")
        return 1 if bundle.errors else 0

    if fmt == "text":
        click.echo(render_bundle(bundle, quiet, uploading=True), nl=False)
    if bundle.errors:
        click.echo(f"migrator: not uploading: the bundle has {len(bundle.errors)} error(s)",
                   err=True)
        return 1
    if bundle.crashed:
        return options.internal_error_after_report("the bundle was written, not uploaded")
    client = make_s3_client(endpoint_url, region, profile)
    try:
        result = upload_bundle(out, location, client, delete=delete)
    except UploadFailed as failure:
        if fmt == "json":
            click.echo(json.dumps(failure.result.to_json(), indent=2, sort_keys=True))
        else:
            click.echo(render_upload_failure(failure.result), nl=False)
        raise
    config = json.loads((out / "mwaa-config.json").read_text(encoding="utf-8"))
    document = update_environment_input(result, location, environment_name or
                                        ENVIRONMENT_PLACEHOLDER,
                                        config.get("AirflowConfigurationOptions", {}), region)
    input_file = (out.parent / f"{out.name}-update-environment.json").resolve()
    write_update_input(input_file, document)
    if fmt == "json":
        payload = result.to_json()
        payload["update_environment"] = {
            "cli_input_json": str(input_file),
            "command": update_environment_command(input_file, region),
        }
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
    else:
        click.echo(render_upload(result, location, document, input_file, region,
                                 environment_name is None), nl=False)
    return 0


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def render_bundle(bundle: Bundle, quiet: bool = False, uploading: bool = False) -> str:
    """Short text report: what is in the bundle, what was left out and why, the checks."""
    target = bundle.target
    sizes = {row["path"]: row["size"] for row in bundle.files()}
    lines = [f"Bundle for MWAA Airflow {target.airflow} (Python {target.python}) in {bundle.out}"]
    dags = DagCount(bundle.dags, bundle.dag_files, bundle.dags_estimated).text()
    for part, how in sorted(bundle.parts.items()):
        detail = how + (f"; {dags}" if part == "dags/" else "")
        size = f" ({_size(sizes[part])})" if part in sizes else ""
        lines.append(f"  {part:<17} {detail}{size}")
    if bundle.kept and not quiet:
        lines.append(f"  shipped but not parsed ({len(bundle.kept)} files .airflowignore matches, "
                     "which the DAGs need):")
        lines += [f"    {k.path}" for k in bundle.kept]
    if bundle.excluded and not quiet:
        lines.append(f"  left out ({len(bundle.excluded)}):")
        lines += [f"    {e.path}: {e.reason}" for e in bundle.excluded]
    for check in bundle.checks:
        if quiet and check.severity < Severity.WARNING:
            continue
        lines.append(str(check))
    errors = len(bundle.errors)
    if errors:
        lines.append(f"{errors} error(s): not ready for MWAA.")
    elif not uploading:  # the upload's own report says how that went
        lines.append(f"Ready: upload {bundle.out} with --upload s3://BUCKET/PREFIX.")
    return "\n".join(lines) + "\n"


def render_upload(result: UploadResult, location: S3Location, document: dict, input_file: Path,
                  region: str | None, placeholder: bool) -> str:
    head = (f"Uploaded to {location.url}: {len(result.uploaded)} object(s) sent, "
            f"{len(result.unchanged)} unchanged, {len(result.deleted)} deleted.")
    lines = [head]
    if result.stale:
        lines.append(f"  {len(result.stale)} object(s) under dags/ are no longer in the bundle "
                     "(MWAA still parses them): rerun with --delete to remove them")
    lines.append("Object versions:")
    for part, version in result.versions.items():
        lines.append(f"  {part:<17} {version or '(not in this bundle)'}")
    lines.append("Point the environment at them:")
    lines.append(f"  {update_environment_flags(document, region)}")
    lines.append(f"or, with the configuration options too ({input_file.name}):")
    lines.append(f"  {update_environment_command(input_file, region)}")
    if placeholder:
        lines.append(f"(replace {ENVIRONMENT_PLACEHOLDER}, or pass --environment NAME)")
    return "\n".join(lines) + "\n"


def render_upload_failure(result: UploadResult) -> str:
    lines = [f"Upload incomplete: {result.error}",
             f"  uploaded ({len(result.uploaded)}): " + (", ".join(result.uploaded) or "none"),
             f"  unchanged ({len(result.unchanged)})",
             f"  not uploaded ({len(result.not_uploaded)}): "
             + (", ".join(result.not_uploaded) or "none")]
    return "\n".join(lines) + "\n"
