"""``migrator connections export``: Secrets Manager secrets for the project's connections and variables."""

from __future__ import annotations

import json
from pathlib import Path

import click

from migrator.analysis.connections.project import read_definitions
from migrator.analysis.envsources import analyse_env
from migrator.aws import AwsOptions, client
from migrator.cli import options
from migrator.connections_export import (
    DEFAULT_CONNECTIONS_PREFIX,
    DEFAULT_VARIABLES_PREFIX,
    ExportPlan,
    Outcome,
    apply_export,
    plan_document,
    plan_export,
)
from migrator.secrets import mask
from migrator.workspace import discover

_ACTION_LABELS = {"created": "created", "updated": "updated", "unchanged": "unchanged", "failed": "FAILED"}


@click.group("connections")
def command() -> None:
    """Connections and variables: move them into AWS Secrets Manager."""


@command.command("export")
@options.project_path
@options.target_option
@click.option("--apply", "apply_changes", is_flag=True,
              help="Create or update the secrets (default: dry run, nothing is sent to AWS).")
@click.option("--connections-prefix", default=DEFAULT_CONNECTIONS_PREFIX, show_default=True,
              help="Secret name prefix for connections.")
@click.option("--variables-prefix", default=DEFAULT_VARIABLES_PREFIX, show_default=True,
              help="Secret name prefix for variables.")
@click.option("--endpoint-url", help="Secrets Manager endpoint (VPC endpoint, local test servers).")
@click.option("--region", help="AWS Region of the MWAA environment.")
@click.option("--profile", help="AWS profile to use.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@options.output_option
def export(path: Path, target: str | None, apply_changes: bool, connections_prefix: str, variables_prefix: str,
           endpoint_url: str | None, region: str | None, profile: str | None, fmt: str,
           output: Path | None) -> int:
    """Build a Secrets Manager secret for every connection and variable defined under PATH.

    Values are never printed: names and masked values only.
    """
    settings = options.project_settings(path, target=target)
    mwaa = options.resolve_target(settings)
    workspace = discover(path, settings)
    env = analyse_env(workspace)
    facts = read_definitions(workspace, env)
    plan = plan_export(facts, connections_prefix=connections_prefix, variables_prefix=variables_prefix,
                       target=mwaa)
    outcomes: list[Outcome] | None = None
    if apply_changes and plan.secrets:
        secrets_client = client("secretsmanager", AwsOptions(profile, region, endpoint_url))
        outcomes = apply_export(plan, secrets_client)
    elif apply_changes:
        outcomes = []
    unreadable = unreadable_sources(facts, env)
    if fmt == "json":
        document = plan_document(plan, outcomes, apply_changes)
        document["unreadable"] = [{"path": path, "line": line, "problem": problem}
                                  for path, line, problem in unreadable]
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    else:
        text = render_text(plan, outcomes, apply_changes, unreadable)
    options.write_output(text, output)
    if env.crashes or facts.crashes:
        return options.internal_error_after_report("the definitions of the other files were exported")
    return 1 if outcomes and any(o.action == "failed" for o in outcomes) else 0


def unreadable_sources(facts, env) -> list[tuple[str, int, str]]:
    """(path, line, problem) of every definition source that could not be read or parsed.

    Their connections and variables are missing from the export, so the user must hear of
    them. Parser messages can quote the file, hence the masking.
    """
    problems = {(path, problem.line, mask(problem.message))
                for path, problem in [*facts.problems, *env.problems]}
    problems.update((crash.path, 1, f"mwaa-migrator could not analyse this {crash.analysis} ({crash.error})")
                    for crash in [*facts.crashes, *env.crashes])
    return sorted(problems)


def render_text(plan: ExportPlan, outcomes: list[Outcome] | None, applied: bool,
                unreadable: list[tuple[str, int, str]] = ()) -> str:
    lines: list[str] = []
    by_name = {o.secret.name: o for o in outcomes or ()}
    if not plan.secrets:
        lines.append("No connection or variable definitions found (AIRFLOW_CONN_*/AIRFLOW_VAR_*, exports, "
                     "airflow_settings.yaml, `airflow connections add`).")
    else:
        header = "Secrets Manager secrets" + ("" if applied else " (dry run; --apply creates or updates them)")
        lines.append(header + ":")
        width = max(len(s.name) for s in plan.secrets)
        for secret in plan.secrets:
            outcome = by_name.get(secret.name)
            action = _ACTION_LABELS[outcome.action] if outcome else "would write"
            lines.append(f"  {action:<11} {secret.name:<{width}}  {secret.masked()}  ({secret.source})")
            if outcome and outcome.error:
                lines.append(f"              {outcome.error}")
            if secret.also_defined:
                lines.append(f"              also defined differently at {', '.join(secret.also_defined)}; "
                             f"used {secret.source}")
    if plan.skipped:
        lines.append("")
        lines.append("Not exported:")
        for skipped in plan.skipped:
            lines.append(f"  {skipped.kind} {skipped.key} ({skipped.source}): {skipped.reason}")
    if unreadable:
        lines.append("")
        lines.append("Not read (definitions in these files are missing from the export):")
        for path, line, problem in unreadable:
            lines.append(f"  {path}:{line}: {problem}")
    if outcomes:
        counts = {action: sum(1 for o in outcomes if o.action == action) for action in _ACTION_LABELS}
        lines.append("")
        lines.append(", ".join(f"{n} {a}" for a, n in counts.items() if n) or "nothing to do")
    lines.append("")
    lines.append("Set these Airflow configuration options on the MWAA environment:")
    for key, value in plan.configuration_options.items():
        lines.append(f"  {key} = {value}")
    return "\n".join(lines) + "\n"
