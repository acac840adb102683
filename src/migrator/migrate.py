"""``migrator migrate``: the whole job on a copy of the project, never on the project itself.

``DIR/project/`` is the copy, fixed; ``DIR/bundle/`` is what MWAA reads (``migrator package``'s
output); ``DIR/infra/`` the environment as CloudFormation and Terraform (``migrator infra``'s output); ``DIR/report.md``, ``DIR/report.json`` and ``DIR/report.html`` (one page to share) say what
was found before and after the fixes, what was fixed, what still needs a human, what the bundle
holds and which environment to buy.
Everything is assembled beside DIR and moved into place at the end.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrator.bundle.build import build_bundle
from migrator.bundle.model import Bundle, BundleOptions
from migrator.bundle.requirements import apply_requirement_repairs
from migrator.bundle.staging import swap_in
from migrator.compat import get_version
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings, load_settings
from migrator.dag_count import DagCount
from migrator.engine import ScanResult, scan
from migrator.errors import InputError
from migrator.findings import Finding, Severity
from migrator.fix import apply_plan, plan_fixes
from migrator.guards import check_airflow_found
from migrator.infra import project_environment, write_infra
from migrator.infra.model import environment_name
from migrator.inventory import summary as scan_summary
from migrator.outcome import (
    CAUSES,
    Failure,
    explain_failures,
    headline,
    project_module_names,
    verify_bundle,
)
from migrator.reporters import migrate_html
from migrator.rules import all_rules
from migrator.safe_write import staging_folder
from migrator.schemas import SCHEMA_VERSION, tool_info
from migrator.sizing.report import size_project
from migrator.verify import DEFAULT_TIMEOUT_SECONDS, VerifyResult, project_variables
from migrator.workspace import printable_path, unusable_name_reason

PROJECT_DIR = "project"
BUNDLE_DIR = "bundle"
INFRA_DIR = "infra"
REPORT_MD = "report.md"
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
# Never copied: version control, caches and environments are not the project, and copying a
# virtualenv or node_modules would dwarf it.
_NOT_COPIED = frozenset({".git", ".hg", ".svn", ".bzr", "__pycache__", ".pytest_cache",
                         ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".venv", "venv",
                         "node_modules", ".migrator-cache", ".ipynb_checkpoints"})


@dataclass
class Migration:
    source: Path
    out: Path
    target: MwaaVersion
    before: ScanResult
    after: ScanResult
    bundle: Bundle
    fixed: Counter = field(default_factory=Counter)  # rule id -> findings fixed
    changed_files: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # fingerprint -> why it is left
    sizing: dict[str, Any] = field(default_factory=dict)  # migrator size's document
    not_copied: list[tuple[str, str]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    review: list[Finding] = field(default_factory=list)  # fixed by an unsafe fix: a human reads these
    verify: VerifyResult | None = None  # the bundle loaded in Airflow of the target (--verify)
    load_failures: list[Failure] = field(default_factory=list)

    @property
    def unreadable(self) -> list[tuple[str, str]]:
        """Source files and folders that could not be read, so the copy, the fixes and the
        bundle lack them (unlike version control or symlinks, which are left out by design)."""
        return [(path, reason) for path, reason in self.not_copied
                if reason.startswith(UNREADABLE_PREFIX)]

    @property
    def crashed(self) -> bool:
        """A defect of this tool met a file (MIG005/MIG006 findings say which)."""
        return self.before.crashed or self.after.crashed

    def failed(self, settings: Settings) -> bool:
        return bool(self.bundle.errors) or bool(self.unreadable) or any(
            settings.fails(f.severity) for f in self.after.findings)


def check_migrate_out(src: Path, out: Path) -> None:
    source, target = src.resolve(), out.resolve()
    if target == source or target in source.parents:
        raise InputError(f"{out}: the output folder would contain the source project's "
                         "folder and replace it; choose another folder")
    if source in target.parents:
        # The next scan or package of the source would take the copy and the bundle for part
        # of the project (twice the DAGs, "DAG folders clash").
        raise InputError(f"{out}: the output folder is inside the source project {src}, whose next "
                         f"scan would read the copy as its own files; choose a folder outside it, "
                         f"e.g. --out {outside_suggestion(source, target)}")
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / REPORT_JSON).is_file():
        raise InputError(f"{out}: folder is not empty and holds no {REPORT_JSON} (not the "
                         "output of an earlier migrate); choose an empty or new folder")


def outside_suggestion(source: Path, out: Path) -> Path:
    """A folder beside the source named for both: ``proj/mwaa-out`` -> ``proj-mwaa-out``."""
    return source.parent / f"{source.name}-{out.name}"


UNREADABLE_PREFIX = "cannot read"


def copy_project(src: Path, dest: Path) -> list[tuple[str, str]]:
    """Copy ``src`` to ``dest`` without following symlinks out of it; returns what was not
    copied and why. The source is only read."""
    real_src = src.resolve()
    skipped: list[tuple[str, str]] = []
    dest.mkdir(parents=True)

    def unreadable_folder(error: OSError) -> None:  # os.walk would drop it without a word
        rel = Path(error.filename).relative_to(src).as_posix()
        skipped.append((printable_path(rel) + "/",
                        f"{UNREADABLE_PREFIX} folder: {error.strerror or error}"))

    for dirpath, dirnames, filenames in os.walk(src, followlinks=False, onerror=unreadable_folder):
        current = Path(dirpath)
        rel_dir = current.relative_to(src)
        kept = []
        for name in sorted(dirnames):
            path = current / name
            rel = (rel_dir / name).as_posix()
            unusable = unusable_name_reason(name)
            if unusable:
                skipped.append((printable_path(rel) + "/", f"folder {unusable}"))
            elif name in _NOT_COPIED:
                skipped.append((rel + "/", "version control, cache or environment"))
            elif path.is_symlink():
                skipped.append((rel + "/", "symlinked folder not followed"))
            else:
                kept.append(name)
                (dest / rel_dir / name).mkdir()
        dirnames[:] = kept
        for name in sorted(filenames):
            path = current / name
            rel = (rel_dir / name).as_posix()
            unusable = unusable_name_reason(name)
            if unusable:  # scan and bundle skip such names too; the report could not show it
                skipped.append((printable_path(rel), f"file {unusable}"))
                continue
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    skipped.append((rel, "broken or looping symlink"))
                    continue
                if real_src not in target.parents or not target.is_file():
                    skipped.append((rel, "symlink to outside the project"))
                    continue
            elif not path.is_file():
                skipped.append((rel, "not a regular file"))
                continue
            try:
                shutil.copy2(path, dest / rel_dir / name, follow_symlinks=True)
            except OSError as exc:
                skipped.append((rel, f"{UNREADABLE_PREFIX}: {exc.strerror or exc}"))
    return skipped


def migrate(src: Path, out: Path, settings: Settings | None = None, target: MwaaVersion | None = None,
            *, unsafe: bool = False, aws_native: bool = False, region: str | None = None,
            options: BundleOptions | None = None, jobs: int = 0,
            verify: VerifyOptions | None = None) -> Migration:
    """Copy ``src`` into ``out/project``, fix it, bundle it, size it, and write the reports;
    with ``verify``, also load the bundle in a real Airflow of the target (``outcome``)."""
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise InputError(f"{src}: no such directory")
    check_migrate_out(src, out)
    settings = settings if settings is not None else load_settings(src)
    target = target or get_version(settings.target)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_folder(out)
    try:
        migration = _run(src, out, staging, settings, target, unsafe, aws_native, region,
                         options or BundleOptions(), jobs, verify)
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return migration


@dataclass(frozen=True)
class VerifyOptions:
    """How ``migrate`` loads the bundle it built (``migrator verify``'s options)."""

    constraints: Path | None = None
    cache_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    log: Callable[[str], None] | None = None


def _run(src: Path, out: Path, staging: Path, settings: Settings, target: MwaaVersion,
         unsafe: bool, aws_native: bool, region: str | None, options: BundleOptions, jobs: int,
         verify: VerifyOptions | None) -> Migration:
    project = staging / PROJECT_DIR
    not_copied = copy_project(src, project)
    before = scan(project, settings, target, jobs=jobs)
    check_airflow_found(src, before.workspace)
    # Unsafe fixes a file cannot load without are applied too, and listed for review.
    plan = plan_fixes(project, settings, target, unsafe=unsafe, required=True, aws_native=aws_native, jobs=jobs,
                      result=before)
    changed = sorted(apply_plan(project, plan))
    reasons = {f.fingerprint: plan.reason(f) for f in plan.remaining}
    after = scan(project, settings, target, jobs=jobs) if changed else before
    sizing = size_project(project, settings, target, region=region)

    bundle = build_bundle(after, staging / BUNDLE_DIR, options, sizing=sizing)
    migration = Migration(src, out, target, before, after, bundle, Counter(plan.fixed), changed,
                          reasons, sizing, not_copied, review=plan.review)
    write_infra(project_environment(project, settings, target, name=environment_name(src.resolve().name),
                                    bundle=staging / BUNDLE_DIR, sizing=sizing, source=src), staging / INFRA_DIR)
    if verify is not None:
        migration.verify = verify_bundle(staging / BUNDLE_DIR, target, constraints=verify.constraints,
                                         cache_dir=verify.cache_dir, timeout=verify.timeout,
                                         repair_requirements=True,
                                         variables=project_variables(after.project.connections), log=verify.log)
        if migration.verify.requirements is not None:
            apply_requirement_repairs(bundle, migration.verify.requirements.repairs)
        migration.load_failures = explain_failures(
            migration.verify, source_of=lambda path: bundle_source(after, bundle, path),
            findings=after.findings,
            project_modules=project_module_names([*after.workspace.python_files,
                                                  *after.workspace.other_python_files]),
            missing_modules=frozenset(m.module for m in after.project.missing_modules(target)))
    text = json.dumps(report_document(migration), indent=2, sort_keys=True) + "\n"
    migration.report = json.loads(text)  # exactly what report.json holds (tuples as lists)
    (staging / REPORT_JSON).write_text(text, encoding="utf-8")
    (staging / REPORT_MD).write_text(report_markdown(migration), encoding="utf-8")
    (staging / REPORT_HTML).write_text(
        migrate_html.render(migration.report, all_rules(), [m.path for m in after.project.dag_files]),
        encoding="utf-8")
    # The bundle and the copy are addressed through their final place from now on.
    bundle.out = out / BUNDLE_DIR
    bundle.root = out / PROJECT_DIR
    return migration


def bundle_source(result: ScanResult, bundle: Bundle, bundle_path: str) -> str | None:
    """The project file a bundle's ``dags/<rel>`` or ``plugins/<rel>`` (plugins.zip) came from,
    the plugins folder's or a package carried into plugins.zip from elsewhere."""
    kind, _, rel = bundle_path.partition("/")
    if kind == "plugins" and rel in bundle.carried_from:
        return bundle.carried_from[rel] or None
    workspace = result.workspace
    folders = {"dags": workspace.dag_folders,
               "plugins": [workspace.plugins_folder] if workspace.plugins_folder else []}.get(kind, [])
    for folder in folders:
        candidate = rel if folder == "." else f"{folder.rstrip('/')}/{rel}"
        if (workspace.root / candidate).is_file():
            return candidate
    return None


# -- the reports --------------------------------------------------------------------------------------


def _needs_human(migration: Migration) -> list[dict[str, Any]]:
    rows = []
    ordered = sorted(migration.after.findings, key=lambda f: (-f.severity, f.sort_key))
    for finding in ordered:
        row = finding.to_json()
        row["reason"] = migration.reasons.get(finding.fingerprint,
                                              "no automatic fix" if finding.fix is None
                                              else "fix not applied (unsafe: rerun with --unsafe)")
        rows.append(row)
    return rows


def report_document(migration: Migration) -> dict[str, Any]:
    target = migration.target
    bundle = migration.bundle
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "source": str(migration.source),
        "target": {"mwaa_version": target.airflow, "airflow_version": target.airflow,
                   "python_version": target.python},
        "layout": {"project": f"{PROJECT_DIR}/", "bundle": f"{BUNDLE_DIR}/", "infra": f"{INFRA_DIR}/"},
        "not_copied": [{"path": p, "reason": r} for p, r in migration.not_copied],
        "findings": {
            "before": {"summary": scan_summary(migration.before),
                       "findings": [f.to_json() for f in migration.before.findings]},
            "after": {"summary": scan_summary(migration.after),
                      "findings": [f.to_json() for f in migration.after.findings]},
        },
        "fixed": {"by_rule": dict(sorted(migration.fixed.items())),
                  "total": sum(migration.fixed.values()),
                  "files": migration.changed_files,
                  "review": [f.to_json() for f in migration.review]},
        "needs_human": _needs_human(migration),
        "bundle": {
            "manifest": bundle.manifest,
            "parts": dict(sorted(bundle.parts.items())),
            "checks": [c.to_json() for c in bundle.checks],
            "kept_for_dags": [k.to_json() for k in bundle.kept],
            "dags": bundle.dags,
            "dags_estimated": bundle.dags_estimated,
        },
        "sizing": migration.sizing,
        "verify": _verify_document(migration),
    }


def _verify_document(migration: Migration) -> dict[str, Any] | None:
    result = migration.verify
    if result is None:
        return None
    causes = Counter(f.cause for f in migration.load_failures)
    return {
        "headline": headline(result),
        "summary": result.summary,
        "requirements": result.requirements.to_json() if result.requirements else None,
        "causes": {cause: causes[cause] for cause in CAUSES if causes[cause]},
        "not_loading": [f.to_json() for f in migration.load_failures],
    }


def _by_severity(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {s.label}" for s in sorted(Severity, reverse=True) if counts[s]]
    return ", ".join(parts) or "none"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verify_markdown(migration: Migration) -> list[str]:
    result = migration.verify
    if result is None:
        return []
    lines = ["## Does it load on MWAA?", "", f"**{headline(result)}.**", ""]
    if result.requirements and result.requirements.failures:
        lines += ["Requirements that did not install:", ""]
        lines += [f"- `{f.requirement}` ({f.path}:{f.line}): {_md_escape(f.reason)}"
                  for f in result.requirements.failures] + [""]
    if result.requirements and result.requirements.repairs:
        lines += ["Changed in the bundle's requirements.txt so that it installs (review these):", ""]
        lines += [f"- `{r.requirement}` → " + (f"`{r.replacement}`" if r.replacement else "removed")
                  + f": {_md_escape(r.reason)}" for r in result.requirements.repairs] + [""]
    if migration.load_failures:
        lines += ["| file | source | cause | error | findings |", "|---|---|---|---|---|"]
        for failure in migration.load_failures:
            lines.append(f"| `{failure.bundle_path}` | `{failure.source_path or '?'}` | "
                         f"{CAUSES[failure.cause]} | {_md_escape(failure.error)} | "
                         f"{', '.join(failure.findings) or 'none'} |")
        lines.append("")
    return lines


def report_markdown(migration: Migration) -> str:
    target = migration.target
    bundle = migration.bundle
    before, after = migration.before.findings, migration.after.findings
    lines = [f"# MWAA migration of `{migration.source}`", "",
             (f"Target: MWAA Airflow {target.airflow} (Python {target.python}). The fixed copy is "
             f"in `{PROJECT_DIR}/`, the S3 bundle in `{BUNDLE_DIR}/`."), ""]
    if migration.unreadable:
        lines += [(f"**{len(migration.unreadable)} source files or folders could not be read**: "
                   "the copy, the fixes and the bundle lack them. Fix their permissions and run "
                   "again."), ""]
        lines += [f"- `{path}`: {reason}" for path, reason in migration.unreadable] + [""]
    lines += _verify_markdown(migration)
    lines += ["## Findings", "",
              "| | findings | by severity |", "|---|---:|---|",
              f"| before the fixes | {len(before)} | {_by_severity(before)} |",
              f"| after the fixes | {len(after)} | {_by_severity(after)} |", ""]
    if migration.fixed:
        lines += [(f"## Fixed automatically: {sum(migration.fixed.values())} findings in "
                  f"{len(migration.changed_files)} files"), "", "| rule | fixed |", "|---|---:|"]
        lines += [f"| {rule} | {count} |" for rule, count in sorted(migration.fixed.items())]
        lines += ["", "Files changed: " + ", ".join(f"`{p}`" for p in migration.changed_files), ""]
    if migration.review:
        lines += [(f"### Review these: {len(migration.review)} unsafe fixes were applied because the "
                   "files cannot load on the target without them, or --unsafe/--aws-native asked for them"), "",
                  "| rule | where | what was done | why it was needed |", "|---|---|---|---|"]
        lines += [f"| {f.rule} | `{f.path}:{f.location.line}` | {_md_escape(f.fix.description)} | "
                  f"{_md_escape(f.message)} |" for f in migration.review]
        lines.append("")
    rows = _needs_human(migration)
    lines += [f"## Needs a human: {len(rows)} findings", ""]
    if rows:
        lines += ["| severity | rule | where | what | why it is left |", "|---|---|---|---|---|"]
        for row in rows:
            lines.append(f"| {row['severity']} | {row['rule']} | `{row['path']}:{row['line']}` | "
                         f"{_md_escape(row['message'])} | {_md_escape(row['reason'])} |")
        lines.append("")
    lines += ["## Bundle", "", f"{DagCount(bundle.dags, bundle.dag_files, bundle.dags_estimated).text()}.",
              "", "| file | what |", "|---|---|"]
    sizes = {row["path"]: row["size"] for row in bundle.manifest.get("files", [])}
    for part, how in sorted(bundle.parts.items()):
        size = f" ({sizes[part]:,} bytes)" if part in sizes else ""
        lines.append(f"| `{part}` | {_md_escape(how)}{size} |")
    lines.append("")
    if bundle.checks:
        lines += ["Checks:", ""]
        lines += [f"- **{c.severity.label}** {('`' + c.path + '`: ') if c.path else ''}"
                  f"{_md_escape(c.message)}" for c in bundle.checks]
        lines.append("")
    if bundle.kept:
        lines += [("Shipped although `.airflowignore` matches them (the DAGs need them; the "
                  "generated `.airflowignore` keeps them from being parsed):"), ""]
        lines += [f"- `{k.path}`" for k in bundle.kept] + [""]
    if bundle.excluded:
        lines += ["Left out of the bundle:", ""]
        lines += [f"- `{e.path}`: {e.reason}" for e in bundle.excluded] + [""]
    lines += ["## Environment size", ""]
    sizing = migration.sizing
    rec = sizing.get("recommendation", {})
    lines += [(f"Recommended: **{rec.get('environment_class')}**, "
               f"{rec.get('min_workers')}-{rec.get('max_workers')} workers, "
               f"{rec.get('schedulers')} schedulers, "
               + (f"about ${rec['monthly_cost_usd']} a month" if rec.get("monthly_cost_usd") is not None
                  else "no price in the tool's data")
               + f" in {sizing.get('region')}. "
               "See `migrator size` for the full report and chart."), ""]
    lines += ["## Next steps", "",
              "1. Review the changes: `diff -ru <source> project/` (or commit them on a branch).",
              ("2. Resolve what needs a human, then rebuild and upload the bundle (from this folder): "
              f"`migrator package {PROJECT_DIR} --out {BUNDLE_DIR} --upload s3://BUCKET/PREFIX`."),
              ("3. Create the environment from `infra/` (`aws cloudformation deploy` or `terraform apply`; "
               "docs/infra.md), or run the printed `aws mwaa update-environment` command on an existing one."),
              ""]
    return "\n".join(lines)
