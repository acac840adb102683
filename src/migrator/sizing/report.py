"""``size_project``: read the project, model its load, pick a class, and build the report document.

The document (a plain dict, deterministic: no timestamps, sorted, rounded) is the JSON output and
what the markdown and html renderers read.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from migrator import __version__
from migrator.analysis.python import ModuleFacts
from migrator.compat import RegionPrices, environment_classes, get_mwaa_region, region_prices
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.dag_count import DagCount, count_dags, dag_folder_files, ignored_files, module_dags
from migrator.errors import InputError
from migrator.project import ProjectFacts
from migrator.sizing.defaults import (
    PARSE_SECONDS_PER_EXTRA_DAG,
    PARSE_SECONDS_PER_FILE,
    REFERENCE_DAYS,
    TaskKind,
)
from migrator.sizing.facts import ModuleSizingFacts, read_modules
from migrator.sizing.inputs import (
    PoolDefinition,
    TaskHistory,
    load_history,
    load_verify_results,
    read_pools,
)
from migrator.sizing.load import DagPlan, LoadResult, link_subdags, plan_dag, resolve_runs, simulate
from migrator.sizing.model import Assessment, Demand, assess
from migrator.sizing.price_list import read_price_list
from migrator.sizing.report_notes import (
    _assumptions,
    _catchup,
    _caveats,
    _difference,
    _inputs,
    _larger_risk,
    _r,
    _warnings,
    missing_prices_note,
)
from migrator.sizing.schedules import MINUTES_PER_DAY
from migrator.workspace import Workspace, discover

DEFAULT_REGION = "us-east-1"


@dataclass
class ParseLoad:
    files: dict[str, float]  # DAG file -> parse seconds used by the model
    measured: int  # how many came from verify
    source: str


def _parsed_by_airflow(workspace: Workspace, rel: str) -> bool:
    """Airflow's safe-mode heuristic: it imports only files mentioning both "airflow" and "dag"."""
    try:
        head = workspace.path(rel).read_bytes().lower()
    except OSError:
        return False
    return b"airflow" in head and b"dag" in head


def _parse_load(files: list[str], dags_per_file: Counter, verify: dict[str, float] | None,
                verify_name: str | None) -> ParseLoad:
    times: dict[str, float] = {}
    measured = 0
    measured_values = []
    if verify:
        for rel in files:
            seconds = verify.get(rel)
            if seconds is None:  # verify may name files relative to the DAG folder
                seconds = next((v for k, v in verify.items() if rel.endswith("/" + k)), None)
            if seconds is not None:
                times[rel] = seconds
                measured_values.append(seconds)
                measured += 1
    fallback = statistics.median(measured_values) if measured_values else None
    for rel in files:
        if rel in times:
            continue
        if fallback is not None:
            times[rel] = fallback
        else:
            times[rel] = PARSE_SECONDS_PER_FILE + PARSE_SECONDS_PER_EXTRA_DAG * max(0, dags_per_file[rel] - 1)
    if measured:
        source = f"{verify_name}: {measured} of {len(files)} files measured"
        if measured < len(files):
            source += f", the others at the measured median {fallback:.2f} s"
    else:
        source = (f"default {PARSE_SECONDS_PER_FILE:g} s per file + {PARSE_SECONDS_PER_EXTRA_DAG:g} s "
                  "per further DAG in it (pass --verify-results for measured times)")
    return ParseLoad(times, measured, source)


def _demand(plans: list[DagPlan], load: LoadResult, parse: ParseLoad, target: MwaaVersion,
            dag_count: DagCount, files: list[str]) -> Demand:
    busiest = load.day(load.running, load.busiest_day)
    week_running = load.week(load.running)
    peak = max(week_running, default=0.0)
    largest = max((t.memory_gb for p in plans if p.include_load and p.starts for t in p.tasks
                   if t.minutes > 0 and t.slot_weight > 0), default=0.0)
    memory_peak = max(load.week(load.memory_gb), default=0.0)
    instances = sum(len([s for s in p.starts if s >= MINUTES_PER_DAY]) / REFERENCE_DAYS
                    * p.facts.task_count * p.copies for p in plans if p.include_load)
    return Demand(
        dags=dag_count.dags,
        dags_at_least=dag_count.at_least,
        dag_files=len(files),
        parse_seconds_total=round(sum(parse.files[f] for f in files), 3),
        parse_measured=parse.measured > 0,
        peak_tasks=round(peak, 3),
        median_tasks=round(statistics.median(busiest), 3) if busiest else 0.0,
        peak_memory_gb=round(min(memory_peak, peak * largest), 3),
        largest_task_memory_gb=largest,
        peak_deferred=round(max(load.week(load.deferred), default=0.0), 3),
        week_running=tuple(week_running),
        task_instances_per_day=round(instances, 1),
        target=target.airflow,
    )


def _choose(assessments: list[Assessment]) -> Assessment:
    return next((a for a in assessments if a.fits), assessments[-1])


def _assess_all(demand: Demand, prices: RegionPrices | None) -> list[Assessment]:
    return [assess(c, demand, prices) for c in environment_classes()]


def resolve_prices(region: str | None, price_list: Path | None) -> tuple[str, RegionPrices | None]:
    """The Region to size for and its prices: an offer file's (``--price-list``), else compat's,
    else None (an MWAA Region whose prices the tool does not have). InputError for a Region MWAA
    does not run in, or an offer file of another Region than ``--region``."""
    if price_list is not None:
        prices = read_price_list(price_list)
        if region and region != prices.region:
            raise InputError(f"{price_list}: the price list is for {prices.region}, not --region {region}")
        return prices.region, prices
    region = region or DEFAULT_REGION
    try:
        get_mwaa_region(region)
    except KeyError as exc:
        raise InputError(f"--region: {exc.args[0]}") from None
    return region, region_prices(region)


def _pricing(region: str, prices: RegionPrices | None) -> dict:
    if prices is None:
        return {"region": region, "source": None, "offer_date": None, "confirmed": False,
                "missing": missing_prices_note(region)}
    return {"region": region, "source": prices.source, "offer_date": prices.offer_date,
            "confirmed": prices.confirmed, "missing": None}


def _is_glue_only(plan: DagPlan) -> bool:
    kinds = {t.facts.kind for t in plan.tasks}
    return TaskKind.GLUE in kinds and kinds <= {TaskKind.GLUE, TaskKind.EMPTY}


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _assessment_document(a: Assessment) -> dict:
    return {
        "environment_class": a.name,
        "fits": a.fits,
        "min_workers": a.min_workers,
        "max_workers": a.max_workers,
        "workers_needed": a.workers_needed,
        "schedulers": a.schedulers,
        "tasks_per_worker": a.tasks_per_worker,
        "config": dict(sorted(a.config.items())),
        "monthly_cost_usd": a.monthly_usd,
        "cost": [{"item": line.item, "quantity": line.quantity, "unit_usd": line.unit_usd,
                  "monthly_usd": line.monthly_usd, "confirmed": line.confirmed, "note": line.note}
                 for line in a.cost],
        "checks": [{"check": c.name, "ok": c.ok, "value": c.value, "limit": c.limit, "detail": c.detail}
                   for c in a.checks],
        "risks": list(a.risks),
    }


def size_project(root: Path, settings: Settings, target: MwaaVersion, *, region: str | None = None,
                 history_path: Path | None = None, verify_path: Path | None = None,
                 price_list: Path | None = None) -> dict:
    """The sizing report document for the project at ``root``, priced for ``region`` (default
    us-east-1, or the Region of the ``price_list`` offer file)."""
    region, prices = resolve_prices(region, price_list)
    history = load_history(history_path) if history_path else None
    verify = load_verify_results(verify_path) if verify_path else None
    workspace = discover(root, settings)
    project = ProjectFacts(workspace, [])
    dag_files = dag_folder_files(workspace)
    ignored = ignored_files(project, dag_files)
    modules = [ModuleFacts.from_file(root, root / rel, workspace.module_name(rel))
               for rel in workspace.python_files]
    module_facts = read_modules(modules, set(dag_files), ignored)
    pools = read_pools(project)
    parsed = [f for f in dag_files if f not in ignored]
    parsed_set = set(parsed)
    library = [m for m in modules if m.path not in parsed_set] + _helper_modules(workspace, modules)
    dag_count = count_dags((module_dags(m) for m in modules if m.path in parsed_set),
                           (module_dags(m) for m in library if m.dags))
    document = build_document(workspace, target, region, prices, modules, module_facts, pools,
                              parsed, dag_count, history, verify, history_path, verify_path)
    crashes = project.analysis_crashes
    document["warnings"] += [f"{c.path}: mwaa-migrator could not analyse this {c.analysis} ({c.error}); "
                             "what it defines is missing from this report" for c in crashes]
    document["crashed"] = bool(crashes)
    return document


def _helper_modules(workspace: Workspace, modules: list[ModuleFacts]) -> list[ModuleFacts]:
    """The modules outside the DAG and plugins folders the project's code imports, following
    their own imports in turn (as scan reads them): where shared DAG factories may live."""
    root, found, known = workspace.root, [], {m.path for m in modules}
    importers = modules
    while extra := [rel for rel in workspace.files_for_imports({i.qualname for m in importers for i in m.imports})
                    if rel not in known]:
        importers = [ModuleFacts.from_file(root, root / rel, workspace.module_name(rel)) for rel in extra]
        known.update(extra)
        found += importers
    return found


def _one_per_dag_id(dags: list) -> list:
    """Airflow keeps one DAG per id: a DAG whose literal id a file before it (by path) already
    defines runs nowhere (MWA017 reports it)."""
    kept, seen = [], set()
    for dag in sorted(dags, key=lambda d: d.path):
        single = not dag.dag_id_is_pattern and dag.copies == 1 and not dag.copies_estimated
        if single and dag.dag_id in seen:
            continue
        seen.update([dag.dag_id] if single else [])
        kept.append(dag)
    return kept


def build_document(workspace: Workspace, target: MwaaVersion, region: str, prices: RegionPrices | None,
                   modules: list[ModuleFacts],
                   module_facts: list[ModuleSizingFacts], pools: dict[str, PoolDefinition],
                   dag_files: list[str], dag_count: DagCount, history: TaskHistory | None,
                   verify: dict[str, float] | None, history_path: Path | None, verify_path: Path | None) -> dict:
    dags = _one_per_dag_id([d for m in module_facts for d in m.dags])
    plans = [plan_dag(d, target.airflow, history) for d in dags]
    link_subdags(plans)
    run_notes = resolve_runs(plans, history)
    load = simulate(plans, pools, target.airflow)

    parsed_files = sorted(f for f in dag_files if _parsed_by_airflow(workspace, f))
    dags_per_file: Counter = Counter()
    for plan in plans:
        dags_per_file[plan.facts.path] += plan.copies
    parse = _parse_load(parsed_files, dags_per_file, verify, verify_path.name if verify_path else None)
    demand = _demand(plans, load, parse, target, dag_count, parsed_files)
    assessments = _assess_all(demand, prices)
    chosen = _choose(assessments)
    index = assessments.index(chosen)

    # Glue-only DAGs: what the recommendation would cost without them.
    glue_plans = [p for p in plans if _is_glue_only(p)]
    glue_document: list[dict] = []
    glue_saving: dict | None = None
    total_slot_minutes = sum(d.slot_minutes_per_day for d in load.dags) or 1.0
    if glue_plans:
        for plan in glue_plans:
            plan.include_load = False
        without = simulate(plans, pools, target.airflow)
        glue_files = {p.facts.path for p in glue_plans}
        kept_files = [f for f in parsed_files
                      if f not in glue_files or any(p.facts.path == f for p in plans if p.include_load)]
        rest = _demand(plans, without, parse, target,
                       replace(dag_count, dags=max(0, dag_count.dags - sum(p.copies for p in glue_plans
                                                                           if not p.facts.is_subdag))),
                       kept_files)
        alternative = _choose(_assess_all(rest, prices))
        for plan in glue_plans:
            plan.include_load = True
        by_plan = {id(d.plan): d for d in load.dags}
        for plan in glue_plans:
            share = by_plan[id(plan)].slot_minutes_per_day / total_slot_minutes
            glue_document.append({
                "dag_id": plan.name, "path": plan.facts.path, "line": plan.facts.line,
                "copies": plan.copies, "tasks": plan.facts.task_count,
                "glue_tasks": sum(t.facts.copies for t in plan.tasks if t.facts.kind is TaskKind.GLUE),
                "share_of_load": _r(share, 4),
            })
        glue_saving = {
            "dags": sum(p.copies for p in glue_plans),
            "share_of_load": _r(sum(g["share_of_load"] for g in glue_document), 4),
            "environment_class_without": alternative.name,
            "monthly_cost_usd_without": alternative.monthly_usd,
            "monthly_saving_usd": _difference(chosen, alternative),
        }

    busiest = load.busiest_day
    running_day = load.day(load.running, busiest)
    waiting_day = load.day(load.waiting, busiest)
    deferred_day = load.day(load.deferred, busiest)
    peak_minute = running_day.index(max(running_day)) if running_day else 0
    alternatives = []
    for relation, other_index in (("smaller", index - 1), ("larger", index + 1)):
        if 0 <= other_index < len(assessments):
            other = assessments[other_index]
            entry = _assessment_document(other)
            entry["relation"] = relation
            entry["difference_usd"] = _difference(other, chosen)
            if relation == "larger":
                entry["risks"] = entry["risks"] + [_larger_risk(chosen, other, demand)]
            alternatives.append(entry)

    loads_by_plan = {id(d.plan): d for d in load.dags}
    dag_rows = []
    for plan in sorted(plans, key=lambda p: (p.facts.path, p.facts.line)):
        dag_load = loads_by_plan[id(plan)]
        dag_rows.append({
            "dag_id": plan.name, "path": plan.facts.path, "line": plan.facts.line,
            "copies": plan.copies, "copies_estimated": plan.copies_estimated,
            "copies_note": plan.copies_note,
            "schedule": plan.facts.schedule.text, "schedule_kind": plan.facts.schedule.kind,
            "runs_from": plan.run_source, "runs_per_day": _r(dag_load.runs_per_day),
            "tasks": plan.facts.task_count, "run_minutes": plan.run_minutes,
            "slot_minutes_per_day": _r(dag_load.slot_minutes_per_day, 1),
            "share_of_load": _r(dag_load.slot_minutes_per_day / total_slot_minutes, 4),
            "max_active_runs": plan.max_active_runs, "max_active_tasks": plan.max_active_tasks,
            "capped_by_max_active_tasks": dag_load.capped_by_max_active_tasks,
            "catchup": _catchup(plan, target), "delayed_runs": plan.delayed_runs,
            "glue_only": _is_glue_only(plan),
        })

    document = {
        "tool": {"name": "mwaa-migrator", "version": __version__},
        "target": target.airflow,
        "region": region,
        "pricing": _pricing(region, prices),
        "inputs": _inputs(workspace, modules, module_facts, plans, pools, parse, parsed_files,
                          history, history_path, verify_path, dag_count, load, target),
        "demand": {
            "busiest_day": load.day_name(busiest),
            "peak_tasks": _r(demand.peak_tasks),
            "peak_time_utc": _hhmm(peak_minute),
            "median_tasks": _r(demand.median_tasks),
            "peak_waiting_tasks": _r(max(waiting_day, default=0.0)),
            "peak_deferred_tasks": _r(demand.peak_deferred),
            "peak_memory_gb": _r(demand.peak_memory_gb),
            "largest_task_memory_gb": _r(demand.largest_task_memory_gb),
            "parse_seconds_total": _r(demand.parse_seconds_total),
            "task_instances_per_day": _r(demand.task_instances_per_day, 1),
            "day_peaks": {load.day_name(d): _r(v) for d, v in enumerate(load.day_peaks())},
        },
        "recommendation": {
            **_assessment_document(chosen),
            "pools": [{"pool": pool, "slots": slots,
                       "why": f"the DAGs want up to {load.pool_peaks[pool][0]:.0f} of its slots at once"}
                      for pool, slots in sorted(load.raise_pools.items())],
        },
        "alternatives": alternatives,
        "classes": [_assessment_document(a) for a in assessments],
        "glue_workflow_candidates": glue_document,
        "glue_workflow_saving": glue_saving,
        "dags": dag_rows,
        "concurrency": [
            {"minute": m, "time_utc": _hhmm(m), "running": _r(running_day[m]),
             "waiting": _r(waiting_day[m]), "deferred": _r(deferred_day[m])}
            for m in range(len(running_day))
        ],
        "capacity": {
            "tasks_per_worker": chosen.tasks_per_worker,
            "max_workers": chosen.max_workers,
            "min_workers": chosen.min_workers,
            "max_worker_slots": chosen.max_workers * chosen.tasks_per_worker,
            "min_worker_slots": chosen.min_workers * chosen.tasks_per_worker,
        },
        "caveats": _caveats(plans, parse, history, chosen, region, prices),
        "assumptions": _assumptions(plans, parse, history, target, prices, chosen, load),
        "warnings": _warnings(plans, load, parse, run_notes, module_facts, modules, chosen, target),
    }
    return document
