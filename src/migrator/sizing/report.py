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
from migrator.compat import (
    RegionPrices,
    billing,
    environment_classes,
    get_mwaa_region,
    price_list_url,
    region_prices,
)
from migrator.compat.mwaa import MwaaVersion
from migrator.config import Settings
from migrator.dag_count import (
    DagCount,
    count_dags,
    dag_folder_files,
    dags_text,
    ignored_files,
    module_dags,
)
from migrator.errors import InputError
from migrator.project import ProjectFacts
from migrator.sizing.defaults import (
    DAG_CAPACITY_SHARE,
    DEFERRED_WORKER_MINUTES,
    HEAVY_TASK_MEMORY_GB,
    HOURS_PER_MONTH,
    KIND_DEFAULTS,
    MAPPED_TASK_DEFAULT_FANOUT,
    METADATA_KB_PER_TASK_INSTANCE,
    METADATA_RETENTION_DAYS,
    PARSE_HEADROOM,
    PARSE_SECONDS_PER_EXTRA_DAG,
    PARSE_SECONDS_PER_FILE,
    REFERENCE_DAYS,
    RESCHEDULE_POKE_SECONDS,
    SCALE_IN_HOLD_MINUTES,
    TRIGGERER_HEADROOM,
    UNKNOWN_LOOP_ITERATIONS,
    WORKER_HEADROOM,
    WORKER_MEMORY_USABLE,
    TaskKind,
    airflow_setting,
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
from migrator.sizing.schedules import MINUTES_PER_DAY, target_default
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


def missing_prices_note(region: str) -> str:
    """What to do when the tool has no prices for ``region``: the offer file and --price-list."""
    file = f"mwaa-prices-{region}.json"
    return (f"The MWAA prices for {region} are not in mwaa-migrator's data, so no cost is computed. "
            f"Get them from the public AWS Price List: curl -fsS -o {file} {price_list_url(region)} "
            f"and run size again with --price-list {file}.")


def _is_glue_only(plan: DagPlan) -> bool:
    kinds = {t.facts.kind for t in plan.tasks}
    return TaskKind.GLUE in kinds and kinds <= {TaskKind.GLUE, TaskKind.EMPTY}


def _r(value: float, digits: int = 2) -> float:
    return round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0


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


def _catchup(plan: DagPlan, target: MwaaVersion) -> bool:
    """Whether the DAG catches up: its own catchup=, else the target's catchup_by_default."""
    if plan.facts.catchup is not None:
        return plan.facts.catchup
    return target_default("scheduler.catchup_by_default", target.airflow) == "True"


def _difference(a: Assessment, b: Assessment) -> float | None:
    """What ``a`` costs a month more than ``b``; None without prices."""
    return None if a.monthly_usd is None or b.monthly_usd is None else _r(a.monthly_usd - b.monthly_usd)


def _larger_risk(chosen: Assessment, larger: Assessment, demand: Demand) -> str:
    capacity = larger.environment_class.dag_capacity
    slots = larger.environment_class.workers.maximum * larger.environment_class.default_tasks_per_worker
    difference = _difference(larger, chosen)
    pays = "pays more" if difference is None else f"pays {difference:.2f} USD a month more"
    return (f"{pays} for headroom the model does not need: {dags_text(demand.dags, demand.dags_at_least)} "
            f"are {demand.dags / capacity:.0%} of its "
            f"capacity and the peak of {demand.peak_tasks:.0f} tasks is "
            f"{demand.peak_tasks / slots:.0%} of its {slots} worker slots")


def _inputs(workspace, modules, module_facts, plans, pools, parse, parsed_files, history,
            history_path, verify_path, dag_count, load, target) -> dict:
    schedules = Counter(p.facts.schedule.kind if not p.facts.schedule.defaulted else "not set" for p in plans)
    waits = Counter()
    for plan in plans:
        for task in plan.tasks:
            if task.facts.kind is TaskKind.SENSOR or task.facts.wait in ("deferred", "reschedule"):
                label = {"slot": "poke", "reschedule": "reschedule", "deferred": "deferrable"}.get(task.facts.wait, task.facts.wait)
                waits[label] += task.facts.copies * plan.copies
    kinds = Counter()
    for plan in plans:
        for task in plan.tasks:
            kinds[task.facts.kind.value] += task.facts.copies * plan.copies
    used_pools = sorted({t.facts.pool for p in plans for t in p.tasks})
    matched = [p for p in plans if p.history_ids]
    return {
        "dag_folders": list(workspace.dag_folders),
        "dag_files": len(parsed_files),
        "files_with_dags": dag_count.files,
        "dags": dag_count.dags,
        "dags_at_least": dag_count.at_least,
        "dag_definitions": len(plans),
        "dags_estimated": sum(p.copies for p in plans if p.copies_estimated),
        "tasks": sum(p.facts.task_count * p.copies for p in plans),
        "tasks_by_kind": dict(sorted(kinds.items())),
        "schedules": dict(sorted(schedules.items())),
        "sensors_and_deferrable": dict(sorted(waits.items())),
        "catchup_dags": sum(p.copies for p in plans if _catchup(p, target)),
        "pools": [{"name": name, "slots": pools[name].slots if name in pools else
                   (airflow_setting("core.default_pool_task_slot_count", target.airflow)
                    if name == "default_pool" else None),
                   "source": pools[name].source if name in pools else
                   ("Airflow default" if name == "default_pool" else "not defined")}
                  for name in sorted(set(used_pools) | set(pools))],
        "parse": {"seconds_total": _r(sum(parse.files.values())), "files_measured": parse.measured,
                  "source": parse.source},
        "history": None if history is None else {
            "file": history_path.name if history_path else history.source,
            "rows": history.rows, "used": history.used, "days": _r(history.days, 1),
            "unusable_rows": history.bad_rows, "unusable_row_examples": history.bad_row_notes,
            "dags_matched": sum(p.copies for p in matched),
            "task_durations_from_history": sum(1 for p in plans for t in p.tasks
                                               if t.duration_source.startswith("history")),
        },
        "verify_results": None if verify_path is None else {
            "file": verify_path.name, "files_measured": parse.measured},
        "unparsed_files": sorted(m.path for m in modules if m.tree is None and m.path in set(parsed_files)),
        "tasks_outside_dags": sum(m.unowned_tasks for m in module_facts),
    }


def _caveats(plans, parse, history, chosen, region, prices) -> list[str]:
    """The assumptions that most move the result, said before it: defaulted durations and parse
    times, estimated DAG counts, and prices that are missing or unconfirmed."""
    caveats = []
    defaulted = sum(1 for p in plans for t in p.tasks if t.duration_source.startswith("default ("))
    total = sum(len(p.tasks) for p in plans)
    if history is None:
        caveats.append("No task history (--history): every task duration is a default per operator "
                       "kind and only scheduled runs are modelled; the load can be far off.")
    elif defaulted:
        caveats.append(f"{defaulted} of {total} task definitions have no run in {history.source}: "
                       "their durations are defaults per operator kind.")
    if not parse.measured:
        caveats.append("No parse times (--verify-results): DAG parsing is checked against a default "
                       "time per file.")
    estimated = sum(p.copies for p in plans if p.copies_estimated)
    if estimated:
        caveats.append(f"{estimated} DAGs come from factories whose count is an estimate.")
    if prices is None:
        caveats.append(missing_prices_note(region))
    else:
        unconfirmed = sorted({line.item for line in chosen.cost if not line.confirmed})
        if unconfirmed:
            caveats.append(f"Unconfirmed prices in the cost ({prices.source_name}): {', '.join(unconfirmed)}.")
    return caveats


def _assumptions(plans, parse, history, target, prices, chosen, load) -> list[str]:
    def default(name: str) -> str:
        return f"{airflow_setting(name, target.airflow):g}"

    included = billing().included_in_base_fee
    lines = [
        (f"Timeline in UTC over the reference week 2024-01-01 (a Monday and the 1st of a month) to "
        f"2024-01-07, so daily, weekly and monthly schedules all fire; sized for its busiest day, "
        f"{load.day_name(load.busiest_day)}."),
    ]
    default_kinds = Counter(t.facts.kind for p in plans for t in p.tasks if t.duration_source.startswith("default ("))
    from_history = sum(1 for p in plans for t in p.tasks if t.duration_source.startswith("history"))
    if default_kinds:
        listed = ", ".join(f"{kind.value} {KIND_DEFAULTS[kind].minutes} min ({KIND_DEFAULTS[kind].why})"
                           for kind in sorted(default_kinds, key=lambda k: k.value))
        lines.append(f"Task durations without history are defaults per operator kind: {listed}.")
    if from_history:
        lines.append(f"{from_history} task definitions take the median duration of their runs in "
                     f"{history.source} ({history.used} task instances over {history.days:.1f} days).")
    kinds = sorted({t.facts.kind for p in plans for t in p.tasks if t.slot_weight > 0}, key=lambda k: k.value)
    if kinds:
        memory = ", ".join(f"{k.value} {KIND_DEFAULTS[k].memory_gb:g} GB" for k in kinds)
        lines.append(f"Memory per running task: {memory}; {HEAVY_TASK_MEMORY_GB:g} GB for Python and "
                     "transfer tasks in modules that import data-frame or ML libraries.")
    lines += [
        (f"Sensors in poke mode hold a worker slot for their whole wait; in reschedule mode "
        f"{RESCHEDULE_POKE_SECONDS} s per poke interval; deferrable tasks {DEFERRED_WORKER_MINUTES} "
        "min on a worker, then wait in the triggerer. Empty operators take no slot."),
        ("Tasks in one run start when their upstream tasks end (dependencies read from >>, <<, chain, "
        "set_upstream/downstream, TaskFlow arguments and task groups); tasks with no dependency "
        "found start with the run."),
        (f"Airflow defaults where a DAG sets nothing: max_active_runs "
        f"{default('core.max_active_runs_per_dag')}, max_active_tasks "
        f"{default('core.max_active_tasks_per_dag')}, default_pool "
        f"{default('core.default_pool_task_slot_count')} slots; work held back by them runs later, "
        "it is not dropped."),
        (f"DAGs without a schedule follow Airflow {target.airflow}'s default (schedule="
        f"{target_default('dag.schedule', target.airflow)}, catchup="
        f"{target_default('scheduler.catchup_by_default', target.airflow)}); unreadable schedules "
        "are read as daily at 00:00 UTC; interval schedules start at midnight UTC; datasets no DAG "
        "of the project updates are read as updated daily at 00:00 UTC."),
        (f"Loops over values the analysis cannot count are read as {UNKNOWN_LOOP_ITERATIONS} "
        f"iteration(s); mapped tasks over run-time values as {MAPPED_TASK_DEFAULT_FANOUT} copies. "
        "Such counts are marked as estimates."),
        (f"DAG parsing: {parse.source}; one parse loop must take under "
        f"{PARSE_HEADROOM:.0%} of min_file_process_interval "
        f"({default('scheduler.min_file_process_interval')} s); "
        "each scheduler's DAG processor parses every file, so more schedulers add no parse capacity."),
        (f"Headroom: DAGs under {DAG_CAPACITY_SHARE:.0%} of class capacity (AWS guidance), workers for "
        f"the peak + {WORKER_HEADROOM:.0%}, triggerers for the deferred peak + {TRIGGERER_HEADROOM:.0%}, "
        f"tasks use at most {WORKER_MEMORY_USABLE:.0%} of a worker's memory; worker memory at the "
        "peak is the lesser of what every wanted task would use and peak tasks x the largest task."),
        ("Minimum workers cover the median minute of the busiest day; maximum workers the peak. "
        f"Workers follow the load minute by minute and leave {SCALE_IN_HOLD_MINUTES} min after it drops."),
        (f"Monthly cost: {HOURS_PER_MONTH} hours; the base fee includes "
        f"{included.workers} worker and {included.schedulers} schedulers"
        f"{'' if included.confirmed else ' (unconfirmed)'}; "
        f"metadata storage {METADATA_KB_PER_TASK_INSTANCE} KB per task run kept "
        f"{METADATA_RETENTION_DAYS} days. Webservers beyond the included ones, CloudWatch, Secrets "
        "Manager and data transfer are not included."),
    ]
    if prices is not None:
        unconfirmed = sorted({line.item for line in chosen.cost if not line.confirmed})
        price_note = f"Prices for {prices.region} from {prices.source_name}"
        if unconfirmed:
            price_note += f"; unconfirmed: {', '.join(unconfirmed)}"
        lines.append(price_note + ".")
    return lines


def _warnings(plans, load, parse, run_notes, module_facts, modules, chosen, target) -> list[str]:
    warnings: list[str] = []
    if not plans:
        warnings.append("no DAG found in the DAG folders: the report sizes an empty environment")
    for module in modules:
        if module.tree is None and module.problem is not None:
            warnings.append(f"{module.path}: not analysed ({module.problem.message}); its DAGs are "
                            "missing from the model")
    estimated = [p for p in plans if p.copies_estimated]
    for plan in estimated:
        warnings.append(f"{plan.facts.path}:{plan.facts.line}: the number of DAGs {plan.name!r} "
                        f"makes is an estimate ({plan.copies_note})")
    for plan in plans:
        if _catchup(plan, target):
            how = "catchup=True" if plan.facts.catchup else f"catchup by default on Airflow {target.airflow}"
            warnings.append(f"{plan.name}: {how}; on a new metadata database it runs every interval "
                            f"since its start_date, up to {plan.max_active_runs} runs at once (not in "
                            "the chart)")
        if plan.delayed_runs:
            warnings.append(f"{plan.name}: {plan.delayed_runs} run(s) in the week wait for an earlier "
                            f"run (max_active_runs {plan.max_active_runs}); longest wait "
                            f"{plan.longest_delay} min: the DAG runs longer than its schedule interval")
        if plan.facts.schedule.kind in ("none", "once") and not plan.starts and not plan.facts.schedule.defaulted:
            warnings.append(f"{plan.name}: runs only when triggered from outside the project; not in "
                            "the load (pass --history to include its observed runs)")
        elif plan.facts.schedule.defaulted and not plan.starts:
            warnings.append(f"{plan.name}: sets no schedule, so on Airflow {target.airflow} it runs "
                            "only when triggered")
    import_timeout = airflow_setting("core.dagbag_import_timeout", target.airflow)
    slow = sorted(f for f, s in parse.files.items() if s > import_timeout)
    for rel in slow:
        warnings.append(f"{rel}: parses in {parse.files[rel]:.0f} s, over dagbag_import_timeout "
                        f"({import_timeout:g} s): its DAGs will not load")
    warnings += load.notes + run_notes
    if not chosen.fits:
        warnings.append(f"no environment class fits every check; {chosen.name} is the largest: "
                        + "; ".join(chosen.risks))
    return warnings
