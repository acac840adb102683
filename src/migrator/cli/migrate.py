"""``migrator migrate SRC --out DIR``: scan, fix, package and size a copy of the project."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from migrator.bundle.model import BundleOptions
from migrator.cli import options
from migrator.dag_count import dags_text
from migrator.findings import Severity
from migrator.migrate import (
    BUNDLE_DIR,
    PROJECT_DIR,
    REPORT_HTML,
    REPORT_MD,
    Migration,
    VerifyOptions,
    migrate,
)
from migrator.outcome import headline

TOP_RULES = 5
MESSAGE_WIDTH = 160  # full messages are in report.md


@click.command("migrate")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Folder for the fixed copy, the bundle and the reports (replaced as a whole).")
@options.target_option
@click.option("--unsafe", is_flag=True, help="Also apply fixes marked unsafe.")
@click.option("--aws-native", is_flag=True,
              help="Also rewrite what MWAA cannot run to AWS services: DockerOperator and pod operators -> "
                   "EcsRunTaskOperator on ECS Fargate, pods ECS has no place for -> EksPodOperator on EKS "
                   "(see docs/aws-native.md).")
@click.option("--region", help="AWS Region for the sizing's prices (default: us-east-1).")
@click.option("--private-network", is_flag=True,
              help="Bundle the requirements' wheels into plugins.zip (see `migrator package`).")
@options.constraints_option
@click.option("--allow-broken-requirements", is_flag=True,
              help="Write the bundle even when its requirements.txt is known not to install on the target.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Load the bundle in a real Airflow of the target, with its requirements "
                   "installed and MWAA's paths (as `migrator verify` does); the report says how "
                   "many DAG files load and why the others do not.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Output format (json: the report document).")
@options.fail_on_option
@options.jobs_option
@options.quiet_option
def command(src: Path, out: Path, target: str | None, unsafe: bool, aws_native: bool, region: str | None,
            private_network: bool, constraints: Path | None, allow_broken_requirements: bool,
            run_verify: bool, fmt: str, fail_on: str | None, jobs: int, quiet: bool) -> int:
    """Migrate the project at SRC into --out DIR; SRC itself is never written.

    DIR gets project/ (the fixed copy), bundle/ (what MWAA reads from S3), report.md,
    report.json and report.html. Exit 1 when findings at or above --fail-on remain or the
    bundle has errors.
    """
    settings = options.project_settings(src, target=target, fail_on=fail_on, constraints=constraints)
    mwaa = options.resolve_target(settings)
    log = None if quiet else (lambda message: click.echo(f"migrator: {message}", err=True))
    migration = migrate(src, out, settings, mwaa, unsafe=unsafe, aws_native=aws_native, region=region, jobs=jobs,
                        options=BundleOptions(private_network=private_network,
                                              constraints=constraints,
                                              allow_broken_requirements=allow_broken_requirements),
                        verify=VerifyOptions(constraints=constraints, log=log) if run_verify else None)
    options.warn_former_ids(sorted(migration.before.former_ids))
    if fmt == "json":
        click.echo(json.dumps(migration.report, indent=2, sort_keys=True))
    else:
        click.echo(render_migration(migration), nl=False)
    if migration.crashed:
        return options.internal_error_after_report(f"the migration was written to {out}")
    return 1 if migration.failed(settings) else 0


def _severities(findings) -> str:
    counts = Counter(f.severity for f in findings)
    errors = counts[Severity.ERROR]
    return f"{len(findings)} ({errors} error{'s' if errors != 1 else ''})"


def render_migration(migration: Migration) -> str:
    """A few lines: what changed, what the bundle is, what it costs, what is left."""
    bundle, sizing = migration.bundle, migration.sizing
    out = migration.out
    lines = [(f"Migrated {migration.source} for MWAA Airflow {migration.target.airflow} "
             f"(Python {migration.target.python}) into {out}/")]
    lines.append(f"  findings  {_severities(migration.before.findings)} before -> "
                 f"{_severities(migration.after.findings)} after")
    if migration.fixed:
        top = ", ".join(f"{rule} x{n}" for rule, n in migration.fixed.most_common(TOP_RULES))
        lines.append(f"  fixed     {sum(migration.fixed.values())} in "
                     f"{len(migration.changed_files)} files ({top}) -> {out / PROJECT_DIR}/")
    sizes = {row["path"]: row["size"] for row in bundle.files()}
    parts = [p for p in ("plugins.zip", "requirements.txt", "startup.sh") if p in sizes]
    lines.append(f"  bundle    {out / BUNDLE_DIR}/: {dags_text(bundle.dags, bundle.dags_estimated)}, "
                 f"dags/ + {', '.join(parts)}")
    rec = sizing.get("recommendation", {})
    cost = rec.get("monthly_cost_usd")
    lines.append(f"  size      {rec.get('environment_class')}, {rec.get('min_workers')}-"
                 f"{rec.get('max_workers')} workers, "
                 f"{'no price' if cost is None else f'~${cost}/month'} ({sizing.get('region')})")
    if migration.verify is not None:
        causes = Counter(f.cause for f in migration.load_failures).most_common(TOP_RULES)
        lines.append(f"  verify    {headline(migration.verify)}"
                     + (f" (not loading: {', '.join(f'{c} x{n}' for c, n in causes)})" if causes else ""))
    lines.append(f"  report    {out / REPORT_MD} (one page to share: {out / REPORT_HTML})")
    if migration.unreadable:  # the bundle lacks these: never let that pass quietly
        lines.append(f"Not read ({len(migration.unreadable)}), so missing from the copy and the "
                     "bundle:")
        lines += [f"  {path}: {reason}" for path, reason in migration.unreadable[:TOP_RULES]]
        if len(migration.unreadable) > TOP_RULES:
            lines.append(f"  ... {len(migration.unreadable) - TOP_RULES} more in {REPORT_MD}")
    after = migration.after.findings
    if after:
        worst = max(f.severity for f in after)
        top = Counter(f.rule for f in after if f.severity == worst).most_common(TOP_RULES)
        lines.append(f"Needs a human: {len(after)} findings; {worst.label}s: "
                     + ", ".join(f"{rule} x{n}" for rule, n in top) + f" (see {REPORT_MD})")
    # Remaining findings were just summed up; the bundle's other warnings follow, shortened.
    problems = [c for c in bundle.checks
                if c.severity >= Severity.WARNING and c.code != "findings-remain"]
    for check in problems[:TOP_RULES]:
        text = str(check)
        lines.append(f"  bundle {text if len(text) <= MESSAGE_WIDTH else text[:MESSAGE_WIDTH - 1] + '…'}")
    if len(problems) > TOP_RULES:
        lines.append(f"  ... {len(problems) - TOP_RULES} more bundle warnings in {REPORT_MD}")
    lines.append(f"Next: migrator package {out / PROJECT_DIR} --out {out / BUNDLE_DIR} "
                 "--upload s3://BUCKET/PREFIX")
    return "\n".join(lines) + "\n"
