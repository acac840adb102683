"""API003: DAG or operator argument the target renamed, removed or ignores"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.dags import ArgumentSite
from migrator.analysis.python import ModuleFacts
from migrator.compat import ArgumentChange, MwaaVersion, OperatorSignature
from migrator.findings import Finding, Fix, FixSafety, Severity
from migrator.fixes import RemoveArgument, RenameArgument
from migrator.rules.api._argument_sites import (
    OperatorSpreads,
    _applies,
    _calls_given,
    _change_for,
    _class_changes,
    _operator_base_init_calls,
    _operator_spread_sites,
    _rejected,
    _rejected_fix,
)
from migrator.rules.api._helpers import _short
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

# A project operator class handing its Airflow base a removed argument.
_RECENCY_OPERATOR = """\
from airflow.operators.python_operator import PythonOperator


class RecencyOperator(PythonOperator):
    def __init__(self, **kwargs):
        super(RecencyOperator, self).__init__(python_callable=print, provide_context=True, **kwargs)
"""


class RemovedArgumentRule(PythonRule):
    """
    ## What it does
    Reports DAG and operator arguments the target renamed, removed or ignores:
    `schedule_interval` and `timetable` (now `schedule`), `concurrency` (`max_active_tasks`),
    `task_concurrency` (`max_active_tis_per_dag`), `fail_stop` (`fail_fast`), `default_view`,
    `orientation`, `full_filepath`, `provide_context`, `sla`, `sla_miss_callback`,
    `TriggerDagRunOperator(execution_date=...)`, `Variable.get(default_var=...)` and the other
    changes the knowledge base records. Keys of `default_args` dicts are checked too, and so
    are the keys of a dict a DAG gets as `**name` when the module visibly builds it for that
    (a dict literal or `dict(...)` assigned once and used only as `**name` in DAG calls), and
    the keys of a dict literal an operator gets as `**name` (your own operator's `**kwargs`
    hands `task_concurrency` on to `BaseOperator`) unless the module may take the key out.

    Every other keyword given to an operator is checked against the constructor of the class
    the target pins (read from the core and provider wheels, down to `BaseOperator`):
    `SSHOperator(timeout=...)`, `SlackAPIPostOperator(token=...)`,
    `TriggerDagRunOperator(python_callable=...)`, `provide_context` on any PythonOperator
    subclass. Operators the knowledge base cannot follow to `BaseOperator` (your own, or from a
    library it does not read) are left alone. A class of the module that derives from an Airflow
    operator (directly or through the module's own classes) has the keywords its `__init__`
    hands on checked as that operator's: `super().__init__(..., provide_context=True)`,
    `super(Cls, self).__init__(...)`, `PythonOperator.__init__(self, ...)`. Where an
    `__init__` of a class in between, or of a base imported from another project module, takes
    the call first, it is not judged.

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
    or external monitoring. A provider argument is renamed when the provider's deprecation code
    handed its value on (`timeout=90` -> `conn_timeout=90, cmd_timeout=90`; safe); one it
    rejects with no such record is deleted by an unsafe fix that `migrate` applies (the file
    cannot load with it) and lists for review: what it did must be done another way.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.astral.sh/ruff/rules/airflow3-removal/
    """

    id = "API003"
    name = "removed-argument"
    severity = Severity.ERROR
    summary = "DAG or operator argument the target renamed, removed or ignores"
    fix_safety = FixSafety.SAFE
    needs_airflow_import = False  # a helper module may build the project's operators (check())
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
        # A dict that is also read elsewhere is not only the DAG's: no guessing.
        Valid("""
            from airflow import DAG

            dag_args = {"schedule_interval": None}
            DAG("sales", **dag_args)
            print(dag_args["schedule_interval"])
        """),
        # Arguments of the pinned SSHOperator and BaseOperator; an operator the data cannot
        # follow (the project's own) is not judged.
        Valid("""
            from airflow.providers.ssh.operators.ssh import SSHOperator
            from operators.acme import AcmeOperator

            SSHOperator(task_id="a", command="ls", cmd_timeout=60, retries=2)
            AcmeOperator(task_id="b", anything=1)
        """),
        # PostgresOperator becomes SQLExecuteQueryOperator on Airflow 3; API007 swaps the class
        # and renames postgres_conn_id with it.
        Valid("""
            from airflow.providers.postgres.operators.postgres import PostgresOperator

            PostgresOperator(task_id="a", sql="select 1", postgres_conn_id="pg")
        """),
        # A project operator's super().__init__ with arguments its Airflow base takes; below a
        # class with its own __init__, the keywords go to that __init__ first: not judged.
        Valid("""
            from airflow.providers.standard.operators.python import PythonOperator


            class RecencyOperator(PythonOperator):
                def __init__(self, **kwargs):
                    super().__init__(python_callable=print, retries=2, **kwargs)


            class WindowOperator(RecencyOperator):
                def __init__(self, window, **kwargs):
                    super().__init__(**kwargs)


            class DailyOperator(WindowOperator):
                def __init__(self, **kwargs):
                    super().__init__(window=1, **kwargs)
        """),
        # The key a removed argument's dict spread gives an operator may be taken out first.
        Valid("""
            from company.operators import TaskServiceOperator

            task_args = {"task_name": "load", "task_concurrency": 1}
            task_args.pop("task_concurrency")
            TaskServiceOperator(**task_args)
        """),
        Valid("""
            from company.operators import TaskServiceOperator

            task_args = {"task_name": "load", "task_concurrency": 1}
            del task_args["task_concurrency"]
            TaskServiceOperator(**task_args)
        """),
    )
    invalid = (
        Invalid("""
            from airflow import DAG

            DAG("sales", schedule_interval="@daily", catchup=False)
        """, line=3, contains="schedule"),
        # 1.10's contrib path still imports on Airflow 2.11 as an alias of the provider's
        # BatchOperator, which renamed overrides: the call fails whatever name imported the class.
        Invalid("""
            from airflow.contrib.operators.awsbatch_operator import AWSBatchOperator

            AWSBatchOperator(task_id="load", job_name="j", job_definition="d", job_queue="q", overrides={})
        """, target="2.11.2", line=3, contains="does not accept overrides", fixed="""
            from airflow.contrib.operators.awsbatch_operator import AWSBatchOperator

            AWSBatchOperator(task_id="load", job_name="j", job_definition="d", job_queue="q", container_overrides={})
        """),
        # A project operator hands the dict's keys on to BaseOperator, which rejects this one
        # ("Invalid arguments were passed to TaskServiceOperator"); other keys it sets or reads
        # leave it in, and nothing else reads it: renamed in place, in a helper module that does
        # not import Airflow itself too.
        Invalid("""
            from company.operators import TaskServiceOperator

            for cluster in ("east", "west"):
                task_args = {"task_name": cluster, "task_concurrency": 1, "commands": []}
                task_args["commands"].append("warm")
                TaskServiceOperator(**task_args)
        """, line=4, contains="through **task_args", fixed="""
            from company.operators import TaskServiceOperator

            for cluster in ("east", "west"):
                task_args = {"task_name": cluster, "max_active_tis_per_dag": 1, "commands": []}
                task_args["commands"].append("warm")
                TaskServiceOperator(**task_args)
        """),
        # Handed to a task factory of the module too, which only spreads it into an operator
        # call (through a dict adding a key): nothing reads the key, renamed in place.
        Invalid("""
            from company.operators import TaskServiceOperator

            def phase_task(main_args, phase):
                phase_args = {"task_name": "phase", **main_args, "task_name_suffix": phase}
                return TaskServiceOperator(**phase_args)

            def build():
                task_args = {"task_name": "load", "task_concurrency": 1}
                TaskServiceOperator(**task_args)
                phase_task(task_args, "export")
        """, line=8, contains="through **task_args", fixed="""
            from company.operators import TaskServiceOperator

            def phase_task(main_args, phase):
                phase_args = {"task_name": "phase", **main_args, "task_name_suffix": phase}
                return TaskServiceOperator(**phase_args)

            def build():
                task_args = {"task_name": "load", "max_active_tis_per_dag": 1}
                TaskServiceOperator(**task_args)
                phase_task(task_args, "export")
        """),
        # A task factory of the module that reads a key itself: reported, not renamed.
        Invalid("""
            from company.operators import TaskServiceOperator

            def phase_task(main_args):
                return TaskServiceOperator(limit=main_args.get("task_concurrency"), **main_args)

            task_args = {"task_name": "load", "task_concurrency": 1}
            TaskServiceOperator(**task_args)
            phase_task(task_args)
        """, line=6, contains="through **task_args"),
        # Handed to a helper too, which may read the key: reported, not renamed.
        Invalid("""
            from company.operators import TaskServiceOperator
            from company.tasks import phase_task
            import airflow

            default_task_args = {"task_name": "load", "task_concurrency": 1}
            TaskServiceOperator(**default_task_args)
            phase_task(default_task_args)
        """, line=5, contains="task_concurrency"),
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
            from airflow import DAG

            dag_args = {"schedule_interval": None, "catchup": False}
            with DAG("sales", **dag_args) as dag:
                pass
        """, line=3, contains="through **dag_args"),
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
        Invalid("""
            from airflow.contrib.operators.ssh_operator import SSHOperator

            SSHOperator(task_id="a", command="ls", timeout=90)
        """, line=3, contains="conn_timeout and cmd_timeout"),
        Invalid("""
            from airflow.operators.python_operator import ShortCircuitOperator

            ShortCircuitOperator(task_id="a", python_callable=print, provide_context=True)
        """, line=3, contains="Invalid arguments were passed to ShortCircuitOperator"),
        # Airflow 3 rejects provide_context in a project operator's call of its base's __init__
        # too ("Invalid arguments were passed to RecencyOperator"), in each spelling of that call.
        Invalid(_RECENCY_OPERATOR, line=6, contains="called by RecencyOperator.__init__",
                fixed=_RECENCY_OPERATOR.replace(", provide_context=True", "")),
        Invalid("""
            from airflow.operators.python_operator import PythonOperator


            class Checked(PythonOperator):
                pass


            class RecencyOperator(Checked):
                def __init__(self, **kwargs):
                    PythonOperator.__init__(self, python_callable=print, provide_context=True, **kwargs)
        """, line=10, contains="provide_context"),
        Invalid(_RECENCY_OPERATOR, target="2.11.2", line=6, contains="deprecated"),
        Invalid("""
            from airflow.operators.slack_operator import SlackAPIPostOperator

            SlackAPIPostOperator(task_id="s", channel="#c", text="hi", token="xoxb")
        """, target="2.11.2", line=3, contains="does not accept token"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        # A helper building the project's own operators need not import Airflow: its operator
        # calls still reach BaseOperator through the operator's **kwargs (its DAG-like calls and
        # default_args-like dicts are not known to be Airflow's).
        arguments = module.arguments if module.imports_airflow else [s for s in module.arguments if s.owner == "task"]
        seen: set[int] = set()
        # A project operator class hands its keywords to its Airflow base in its own __init__.
        subclass_of: dict[int, str] = {}
        base_sites: list[ArgumentSite] = []
        for call, operator, subclass in _operator_base_init_calls(module, target):
            for keyword in call.keywords:
                if keyword.arg is not None:
                    base_sites.append(ArgumentSite(keyword.arg, keyword, keyword.value, "task", call, operator))
                    subclass_of[id(keyword)] = subclass
        spread = _operator_spread_sites(module)
        for site in (*arguments, *base_sites, *spread.sites):
            if id(site.node) in seen:
                continue
            subclass = subclass_of.get(id(site.node))
            change = _change_for(site, target)
            if change is None or not _applies(change, target):
                rejected = _rejected(site, target)
                if rejected is not None:
                    seen.add(id(site.node))
                    yield self._rejected_finding(module, site, rejected, target, subclass)
                continue
            seen.add(id(site.node))
            finding = self._finding(module, site, change, target, subclass, spread)
            if finding is not None:
                yield finding
        # Arguments of other calls the knowledge base records (Variable.get(default_var=...)).
        tasks_and_dags = {id(s.call) for s in (*module.arguments, *base_sites) if s.call is not None}
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
                 target: MwaaVersion, subclass: str | None = None,
                 spread: OperatorSpreads | None = None) -> Finding | None:
        version = target.airflow
        owner = {"dag": "DAG", "task": _short(site.qualname) or "the operator",
                 "call": _short(site.qualname)}.get(site.owner, "")
        if site.spread:
            owner = f"{owner} (given this key through **{site.spread})"
        if subclass:
            owner = f"{owner} (called by {subclass}.__init__)"
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
        if spread is not None and id(site.node) in spread.calls:
            calls = spread.calls[id(site.node)]
            fix = self._fix(site, change, calls) if id(site.node) in spread.fixable else None
        else:
            fix = self._fix(site, change, _calls_given(module, site))
        return self.at_node(module, site.node, message, severity=severity, fix=fix)

    def _rejected_finding(self, module: ModuleFacts, site: ArgumentSite, signature: OperatorSignature,
                          target: MwaaVersion, subclass: str | None = None) -> Finding:
        owner = _short(signature.qualname)
        replaced = signature.replaced.get(site.name)
        renamed = signature.renamed.get(site.name)
        if renamed:
            advice = f": use {' and '.join(renamed)} (the provider renamed it)"
        elif replaced:
            advice = f": use {' or '.join(replaced)} instead (it takes other values; see the provider's docs)"
        elif site.name in signature.dropped:
            advice = ": delete it (it was ignored before it was removed)"
        else:
            advice = ": delete it or pass what it did some other way (see the operator's documentation)"
        called_by = f" (called by {subclass}.__init__)" if subclass else ""
        message = (f"{owner}{called_by} on Airflow {target.airflow} ({signature.source}) does not accept "
                   f"{site.name}, so the DAG file does not load (\"Invalid arguments were passed to "
                   f"{subclass or owner}\"){advice}")
        return self.at_node(module, site.node, message, severity=Severity.ERROR,
                            fix=_rejected_fix(site, signature))

    @staticmethod
    def _fix(site: ArgumentSite, change: ArgumentChange, calls: list[ast.Call]) -> Fix | None:
        if change.replacement and change.replacement.isidentifier():
            if any(k.arg == change.replacement for call in calls for k in call.keywords):
                return None  # both given: a human decides which one stays
            return RenameArgument(safety=FixSafety.SAFE, description=f"rename {site.name} to {change.replacement}",
                                  old=site.name, new=change.replacement)
        if change.replacement:
            return None
        if change.no_op:
            return RemoveArgument(safety=FixSafety.UNSAFE, description=f"remove {site.name} (it does nothing on "
                                  "the target; the intent needs another mechanism)", name=site.name,
                                  required=change.breaks)
        return RemoveArgument(safety=FixSafety.SAFE, description=f"remove {site.name}", name=site.name)
