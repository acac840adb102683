"""AIR: DAG and operator arguments the target renamed, removed or ignores."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from packaging.version import Version

from migrator.analysis import airflow_api
from migrator.analysis.dags import ArgumentSite
from migrator.analysis.python import ModuleFacts
from migrator.compat import ArgumentChange, MwaaVersion
from migrator.findings import Finding, Fix, FixSafety, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

_DAG = "DAG"
_OPERATOR = "BaseOperator"


def _applies(change: ArgumentChange, target: MwaaVersion) -> bool:
    """The change matters on the target: it breaks, it does nothing, or it is deprecated there.
    A deprecation that starts after the target's version stays quiet."""
    if change.breaks or change.no_op:
        return True
    return change.since is not None and target.version >= Version(change.since)


def _class_changes(qualname: str | None, argument: str, target: MwaaVersion) -> ArgumentChange | None:
    """A change recorded for one class or function (by its Airflow 3 path)."""
    if not qualname:
        return None
    changes = airflow_api.argument_changes(target)
    for spelling in airflow_api.spellings(qualname, target):
        change = changes.get((spelling, argument))
        if change is not None:
            return change
    return None


def _change_for(site: ArgumentSite, target: MwaaVersion) -> ArgumentChange | None:
    changes = airflow_api.argument_changes(target)
    if site.owner == "dag":
        return changes.get((_DAG, site.name))
    found = changes.get((_OPERATOR, site.name))
    if site.owner == "task":
        return _class_changes(site.qualname, site.name, target) or found
    return found


class RemovedArgumentRule(PythonRule):
    """
    ## What it does
    Reports DAG and operator arguments the target renamed, removed or ignores:
    `schedule_interval` and `timetable` (now `schedule`), `concurrency` (`max_active_tasks`),
    `task_concurrency` (`max_active_tis_per_dag`), `fail_stop` (`fail_fast`), `default_view`,
    `orientation`, `full_filepath`, `provide_context`, `sla`, `sla_miss_callback`,
    `TriggerDagRunOperator(execution_date=...)`, `Variable.get(default_var=...)` and the other
    changes the knowledge base records. Keys of `default_args` dicts are checked too.

    ## Why it matters on MWAA
    On Airflow 3 a removed argument is a `TypeError` when the DAG file is parsed: the DAG
    disappears (error). On Airflow 2 the same arguments still work with a deprecation warning
    (warning). In `default_args` a removed key is silently ignored, so the setting it carried
    (a concurrency limit, an SLA) quietly stops applying. `sla` and `sla_miss_callback` are
    accepted by Airflow 3 but do nothing.

    ## Example
    ```python
    DAG("sales", schedule_interval="@daily", concurrency=4)
    ```

    ## Fix
    Rename the argument (`schedule_interval=` -> `schedule=`; a safe automatic fix) or delete it
    (`provide_context=True`, `default_view=`; safe). For SLAs use deadline alerts (Airflow 3.1+)
    or external monitoring.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.astral.sh/ruff/rules/airflow3-removal/
    """

    id = "AIR003"
    name = "removed-argument"
    severity = Severity.ERROR
    summary = "DAG or operator argument the target renamed, removed or ignores"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.sdk import DAG
            from airflow.providers.standard.operators.bash import BashOperator

            with DAG("sales", schedule="@daily", max_active_tasks=4, catchup=False):
                BashOperator(task_id="a", bash_command="echo", max_active_tis_per_dag=1)
        """),
        # fail_stop was renamed only in Airflow 3: a 2.x target keeps it.
        Valid("""
            from airflow import DAG

            DAG("sales", schedule="@daily", fail_stop=True, default_view="grid")
        """, target="2.11.2"),
        Valid("""
            from airflow import DAG

            default_args = {"owner": "x", "provide_context": True}
            DAG("sales", schedule=None, default_args=default_args)
        """),
    )
    invalid = (
        Invalid("""
            from airflow import DAG

            DAG("sales", schedule_interval="@daily", catchup=False)
        """, line=3, contains="schedule"),
        Invalid("""
            from airflow import DAG

            DAG("sales", schedule_interval="@daily", catchup=False)
        """, target="2.11.2", line=3, contains="deprecated"),
        Invalid("""
            from airflow import DAG

            with DAG(dag_id="sync", concurrency=4, schedule=None, catchup=False) as dag:
                pass
        """, line=3, contains="max_active_tasks"),
        Invalid("""
            from airflow.operators.python_operator import PythonOperator

            PythonOperator(task_id="a", python_callable=print, provide_context=True)
        """, line=3, contains="provide_context"),
        Invalid("""
            from datetime import timedelta
            from airflow import DAG

            default_args = {"owner": "x", "task_concurrency": 1, "sla": timedelta(hours=4)}
            DAG("d", default_args=default_args, schedule=None)
        """, line=4, contains="silently ignored"),
        Invalid("""
            from airflow.decorators import dag

            @dag(schedule_interval="@hourly", catchup=False)
            def clicks():
                pass
        """, line=3),
        Invalid("""
            from airflow import DAG

            DAG("d", schedule=None, sla_miss_callback=print)
        """, line=3, contains="does nothing"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        seen: set[int] = set()
        for site in module.arguments:
            change = _change_for(site, target)
            if change is None or not _applies(change, target) or id(site.node) in seen:
                continue
            seen.add(id(site.node))
            finding = self._finding(module, site, change, target)
            if finding is not None:
                yield finding
        # Arguments of other calls the knowledge base records (Variable.get(default_var=...)).
        tasks_and_dags = {id(s.call) for s in module.arguments if s.call is not None}
        for call, qualname in module.calls:
            if id(call) in tasks_and_dags or not qualname or not qualname.startswith("airflow."):
                continue
            for keyword in call.keywords:
                if keyword.arg is None:
                    continue
                change = _class_changes(qualname, keyword.arg, target)
                if change is not None and _applies(change, target):
                    site = ArgumentSite(keyword.arg, keyword, keyword.value, "call", call, qualname)
                    finding = self._finding(module, site, change, target)
                    if finding is not None:
                        yield finding

    def _finding(self, module: ModuleFacts, site: ArgumentSite, change: ArgumentChange,
                 target: MwaaVersion) -> Finding | None:
        version = target.airflow
        owner = {"dag": "DAG", "task": _short(site.qualname) or "the operator",
                 "call": _short(site.qualname)}.get(site.owner, "")
        advice = f" {change.advice}" if change.advice else ""
        replacement = change.replacement
        if site.owner == "default_args":
            if not replacement and not change.no_op:
                return None  # it never reached an operator that reads it: nothing is lost
            severity = Severity.WARNING
            if change.no_op:
                message = (f"default_args key {site.name!r} is accepted by operators on Airflow "
                           f"{version} but does nothing.{advice}")
            elif change.breaks:
                message = (f"default_args key {site.name!r}: operators on Airflow {version} no longer "
                           f"read it, so it is silently ignored: use {replacement}.{advice}")
            else:
                message = (f"default_args key {site.name!r} is deprecated on Airflow {version} and "
                           f"ignored from Airflow {airflow_api.version_text(change.removed_in)}: "
                           f"use {replacement}.{advice}")
        elif change.no_op:
            severity = Severity.WARNING
            message = f"{site.name} is accepted by {owner} on Airflow {version} but does nothing.{advice}"
        elif change.breaks:
            severity = Severity.ERROR
            instead = f": use {replacement}" if replacement else ("" if change.advice else ": delete it")
            message = (f"{owner} does not accept {site.name} on Airflow {version} (removed in "
                       f"{airflow_api.version_text(change.removed_in)}){instead}.{advice}").replace("..", ".")
        else:
            severity = Severity.WARNING
            instead = f": use {replacement}" if replacement else ("" if change.advice else ": delete it")
            gone = f" and removed in Airflow {airflow_api.version_text(change.removed_in)}" \
                if change.removed_in else ""
            message = f"{site.name} is deprecated on Airflow {version}{gone}{instead}.{advice}"
        return self.at_node(module, site.node, message, severity=severity,
                            fix=self._fix(site, change))

    @staticmethod
    def _fix(site: ArgumentSite, change: ArgumentChange) -> Fix | None:
        if change.replacement and change.replacement.isidentifier():
            if isinstance(site.call, ast.Call) and any(k.arg == change.replacement for k in site.call.keywords):
                return None  # both given: a human decides which one stays
            return Fix.make(FixSafety.SAFE, f"rename {site.name} to {change.replacement}",
                            kind="rename-argument", old=site.name, new=change.replacement)
        if change.replacement:
            return None
        if change.no_op:
            return Fix.make(FixSafety.UNSAFE, f"remove {site.name} (it does nothing on the target; "
                            "the intent needs another mechanism)", kind="remove-argument", name=site.name,
                            required=change.breaks)
        return Fix.make(FixSafety.SAFE, f"remove {site.name}", kind="remove-argument", name=site.name)


def _short(qualname: str | None) -> str:
    return (qualname or "").rsplit(".", 1)[-1]
