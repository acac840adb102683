"""``migrator fix``: show (or, with ``--apply``, write) every automatic fix for the project."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from migrator.cli import options
from migrator.cli.options import use_color
from migrator.errors import InputError
from migrator.fix import FixPlan, apply_plan, plan_fixes
from migrator.secrets import MASK, mask
from migrator.vcs import uncommitted

DIRTY_SHOWN = 5


@click.command("fix")
@options.project_path
@options.target_option
@click.option("--apply", "apply_", is_flag=True, help="Write the fixes (default: only show the diff).")
@click.option("--unsafe", is_flag=True, help="Also apply fixes that change behaviour; read the diff.")
@click.option("--allow-dirty", is_flag=True,
              help="Apply even to files with uncommitted changes in git (default: refuse, so that "
                   "`git diff` shows exactly the fixes and `git checkout` undoes them).")
@click.option("--diff/--no-diff", "show_diff", default=True, help="Print the unified diff (default: yes).")
@options.select_option
@options.ignore_option
@options.jobs_option
@options.no_cache_option
@options.constraints_option
@options.quiet_option
def command(path: Path, target: str | None, apply_: bool, unsafe: bool, allow_dirty: bool, show_diff: bool,
            select, ignore, jobs: int, no_cache: bool, constraints: Path | None, quiet: bool) -> int:
    """Fix what can be fixed automatically in the Airflow project at PATH.

    Prints the unified diff of every fix on stdout (apply it with `git apply`) and a summary on
    stderr: what was fixed per rule and what still needs a human. Exit status 1 when fixes are
    pending (not applied), 0 otherwise.
    """
    settings = options.project_settings(path, target=target, select=select, ignore=ignore,
                                        constraints=constraints)
    mwaa = options.resolve_target(settings)
    plan = plan_fixes(path, settings, mwaa, unsafe=unsafe, jobs=jobs, use_cache=not no_cache)
    if plan.scan is not None:
        options.warn_former_ids(sorted(plan.scan.former_ids))
    if apply_ and not allow_dirty:
        refuse_dirty(path, plan)
    masked_lines = 0
    if show_diff and plan.files:
        diff, masked_lines = masked_diff(plan.diff())
        color = use_color(sys.stdout)
        click.echo(colored_diff(diff) if color else diff, nl=False, color=color or None)
    written = apply_plan(path, plan) if apply_ else []
    if not quiet:
        color = use_color(sys.stderr)
        click.echo(summary(plan, written, apply_, color=color), err=True, nl=False, color=color or None)
        if masked_lines:
            click.echo(f"{masked_lines} diff line(s) hold credentials and are shown masked; "
                       "`git apply` refuses their hunks, --apply writes the real text.", err=True)
    if plan.scan is not None and plan.scan.crashed:
        # Its findings, and their fixes, are missing for the files MIG005/MIG006 name.
        return options.internal_error_after_report("the fixes found elsewhere are listed above")
    return 1 if plan.pending and not apply_ else 0


def refuse_dirty(path: Path, plan: FixPlan) -> None:
    """An input error when files the fixes would write have uncommitted changes in git: the fixes
    would mix with the user's edits, past what `git checkout` can take back alone."""
    dirty = uncommitted(path, plan.files)
    if dirty:
        shown = ", ".join(dirty[:DIRTY_SHOWN]) + (f" and {len(dirty) - DIRTY_SHOWN} more"
                                                  if len(dirty) > DIRTY_SHOWN else "")
        raise InputError(f"{path}: {len(dirty)} file(s) the fixes would write have uncommitted changes "
                         f"({shown}); commit or stash them first, or pass --allow-dirty")


_DIFF_COLORS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}


def masked_diff(diff: str) -> tuple[str, int]:
    """``diff`` with the credentials on its lines masked, and how many lines that changed.

    A diff quotes the project's code and config, passwords included, and ends up in CI logs.
    The first column (``+``, ``-``, space) is kept so the diff stays a diff; a masked line no
    longer matches the file, so ``git apply`` refuses that hunk instead of writing ``****``.
    """
    out: list[str] = []
    masked = 0
    hidden_of: dict[str, str] = {}  # the same lines recur across a project's files: mask each once
    for line in diff.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        header = body.startswith(("--- a/", "+++ b/", "@@", "\\"))
        prefix, content = ("", body) if header else (body[:1], body[1:])
        if header:
            hidden = content
        elif content in hidden_of:
            hidden = hidden_of[content]
        else:
            hidden = hidden_of[content] = mask(content)
        # mask() reformats a JSON line even when it hides nothing: keep such lines as they are.
        if hidden != content and MASK in hidden:
            masked += 1
            line = prefix + hidden + line[len(body):]
        out.append(line)
    return "".join(out), masked


def colored_diff(diff: str) -> str:
    out = []
    for line in diff.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.startswith(("--- a/", "+++ b/")):
            out.append(click.style(body, bold=True) + line[len(body):])
        elif body[:1] in _DIFF_COLORS:
            out.append(f"{_DIFF_COLORS[body[:1]]}{body}\x1b[0m{line[len(body):]}")
        else:
            out.append(line)
    return "".join(out)


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
    if plan.leftovers_removed:
        lines.append(f"Removed {len(plan.leftovers_removed)} temporary file(s) an interrupted run "
                     f"left: {', '.join(plan.leftovers_removed)}")
    return "\n".join(lines) + "\n"
