"""The words of the sizing report: its inputs section, and the caveats, assumptions and warnings
that say how far the numbers can be trusted."""

from __future__ import annotations

from collections import Counter

from migrator.compat import billing, price_list_url, worker_environment
from migrator.compat.mwaa import MwaaVersion
from migrator.dag_count import dags_text
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
    RESCHEDULE_POKE_SECONDS,
    SCALE_IN_HOLD_MINUTES,
    TRIGGERER_HEADROOM,
    UNKNOWN_LOOP_ITERATIONS,
    WORKER_HEADROOM,
    WORKER_MEMORY_USABLE,
    TaskKind,
    airflow_setting,
)
from migrator.sizing.load import DagPlan
from migrator.sizing.model import Assessment, Demand
from migrator.sizing.schedules import target_default


def missing_prices_note(region: str) -> str:
    """What to do when the tool has no prices for ``region``: the offer file and --price-list."""
    file = f"mwaa-prices-{region}.json"
    return (f"The MWAA prices for {region} are not in mwaa-migrator's data, so no cost is computed. "
            f"Get them from the public AWS Price List: curl -fsS -o {file} {price_list_url(region)} "
            f"and run size again with --price-list {file}.")


def _r(value: float, digits: int = 2) -> float:
    return round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0


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
                    if name in worker_environment().default_pools else None),
                   "source": pools[name].source if name in pools else
                   ("Airflow default" if name in worker_environment().default_pools else "not defined")}
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
