"""``migrator fix``: show (or, with ``--apply``, write) every automatic fix for the project."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from migrator.cli import options
from migrator.cli.options import use_color
from migrator.fix import FixPlan, apply_plan, plan_fixes


@click.command("fix")
@options.project_path
@options.target_option
@click.option("--apply", "apply_", is_flag=True, help="Write the fixes (default: only show the diff).")
@click.option("--unsafe", is_flag=True, help="Also apply fixes that change behaviour; read the diff.")
@click.option("--diff/--no-diff", "show_diff", default=True, help="Print the unified diff (default: yes).")
@options.select_option
@options.ignore_option
@options.jobs_option
@options.quiet_option
def command(path: Path, target: str | None, apply_: bool, unsafe: bool, show_diff: bool, select, ignore,
            jobs: int, quiet: bool) -> int:
    """Fix what can be fixed automatically in the Airflow project at PATH.

    Prints the unified diff of every fix on stdout (apply it with `git apply`) and a summary on
    stderr: what was fixed per rule and what still needs a human. Exit status 1 when fixes are
    pending (not applied), 0 otherwise.
    """
    settings = options.project_settings(path, target=target, select=select, ignore=ignore)
    mwaa = options.resolve_target(settings)
    plan = plan_fixes(path, settings, mwaa, unsafe=unsafe, jobs=jobs)
    if show_diff and plan.files:
        click.echo(plan.diff(color=use_color()), nl=False)
    written = apply_plan(path, plan) if apply_ and plan.pending else []
    if not quiet:
        click.echo(summary(plan, written, apply_, color=use_color(sys.stderr)), err=True, nl=False)
    return 1 if plan.pending and not apply_ else 0


def summary(plan: FixPlan, written: list[str], applied: bool, color: bool = False) -> str:
    """What was (or would be) fixed per rule, and what still needs a human, by rule."""

    def bold(text: str) -> str:
        return click.style(text, bold=True) if color else text

    lines = []
    total = sum(plan.fixed.values())
    verb = "Fixed" if applied else "Would fix"
    if total:
        where = f"{len(written) if applied else len(plan.files)} file(s)"
        lines.append(bold(f"{verb} {total} finding(s) in {where}:"))
        for rule, count in sorted(plan.fixed.items()):
            lines.append(f"  {rule}  {count}")
    else:
        lines.append(bold("Nothing to fix automatically."))
    elsewhere = [f for f in plan.remaining if plan.applied_elsewhere(f)]
    human = [f for f in plan.remaining if not plan.applied_elsewhere(f)]
    if elsewhere:
        counts = Counter(f.rule for f in elsewhere)
        lines.append(bold(f"{len(elsewhere)} finding(s) are applied by another step:"))
        lines.append(f"  {', '.join(f'{rule} {n}' for rule, n in sorted(counts.items()))}  "
                     f"({plan.reason(elsewhere[0])})")
    if human:
        lines.append(bold(f"{len(human)} finding(s) need a human (`migrator scan` lists them):"))
        by_rule: Counter[str] = Counter(f.rule for f in human)
        names = {f.rule: f.name for f in human}
        for rule, count in sorted(by_rule.items()):
            reasons = Counter(plan.reason(f) for f in human if f.rule == rule)
            reason, _ = reasons.most_common(1)[0]
            lines.append(f"  {rule} {names[rule]}  {count}  ({reason})")
        unsafe = plan.unsafe_available()
        if unsafe:
            lines.append(f"{len(unsafe)} of them have unsafe fixes: run with --unsafe and review the diff.")
    if plan.pending and not applied:
        lines.append("Run again with --apply to write these changes.")
    return "\n".join(lines) + "\n"
