"""The build: runs the steps over a finished scan of the project and writes the bundle."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrator import __version__
from migrator.airflowignore import (
    IGNORE_FILE,
    effective_syntax,
    project_ignore_syntax,
    render_ignore_file,
)
from migrator.bundle.config import (
    mwaa_configuration,
    secrets_backend_options,
)
from migrator.bundle.facts import BundleFacts, Capacity, FactsDraft, PartSize, sort_checks
from migrator.bundle.missing import excluded_but_needed, named_outside
from migrator.bundle.model import (
    DAGS,
    MANIFEST,
    MWAA_CONFIG,
    PLUGINS_ZIP,
    RECOMMENDED_MAX_BYTES,
    REQUIREMENTS,
    STARTUP,
    Bundle,
    BundleCheck,
    BundleError,
    BundleOptions,
    Excluded,
    Source,
    json_bytes,
)
from migrator.bundle.needs import (
    Needs,
    airflowignore_paths,
    not_dag_files,
    resolve_needs,
    why_needed,
)
from migrator.bundle.plugins_zip import ZipMember, carry_outside_packages, write_deterministic_zip
from migrator.bundle.requirements import (
    fixed_requirements_text,
    requirements_mwaa_can_use,
    requirements_with_fitting_companions,
    requirements_without_passwords,
    requirements_without_superseded,
    unread_requirements,
)
from migrator.bundle.staging import check_out_dir, link_unchanged, swap_in
from migrator.bundle.startup import render_startup, startup_inputs, startup_lines
from migrator.bundle.walk import (
    Walk,
    check_clashes,
    dedupe_folders,
    imported_by_code,
    path_spec,
    special_paths,
)
from migrator.bundle.wheels import private_network_requirements
from migrator.compat import (
    dag_capacity_share,
    environment_classes,
    get_environment_class,
)
from migrator.dag_count import DagCount, project_dag_count
from migrator.errors import BrokenRequirementsError, InputError
from migrator.findings import Severity
from migrator.requirements_fix import (
    IsolatedInstall,
    install_blockers,
    isolate_tools,
)
from migrator.rules import PackageRule, all_rules
from migrator.safe_write import staging_folder
from migrator.secrets import mask

if TYPE_CHECKING:
    from migrator.engine import ScanResult
    from migrator.project import ProjectFacts
    from migrator.workspace import Workspace


def build_bundle(result: ScanResult, out: Path, options: BundleOptions | None = None,
                 sizing: Mapping[str, Any] | None = None) -> Bundle:
    """Build the bundle of the project ``result`` scanned (for its target) into ``out``
    (replaced as a whole at the end).

    The scan's module facts say which files define DAGs and what they import, and its error
    findings are counted. ``sizing``: a sizing report whose environment class the DAG count
    is checked against.
    """
    options = options or BundleOptions()
    workspace, facts, target = result.workspace, result.project, result.target
    root = workspace.root
    out = Path(out)
    check_out_dir(out, root)
    # What the steps find, for the PKG rules to report once the bundle is written.
    found = FactsDraft(target_airflow=target.airflow, private_network=options.private_network)
    summaries = {m.path: m for m in facts.modules}

    error_findings = sum(1 for f in result.findings if f.severity == Severity.ERROR)
    found.set("error_findings", error_findings)
    dag_folders = dedupe_folders(workspace.dag_folders)
    if not dag_folders:
        raise BundleError(f"{root}: no DAG folder found; name it with [tool.migrator] dags")

    syntax = project_ignore_syntax(facts)
    imported = imported_by_code(summaries)
    walk = Walk(root, syntax, tuple(options.include), path_spec(workspace.settings.exclude),
                 special_paths(workspace, out, root), imported)
    for folder in dag_folders:
        walk.folder(folder)
    dag_sources = walk.sources
    walk.sources = []
    plugins_folder = workspace.plugins_folder
    if plugins_folder and not any(plugins_folder == f for f in dag_folders):
        walk.special.pop(plugins_folder, None)
        walk.folder(plugins_folder)
    plugin_sources = walk.sources
    # MWAA reads the one plugins.zip built here; an earlier one would sit inside it, never loaded.
    for source in [s for s in plugin_sources if s.src in facts.plugins.prebuilt_zips]:
        plugin_sources.remove(source)
        walk.excluded.append(Excluded(source.src, "an earlier plugins.zip (PLG011): not nested "
                                                  "in the one this bundle builds"))
        found.add("prebuilt_zips_left_out", source.src)
    found.extend("ignore_warnings", [(warning.path, warning.message) for warning in walk.warnings])

    check_clashes(dag_sources)
    shipped, dropped, needs = resolve_needs(root, dag_sources + plugin_sources, summaries)
    excluded = list(walk.excluded) + [Excluded(s.src, reason) for s, reason in dropped]
    kept = [Excluded(s.src, f"shipped although {s.ignored_by.describe()} matches it: "
                            + why_needed(s, needs))
            for s in shipped if s.ignored_by is not None]
    excluded_but_needed(root, shipped, excluded, needs, dag_folders, plugins_folder, found)
    carried, carried_members = carry_outside_packages(root, workspace, shipped, needs, target, facts, found,
                                                      imported)
    found.extend("named_outside", named_outside(
        root, workspace, needs, [*dag_folders, plugins_folder, *(p.source for p in carried if p.is_package)], out))
    found.extend("included_sensitive", [(source.src, source.included_by) for source in shipped
                                        if source.included_by])

    dag_shipped = [s for s in shipped if s.folder in dag_folders and s.folder != plugins_folder]
    plugin_shipped = [s for s in shipped if s.folder == plugins_folder and plugins_folder]

    target_config = mwaa_configuration(facts, target, options.include_secret_options, found,
                                       result.findings)
    target_syntax = effective_syntax(target.airflow, target_config.get("core.dag_ignore_file_syntax"))
    not_dags = not_dag_files(dag_shipped, summaries, needs)
    ignore_paths = airflowignore_paths(dag_shipped, not_dags)
    dag_count = project_dag_count(facts)
    found.set("capacity", capacity_facts(dag_count, options.environment_class, sizing))

    bundle = Bundle(root, out, target, {}, [], sorted(set(excluded)), sorted(kept),
                    dag_files=dag_count.files, dags=dag_count.dags, dags_estimated=dag_count.at_least,
                    error_findings=error_findings, crashed=result.crashed, ignore_syntax=target_syntax,
                    carried_from={m.name: (m.path.relative_to(root).as_posix() if m.path else "")
                                  for m in carried_members})
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_folder(out)
    try:
        rows = _write_parts(bundle, staging, root, workspace, facts, dag_shipped, plugin_shipped,
                            ignore_paths, target_config, options, found, needs,
                            carried_members, [p.zip_path for p in carried])
        bundle.manifest = {
            "target": {"airflow_version": target.airflow, "python_version": target.python,
                       "constraints_url": target.constraints_url},
            "tool_version": __version__,
            "files": sorted(rows, key=lambda r: r["path"]),
            "excluded": [e.to_json() for e in bundle.excluded],
        }
        (staging / MANIFEST).write_bytes(json_bytes(bundle.manifest))
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    bundle.checks = package_checks(found.freeze())
    return bundle


def _write_parts(bundle: Bundle, staging: Path, root: Path, workspace: Workspace, facts: ProjectFacts,
                 dag_shipped: list[Source], plugin_shipped: list[Source], ignore_paths: list[str],
                 target_config: dict[str, str], options: BundleOptions,
                 found: FactsDraft, needs: Needs, carried_members: list[ZipMember],
                 carried_paths: list[str]) -> list[dict[str, Any]]:
    target = bundle.target
    rows: list[dict[str, Any]] = []
    folders_made: set[str] = set()
    # The bundle this build replaces, whose unchanged files are linked rather than written.
    previous = str(bundle.out) if (bundle.out / MANIFEST).is_file() else None

    def put(rel: str, data: bytes, mode: int | None = None) -> None:
        path = os.path.join(staging, rel)
        folder = os.path.dirname(path)
        if folder not in folders_made:  # thousands of files share a few folders
            os.makedirs(folder, exist_ok=True)
            folders_made.add(folder)
        if not (previous and mode is not None
                and link_unchanged(os.path.join(previous, rel), path, data, mode)):
            with open(path, "wb") as handle:
                handle.write(data)
            if mode is not None:
                os.chmod(path, mode)
        rows.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

    # dags/
    for source in dag_shipped:
        try:
            data = needs.content(source)
        except OSError as exc:
            raise BundleError(f"{root / source.src}: cannot read: {exc.strerror or exc}") from None
        put(f"{DAGS}/{source.dest}", data, 0o755 if source.executable else 0o644)
    if ignore_paths:
        header = [f"Generated by mwaa-migrator for Airflow {target.airflow}, "
                  + f"{bundle.ignore_syntax} syntax.",
                  "Modules the DAGs import and files they read: shipped, but not DAG files, so",
                  "the DAG processor skips them."]
        put(f"{DAGS}/{IGNORE_FILE}", render_ignore_file(ignore_paths, bundle.ignore_syntax,
                                                        header).encode())
    bundle.parts[DAGS + "/"] = f"{len(dag_shipped)} files from {', '.join(sorted({s.folder for s in dag_shipped})) or 'no DAG folder'}"

    # requirements.txt (+ wheels for a private network)
    requirements, how = fixed_requirements_text(facts, target)
    found.extend("unreadable_requirements", unread_requirements(facts))
    isolated: list[IsolatedInstall] = []
    if requirements is not None:
        requirements = requirements_mwaa_can_use(requirements, options.private_network, found)
        # After the indexes MWAA cannot reach are gone: the old name may come from none left.
        requirements = requirements_without_superseded(requirements, facts, found)
        requirements, isolated = isolate_tools(requirements)
        found.extend("isolated", isolated)
        entry = facts.requirements.entry_files[0] if facts.requirements.entry_files else None
        constraints = facts.constraints_for(entry, target).constraints if entry else None
        requirements = requirements_with_fitting_companions(requirements, target, constraints, found)
        blockers = install_blockers(requirements, target, constraints)
        if blockers and not options.allow_broken_requirements:
            more = f" (+{len(blockers) - 5} more)" if len(blockers) > 5 else ""
            raise BrokenRequirementsError(
                f"the bundle's requirements.txt would not install on MWAA {target.airflow}: "
                f"{'; '.join(mask(b) for b in blockers[:5])}{more}; fix them (migrator fix), or pass "
                "--allow-broken-requirements to write the bundle anyway")
        found.extend("install_blockers", [mask(blocker) for blocker in blockers])
    members = [ZipMember(s.dest, path=root / s.src, executable=s.executable)
               for s in plugin_shipped] + carried_members
    if options.private_network and requirements is not None:
        requirements, wheel_members = private_network_requirements(bundle, staging, requirements, options,
                                                       workspace, found)
        members += wheel_members
        how += "; installs offline from the wheels in plugins.zip"
    if requirements is not None:
        requirements = requirements_without_passwords(requirements, options.include_secret_options,
                                                      found)
        put(REQUIREMENTS, requirements.encode())
        bundle.parts[REQUIREMENTS] = how

    # plugins.zip
    # Modules the plugins import, and the packages carried for the DAGs: not plugins, so the
    # plugin manager does not import them at start-up.
    plugin_ignores = [s.dest for s in plugin_shipped if s.ignored_by is not None
                      and s.dest.endswith(".py")] + carried_paths
    if plugin_ignores:
        members.append(ZipMember(IGNORE_FILE, data=render_ignore_file(
            plugin_ignores, bundle.ignore_syntax,
            [f"Generated by mwaa-migrator, {bundle.ignore_syntax} syntax: modules the plugins",
             "import, not plugins."]).encode()))
    if members:
        zip_path = staging / PLUGINS_ZIP
        member_rows = write_deterministic_zip(zip_path, members)
        data = zip_path.read_bytes()
        rows.append({"path": PLUGINS_ZIP, "sha256": hashlib.sha256(data).hexdigest(),
                     "size": len(data)})
        rows += member_rows
        bundle.parts[PLUGINS_ZIP] = (f"{len(plugin_shipped)} plugin files"
                                     + (f" + {', '.join(carried_paths)} (imported by the DAGs)"
                                        if carried_paths else "")
                                     + (f" + {len(bundle.wheels)} wheels" if bundle.wheels else ""))
        found.set("plugins_zip_size", PartSize(len(data), RECOMMENDED_MAX_BYTES))

    # startup.sh
    packages, variables = startup_inputs(facts, needs, target)
    lines = startup_lines(packages, variables, target, isolated, found)
    if lines:
        put(STARTUP, render_startup(lines, target).encode(), 0o755)
        bundle.parts[STARTUP] = (f"{len(packages)} OS package(s), "
                                 f"{sum(1 for line in lines if line.command.startswith('export'))}"
                                 " environment variable(s)"
                                 + "".join(f", the {i.tool.name} venv" for i in isolated))
        found.set("startup_os_packages", len(packages))
        found.set("startup_isolated", [i.tool.name for i in isolated])

    # mwaa-config.json
    options_map = dict(target_config)
    backend = secrets_backend_options(facts, options_map, target)
    options_map.update(backend)
    put(MWAA_CONFIG, json_bytes({"AirflowConfigurationOptions": dict(sorted(options_map.items()))}))
    bundle.parts[MWAA_CONFIG] = f"{len(options_map)} AirflowConfigurationOptions" + (
        " (with the Secrets Manager backend `migrator connections export` fills)" if backend
        else "")
    return rows


def capacity_facts(count: DagCount, environment_class: str | None,
                   sizing: Mapping[str, Any] | None) -> Capacity:
    """The DAG count and the class it is checked against: the one named (``--environment-class``
    or the sizing report's recommendation), else the smallest that holds it. An unknown class
    name is an input error."""
    name = environment_class
    if name is None and sizing is not None:
        recommendation = sizing.get("recommendation") if isinstance(sizing, dict) else None
        name = (recommendation or {}).get("environment_class")
    classes = environment_classes()
    cls = fitting = None
    if name is None:
        fitting = next((c for c in classes if count.dags <= c.dag_capacity), None)
    else:
        try:
            cls = get_environment_class(name)
        except KeyError as exc:
            raise InputError(str(exc).strip("'\"")) from None
    return Capacity(count, cls, fitting, classes[-1].dag_capacity, dag_capacity_share())


def package_checks(facts: BundleFacts) -> list[BundleCheck]:
    """Every registered PKG rule's checks of ``facts``, sorted as the bundle lists them (errors
    first, then by code, path, message)."""
    checks: list[BundleCheck] = []
    for rule in all_rules():
        if isinstance(rule, PackageRule):
            checks += rule.check(facts)
    return sort_checks(checks)
