"""``migrator rules`` and ``migrator explain``: the rule catalogue, from the rules' own docs."""

from __future__ import annotations

import click

from migrator.cli.options import warn_former_ids
from migrator.errors import InputError
from migrator.reporters import rulesdoc
from migrator.reporters.jsonout import dumps
from migrator.rule_ids import former_ids
from migrator.rules import all_rules, get_rule


def rule_table() -> list[dict]:
    return [
        {"id": r.id, "name": r.name, "family": r.family, "severity": r.severity.label,
         "fix": r.fix_safety.value, "applies_to": r.applies_to or "all", "summary": r.summary}
        for r in all_rules()
    ]


@click.command("rules")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              help="markdown: the full documentation of every rule (docs/rules.md).")
def command(fmt: str) -> None:
    """List every rule."""
    rows = rule_table()
    if fmt == "json":
        click.echo(dumps(rows), nl=False)
        return
    if fmt == "markdown":
        click.echo(rulesdoc.render(all_rules()), nl=False)
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        click.echo(f"{r['id']:<7} {r['name']:<{width}}  {r['severity']:<7} fix:{r['fix']:<6} {r['summary']}")


@click.command("explain")
@click.argument("rule")
def explain(rule: str) -> None:
    """Print one rule's documentation (by id or name)."""
    found = get_rule(rule)
    if found is None:
        raise InputError(f"unknown rule {rule!r}; `migrator rules` lists them")
    warn_former_ids(former_ids([rule]))
    header = f"{found.id} {found.name} ({found.severity.label}, fix: {found.fix_safety.value}"
    header += f", targets: Airflow {found.applies_to})" if found.applies_to else ")"
    click.echo(f"{header}\n\n{found.summary}\n\n{found.documentation}")
