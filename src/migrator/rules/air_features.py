"""API: Airflow features the target removed or changed: SubDAGs, ``days_ago``, renamed classes,
``@apply_defaults``, the default schedule and catchup, metadata-database access, the CLI in tasks."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from packaging.version import Version

from migrator.analysis import airflow_api, platform
from migrator.analysis.commands import command_lines
from migrator.analysis.dags import default_args_dicts
from migrator.analysis.python import ModuleFacts
from migrator.analysis.subdags import (
    factories_defined_here,
    index_verdicts,
    subdag_factory_dag,
    subdag_operator_calls,
    subdag_rewrites,
)
from migrator.compat import MwaaVersion
from migrator.findings import Finding, Fix, FixSafety, Severity, line_anchor
from migrator.rules._common import FrozenMapping, location_in_static, short_name
from migrator.rules.air_imports import import_problems
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


def _is_airflow(qualname: str | None, leaf: str) -> bool:
    return bool(qualname) and qualname.startswith("airflow.") and short_name(qualname) == leaf


def _gone(qualname: str, target: MwaaVersion) -> bool:
    return airflow_api.resolve(qualname, target).status == "removed"


class SubDagOperatorRule(PythonRule):
    """
    ## What it does
    Reports `SubDagOperator` tasks, and rewrites the common pattern: a factory function (in the
    same file or a project module) that builds a DAG named `"<parent>.<child>"`, adds tasks with
    `dag=` and returns it, called as `SubDagOperator(task_id=..., subdag=factory(...))` inside a
    `with DAG(...)` block. When it cannot rewrite, the message says which construct stopped it.
    The factory's own DAG is reported in its module, with the fix that goes with the operators'.

    ## Why it matters on MWAA
    Airflow 3 removed SubDAGs: the import fails and the parent DAG does not load (error). On
    Airflow 2 they still run but are deprecated and hold a worker slot for the whole sub-DAG
    run, which on MWAA's fixed worker slots starves other tasks (warning).

    ## Example
    ```python
    SubDagOperator(task_id="snapshot_west", subdag=region_snapshot_subdag(...))
    ```

    ## Fix
    The unsafe fix turns the factory (in this file or the module it is imported from, when
    every SubDagOperator calling it can be rewritten) into a TaskGroup factory: its `DAG(dag_id=...)` becomes
    `TaskGroup(group_id=<child>, default_args=...)`, `dag=` on its tasks becomes `task_group=`,
    and the `SubDagOperator(...)` call becomes the factory call. Task ids stay
    `<task_id>.<task>`; the sub-DAG's own schedule, catchup and the operator's pool go (the
    tasks run in the parent's runs). `migrate` applies it on Airflow 3, where the file cannot
    load otherwise, and lists it for review. By hand: rebuild the sub-DAG as a `TaskGroup` (or
    `@task_group`) inside the parent DAG.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#taskgroups
    """

    id = "API005"
    name = "subdag-operator"
    severity = Severity.ERROR
    summary = "SubDagOperator: removed in Airflow 3, rebuild as a TaskGroup"
    fix_safety = FixSafety.UNSAFE
    valid = (
        Valid("""
            from airflow.sdk import TaskGroup
            from airflow.providers.standard.operators.empty import EmptyOperator

            with TaskGroup("snapshot_west"):
                EmptyOperator(task_id="start")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.subdag_operator import SubDagOperator

            SubDagOperator(task_id="west", subdag=None)
        """, line=3, contains="TaskGroup"),
        Invalid("""
            from airflow.operators.subdag import SubDagOperator

            tasks = [SubDagOperator(task_id=r, subdag=None) for r in ("east", "west")]
        """, target="2.11.2", line=3, contains="deprecated"),
        Invalid("""
            from airflow import DAG
            from airflow.operators.dummy import DummyOperator
            from airflow.operators.subdag import SubDagOperator

            def load(parent, child, args):
                sub = DAG("{}.{}".format(parent, child), default_args=args, schedule_interval="@daily")
                DummyOperator(task_id="extract", dag=sub)
                return sub

            with DAG("parent", schedule="@daily") as dag:
                SubDagOperator(task_id="load", subdag=load("parent", "load", {}))
        """, line=11, contains="load() is rewritten into a TaskGroup factory by an unsafe fix"),
        Invalid("""
            from airflow import DAG
            from airflow.operators.subdag import SubDagOperator
            from common.subdags import load

            dag = DAG("parent", schedule="@daily")
            with dag:
                SubDagOperator(task_id="load", subdag=load("parent", "load", {}))
        """, files={"dags/common/subdags.py": (
            "from airflow import DAG\n\n"
            "def load(parent, child, args):\n"
            "    sub = DAG(f'{parent}.{child}', default_args=args)\n"
            "    return sub\n")}, line=7, contains="with common.subdags.load, in its own module"),
        Invalid("""
            from airflow import DAG
            from airflow.operators.subdag import SubDagOperator
            from common.subdags import load

            with DAG("parent", schedule="@daily") as dag:
                SubDagOperator(task_id="load", subdag=load("parent", "load", {}), retries=3)
        """, files={"dags/common/subdags.py": (
            "from airflow import DAG\n\n"
            "def load(parent, child, args):\n"
            "    return DAG(f'{parent}.{child}', default_args=args)\n")}, line=6, contains="passes retries"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        elsewhere = index_verdicts(ctx.index.subdag_factories)
        rewrites = subdag_rewrites(module, elsewhere)
        task_group = airflow_api.canonical("airflow.utils.task_group.TaskGroup", target)
        for call in subdag_operator_calls(module):
            resolution = airflow_api.resolve(module.qualname(call.func), target)
            advice = (resolution.advice or "rebuild the sub-DAG as a TaskGroup").rstrip(".")
            removed = resolution.status == "removed"
            rewrite = rewrites[id(call)]
            fix = None
            if rewrite.factory:
                where = f" (with {rewrite.defined_in}, in its own module)" if rewrite.defined_in else ""
                advice += f"; {rewrite.factory}() is rewritten into a TaskGroup factory{where} by an unsafe fix"
                fix = Fix.make(FixSafety.UNSAFE, f"call {rewrite.factory}() in place of SubDagOperator, as a "
                               "TaskGroup factory (the sub-DAG's schedule and the operator's pool go)",
                               kind="subdag-to-taskgroup", factory=rewrite.factory, group_id=rewrite.group_id,
                               variable=rewrite.variable, task_group=task_group,
                               part="operator" if rewrite.defined_in else "both", required=removed)
            else:
                advice += f" (not rewritten automatically: {rewrite.reason})"
            if removed:
                yield self.at_node(module, call.func,
                                   f"SubDagOperator does not exist on Airflow {target.airflow}: {advice}", fix=fix)
            else:
                yield self.at_node(module, call.func,
                                   f"SubDagOperator is deprecated on Airflow {target.airflow} and holds a "
                                   f"worker slot for the whole sub-DAG run: {advice}", severity=Severity.WARNING,
                                   fix=fix)
        gone = target.major >= 3
        for dag_call, verdict in factories_defined_here(module, elsewhere):
            fix = Fix.make(FixSafety.UNSAFE, f"turn {verdict.factory}() into a TaskGroup factory (its callers' "
                           "SubDagOperators are rewritten with it)", kind="subdag-to-taskgroup",
                           factory=verdict.factory, group_id=verdict.group_id, variable=verdict.variable,
                           task_group=task_group, part="factory", required=gone)
            state = "do not exist on" if gone else "are deprecated on"
            yield self.at_node(module, dag_call, f"{verdict.factory}() builds a sub-DAG for SubDagOperators in "
                               f"other modules; SubDAGs {state} Airflow {target.airflow}: it is rewritten with "
                               "them into a TaskGroup factory by an unsafe fix",
                               severity=Severity.ERROR if gone else Severity.WARNING, fix=fix)


class DaysAgoRule(PythonRule):
    """
    ## What it does
    Reports calls to `airflow.utils.dates.days_ago`, in every import form.

    ## Why it matters on MWAA
    Airflow 3 removed `days_ago`: the DAG file fails to import (error). On Airflow 2 it works with
    a deprecation warning (warning). Either way it gives a start date that moves every day, which
    makes the first scheduled interval depend on when the file was parsed.

    ## Example
    ```python
    DAG("sales", start_date=days_ago(2), schedule="@daily")
    ```

    ## Fix
    The automatic fix writes the same value, `pendulum.today("UTC").add(days=-2)` (safe). Better,
    and a human decision: a fixed date such as `pendulum.datetime(2024, 1, 1, tz="UTC")` with
    `catchup=False`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/2.11.0/_api/airflow/utils/dates/index.html
    """

    id = "API006"
    name = "days-ago"
    severity = Severity.ERROR
    summary = "days_ago(): removed in Airflow 3, a moving start date"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            import pendulum
            from airflow import DAG

            DAG("sales", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule="@daily")
        """),
        Valid("""
            def days_ago(n):
                return n

            START = days_ago(1)
        """),
    )
    invalid = (
        Invalid("""
            from airflow.utils.dates import days_ago

            default_args = {"start_date": days_ago(1)}
        """, line=3, contains="pendulum"),
        Invalid("""
            import airflow

            args = {"start_date": airflow.utils.dates.days_ago(2)}
        """, target="2.11.2", line=3, contains="deprecated"),
        Invalid("""
            from airflow.utils import dates

            START = dates.days_ago(7, hour=6)
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for call, qualname in module.calls:
            if not _is_airflow(qualname, "days_ago"):
                continue
            fix = None
            if not any(isinstance(a, ast.Starred) for a in call.args) and all(k.arg for k in call.keywords):
                # The codemod's "days_ago" template writes pendulum.today("UTC").add(days=-n, ...).
                fix = Fix.make(FixSafety.SAFE, "write the same date with pendulum", kind="replace-call",
                               template="days_ago", old=qualname)
            resolution = airflow_api.resolve(qualname, ctx.target)
            advice = resolution.advice or ""
            if resolution.status == "removed":
                yield self.at_node(module, call, f"days_ago does not exist on Airflow {ctx.target.airflow}: "
                                   f"{advice}", fix=fix)
            else:
                yield self.at_node(module, call, f"days_ago is deprecated on Airflow {ctx.target.airflow}: "
                                   f"{advice}", severity=Severity.WARNING, fix=fix)


_RENAMED_ARGUMENT = re.compile(r"rename (\w+) to (\w+)")


class RenamedClassRule(PythonRule):
    """
    ## What it does
    Reports constructions of classes the target renamed or replaced: `DummyOperator` ->
    `EmptyOperator`, `PostgresOperator`/`MySqlOperator` -> `SQLExecuteQueryOperator` (with
    `postgres_conn_id`/`mysql_conn_id` -> `conn_id`), `SimpleHttpOperator` -> `HttpOperator`,
    `Dataset` -> `Asset` on Airflow 3, and the `airflow.contrib` classes whose provider
    successor has another name. When a `default_args` dict of the module carries an argument the
    new class names differently, the message says so.

    ## Why it matters on MWAA
    MWAA's provider versions no longer ship the old classes (the postgres provider 6.x that MWAA
    2.11 and 3.x install has no `PostgresOperator`), so the DAG fails to import (error). Where the
    old class still exists on the target it is deprecated (warning).

    ## Example
    ```python
    PostgresOperator(task_id="build", postgres_conn_id="dwh", sql="sql/build.sql")
    ```

    ## Fix
    Construct the new class; rename the arguments the message lists. The automatic fix is safe
    when only the class name changes, unsafe when arguments change too.

    ## References
    - https://airflow.apache.org/docs/apache-airflow-providers-common-sql/stable/operators.html
    - https://airflow.apache.org/docs/apache-airflow-providers-http/stable/operators.html
    """

    id = "API007"
    name = "renamed-class"
    severity = Severity.ERROR
    summary = "Class the target renamed or replaced (DummyOperator, PostgresOperator, Dataset, ...)"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
            from airflow.providers.standard.operators.empty import EmptyOperator

            EmptyOperator(task_id="start")
            SQLExecuteQueryOperator(task_id="build", conn_id="dwh", sql="select 1")
        """),
        # Airflow 3.0.6 still has airflow.datasets.Dataset.
        Valid("""
            from airflow.datasets import Dataset

            ORDERS = Dataset("s3://lake/orders/")
        """, target="3.0.6"),
    )
    invalid = (
        Invalid("""
            from airflow.operators.dummy_operator import DummyOperator

            start = DummyOperator(task_id="start")
        """, line=3, contains="EmptyOperator"),
        Invalid("""
            from airflow.providers.postgres.operators.postgres import PostgresOperator

            PostgresOperator(task_id="build", postgres_conn_id="dwh", sql="select 1")
        """, line=3, contains="postgres_conn_id -> conn_id"),
        Invalid("""
            from airflow.operators.postgres_operator import PostgresOperator

            default_args = {"postgres_conn_id": "dwh"}
            PostgresOperator(task_id="build", sql="select 1")
        """, line=4, contains="default_args"),
        Invalid("""
            from airflow.datasets import Dataset

            ORDERS = Dataset("s3://lake/orders/")
        """, line=3, contains="airflow.sdk.Asset"),
        Invalid("""
            from airflow.providers.http.operators.http import SimpleHttpOperator as Http

            Http(task_id="pull", http_conn_id="hub", endpoint="feeds")
        """, target="2.11.2", line=3, contains="HttpOperator"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        # An attribute chain API001 already rewrites (``airflow.contrib.x.Hook(...)``) names the new
        # class once that fix is applied: a second finding on the same node would only repeat it.
        chains = {id(p.node) for p in import_problems(module, ctx) if isinstance(p.node, ast.Attribute)}
        for call, qualname in module.calls:
            if not qualname or not qualname.startswith("airflow.") or not short_name(qualname)[:1].isupper():
                continue
            if id(call.func) in chains:
                continue
            resolution = airflow_api.resolve(qualname, target)
            if resolution.status != "renamed" or not resolution.new:
                continue
            if airflow_api.kubernetes_object(qualname, target):
                continue  # API014 rewrites the constructor call, not only the class
            verdict = airflow_api.import_verdict(qualname, target)
            severity = verdict.severity if verdict else Severity.WARNING
            if severity is Severity.INFO:
                continue
            renames = dict(_RENAMED_ARGUMENT.findall(resolution.advice or ""))
            given = {k.arg for k in call.keywords if k.arg}
            in_defaults = sorted(old for old in renames if old not in given and old in self._default_keys(module))
            parts = [f"{short_name(qualname)} is replaced by {resolution.new} on Airflow {target.airflow}"]
            used = {old: new for old, new in renames.items() if old in given}
            if used:
                parts.append("rename " + ", ".join(f"{o} -> {n}" for o, n in sorted(used.items())))
            if in_defaults:
                parts.append(f"its {', '.join(in_defaults)} comes from default_args, where the new class "
                             f"does not read it: rename it there too")
            if resolution.advice:
                parts.append(resolution.advice.rstrip("."))
            safe = not renames and not in_defaults and (not resolution.advice or "Same arguments" in resolution.advice)
            fix = Fix.make(FixSafety.SAFE if safe else FixSafety.UNSAFE,
                           f"construct {short_name(resolution.new)}", kind="replace-class",
                           old=qualname, new=resolution.new, rename_arguments=FrozenMapping(renames),
                           required=severity is Severity.ERROR)
            yield self.at_node(module, call.func, "; ".join(parts) + ".", severity=severity, fix=fix)

    @staticmethod
    def _default_keys(module: ModuleFacts) -> set[str]:
        keys: set[str] = set()
        for mapping in default_args_dicts(module):
            if isinstance(mapping, ast.Dict):
                keys.update(k.value for k in mapping.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
            else:
                keys.update(k.arg for k in mapping.keywords if k.arg)
        return keys


class ApplyDefaultsRule(PythonRule):
    """
    ## What it does
    Reports `@apply_defaults` on custom operators' `__init__`.

    ## Why it matters on MWAA
    Since Airflow 2.0 `BaseOperator` applies `default_args` itself and the decorator does
    nothing (warning); Airflow 3 removed it, so importing it fails and every DAG using the
    operator breaks (error).

    ## Example
    ```python
    class RowCountCheckOperator(BaseOperator):
        @apply_defaults
        def __init__(self, table, **kwargs): ...
    ```

    ## Fix
    Delete the decorator and its import (a safe automatic fix).

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/howto/custom-operator.html
    """

    id = "API008"
    name = "apply-defaults"
    severity = Severity.ERROR
    summary = "@apply_defaults: a no-op since Airflow 2, removed in Airflow 3"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.models import BaseOperator

            class RowCount(BaseOperator):
                def __init__(self, table, **kwargs):
                    super().__init__(**kwargs)
        """),
    )
    invalid = (
        Invalid("""
            from airflow.models import BaseOperator
            from airflow.utils.decorators import apply_defaults

            class RowCount(BaseOperator):
                @apply_defaults
                def __init__(self, table, **kwargs):
                    super().__init__(**kwargs)
        """, line=5, contains="Delete the decorator"),
        Invalid("""
            import airflow.utils.decorators as deco
            from airflow.models import BaseOperator

            class RowCount(BaseOperator):
                @deco.apply_defaults
                def __init__(self, **kwargs):
                    super().__init__(**kwargs)
        """, target="2.11.2", line=5, contains="does nothing"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        if module.tree is None:
            return
        for node in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target_node = decorator.func if isinstance(decorator, ast.Call) else decorator
                qualname = module.qualname(target_node)
                if not _is_airflow(qualname, "apply_defaults"):
                    continue
                resolution = airflow_api.resolve(qualname, ctx.target)
                advice = resolution.advice or "Delete the decorator."
                fix = Fix.make(FixSafety.SAFE, "remove @apply_defaults", kind="remove-decorator",
                               name="apply_defaults")
                if resolution.status == "removed":
                    yield self.at_node(module, decorator, f"apply_defaults does not exist on Airflow "
                                       f"{ctx.target.airflow}: {advice}", fix=fix)
                else:
                    yield self.at_node(module, decorator, f"apply_defaults does nothing since Airflow 2.0 "
                                       f"and is removed in Airflow 3: {advice.split('. ', 1)[-1]}",
                                       severity=Severity.WARNING, fix=fix)


_SCHEDULE_ARGUMENTS = ("schedule", "schedule_interval", "timetable")


def _dag_call(module: ModuleFacts, dag) -> ast.Call | None:
    if not dag.via_decorator:
        return dag.node
    for decorator in dag.node.decorator_list:
        qualname = module.qualname(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if _is_airflow(qualname, "dag"):
            return decorator if isinstance(decorator, ast.Call) else None
    return None


def _dag_anchor(module: ModuleFacts, dag) -> ast.AST:
    call = _dag_call(module, dag)
    if call is not None:
        return call.func
    return dag.node.decorator_list[0] if dag.via_decorator else dag.node


def _unpacks_kwargs(call: ast.Call | None) -> bool:
    return call is not None and any(k.arg is None for k in call.keywords)


class ImplicitScheduleRule(PythonRule):
    """
    ## What it does
    Reports DAGs created without `schedule` (or `schedule_interval`/`timetable`) on targets
    whose default schedule differs from Airflow 2's.

    ## Why it matters on MWAA
    Airflow 2 ran such a DAG once a day (`timedelta(days=1)`). On Airflow 3 the default is
    `None`: the DAG parses fine but never runs on its own, so a daily job silently stops. Quiet on
    Airflow 2 targets, where nothing changes.

    ## Example
    ```python
    with DAG("supplier_feed_sync", start_date=..., default_args=default_args):
    ```

    ## Fix
    Write the schedule you want: `schedule="@daily"` (what Airflow 2 did) or `schedule=None`
    for a DAG that is only triggered.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.astral.sh/ruff/rules/airflow-dag-no-schedule-argument/
    """

    id = "API009"
    name = "implicit-schedule"
    severity = Severity.ERROR
    summary = "DAG without an explicit schedule where the target's default changed"
    valid = (
        Valid("""
            from airflow import DAG

            DAG("feed", schedule=None)
            DAG("sales", schedule_interval="@daily")
        """),
        Valid("""
            from airflow import DAG

            DAG("feed")
        """, target="2.11.2"),
        Valid("""
            from airflow import DAG

            def build(**options):
                return DAG("generated", **options)
        """),
        # A sub-DAG factory's DAG runs inside its parent's runs.
        Valid("""
            from airflow import DAG

            def region_subdag(parent_dag_id, child_id, args):
                return DAG(dag_id=f"{parent_dag_id}.{child_id}", default_args=args)

            def audit_subdag(parent_dag, args):
                return DAG(parent_dag.dag_id + "." + "audit", default_args=args)
        """),
        # ... whatever its id, when a SubDagOperator calls it, here or in another module.
        Valid("""
            from airflow import DAG
            from airflow.operators.subdag import SubDagOperator

            def load_subdag(args):
                return DAG("parent.load", default_args=args)

            with DAG("parent", schedule="@daily") as dag:
                SubDagOperator(task_id="load", subdag=load_subdag({}))
        """),
        Valid("""
            from airflow import DAG

            def load_subdag(args):
                return DAG("parent.load", default_args=args)
        """, files={"dags/parent.py": (
            "from airflow import DAG\n"
            "from airflow.operators.subdag import SubDagOperator\n"
            "from common.factories import load_subdag\n\n"
            "with DAG('parent', schedule='@daily') as dag:\n"
            "    SubDagOperator(task_id='load', subdag=load_subdag({}))\n")},
            path="dags/common/factories.py"),
    )
    invalid = (
        Invalid("""
            from airflow import DAG

            with DAG(dag_id="supplier_feed_sync", catchup=False) as dag:
                pass
        """, line=3, contains="@daily"),
        Invalid("""
            from airflow.decorators import dag

            @dag(catchup=False)
            def clicks():
                pass
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        change = airflow_api.default_changes(ctx.target).get("dag.schedule")
        if change is None:
            return
        factories = frozenset(factory for factory, *_ in ctx.index.subdag_factories)
        for dag in module.dags:
            call = _dag_call(module, dag)
            if any(name in dag.kwargs for name in _SCHEDULE_ARGUMENTS) or _unpacks_kwargs(call):
                continue
            if call is not None and subdag_factory_dag(module, call, factories):
                continue  # runs inside its parent's runs, never on a schedule of its own
            if call is not None and len(call.args) > 2:
                continue  # schedule given by position
            name = f"DAG {dag.dag_id!r}" if dag.dag_id else "this DAG"
            yield self.at_node(module, _dag_anchor(module, dag),
                               f"{name} has no schedule: Airflow 2 ran it daily, Airflow {ctx.target.airflow} "
                               f"never runs it on its own (default {change.old} -> {change.new}); add "
                               f"schedule=\"@daily\" to keep it daily, or schedule=None if it is only triggered")


class CatchupDefaultRule(PythonRule):
    """
    ## What it does
    Reports scheduled DAGs that leave `catchup` to the default on targets where the default
    changed (`[scheduler] catchup_by_default` is `False` on Airflow 3, `True` before).

    ## Why it matters on MWAA
    A DAG that relied on the old default no longer back-fills the intervals it missed (an
    outage, a paused DAG, a late deploy), so gaps appear in the data without an error. Most
    teams want `catchup=False`, which is why this is informational.

    ## Example
    ```python
    DAG("customer_360_refresh", schedule="0 4 * * *", start_date=...)
    ```

    ## Fix
    Write `catchup=True` or `catchup=False` on the DAG. MWAA also lets you set
    `scheduler.catchup_by_default` in the environment's configuration options.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dag-run.html#catchup
    """

    id = "API010"
    name = "catchup-default"
    severity = Severity.INFO
    summary = "DAG relies on the catchup default, which the target changed"
    valid = (
        Valid("""
            from airflow import DAG

            DAG("sales", schedule="@daily", catchup=False)
            DAG("manual", schedule=None)
        """),
        Valid("""
            from airflow import DAG

            DAG("sales", schedule="@daily")
        """, target="2.11.2"),
    )
    invalid = (
        Invalid("""
            from airflow import DAG

            DAG("sales", schedule_interval="0 4 * * *")
        """, line=3, contains="catchup"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        change = airflow_api.default_changes(ctx.target).get("scheduler.catchup_by_default")
        if change is None:
            return
        for dag in module.dags:
            call = _dag_call(module, dag)
            if "catchup" in dag.kwargs or _unpacks_kwargs(call):
                continue
            schedule = next((dag.kwargs[n] for n in _SCHEDULE_ARGUMENTS if n in dag.kwargs), None)
            if schedule is None or _not_time_based(schedule):
                continue
            name = f"DAG {dag.dag_id!r}" if dag.dag_id else "this DAG"
            yield self.at_node(module, _dag_anchor(module, dag),
                               f"{name} leaves catchup to the default, which is {change.new} on Airflow "
                               f"{ctx.target.airflow} ({change.old} before): missed intervals are no longer "
                               f"back-filled; write catchup=True or catchup=False")


def _not_time_based(schedule: ast.expr) -> bool:
    """``None``, ``"@once"``, or a list of datasets/assets: catchup does not apply."""
    if isinstance(schedule, ast.Constant):
        return schedule.value is None or schedule.value in ("@once", "@continuous")
    return isinstance(schedule, (ast.List, ast.Tuple, ast.BinOp))


class MetadataDbAccessRule(PythonRule):
    """
    ## What it does
    Reports direct metadata-database access in DAG and task code: `settings.Session()`,
    `create_session()`, `@provide_session`, and ORM queries on Airflow models
    (`session.query(TaskInstance)`, `DagRun`, `DagModel`, `XCom`, `DagBag()`, ...), on targets
    whose workers cannot reach the database.

    ## Why it matters on MWAA
    Airflow 3 workers talk to the API server through the Task Execution API and have no database
    connection: the task fails when it opens a session. On MWAA the database is AWS-owned and not
    reachable from anything else either.

    ## Example
    ```python
    @provide_session
    def fail_stuck_tasks(session=None):
        return session.query(TaskInstance).filter(TaskInstance.state == "running").all()
    ```

    ## Fix
    Use the Airflow REST API (on MWAA, `InvokeRestApi` or a web login token) or the Task SDK
    (Variables, Connections, XCom through the context). Housekeeping such as `airflow db clean`
    runs through MWAA's CLI endpoint.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/access-mwaa-apache-airflow-rest-api.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    """

    id = "API011"
    name = "metadata-db-access"
    severity = Severity.ERROR
    summary = "Direct metadata-database access, which Airflow 3 workers do not have"
    valid = (
        Valid("""
            from airflow.models import DagRun
            from airflow.utils.session import provide_session

            @provide_session
            def stuck(session=None):
                return session.query(DagRun).all()
        """, target="2.11.2"),
        Valid("""
            from airflow.models import Variable

            def read(**context):
                return Variable.get("x"), context["ti"].xcom_pull(task_ids="a")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.models import TaskInstance
            from airflow.utils.session import provide_session

            @provide_session
            def stuck(session=None):
                return session.query(TaskInstance).all()
        """, line=4, contains="REST API"),
        Invalid("""
            from airflow.models import DagRun
            from airflow.utils.session import create_session

            def purge():
                with create_session() as session:
                    session.query(DagRun).delete()
        """, line=5, contains="create_session"),
        Invalid("""
            from airflow.models import DagRun

            def count_runs(session):
                return session.query(DagRun).count()
        """, line=4, contains="queries DagRun"),
        Invalid("""
            from airflow import settings

            def depth():
                session = settings.Session()
                return session
        """, line=4),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        names = airflow_api.metadata_db_names()
        if not names:
            return
        breaks_from = next(iter(names.values())).breaks_from
        if ctx.target.version < Version(breaks_from):
            return
        advice = next(iter(names.values())).advice
        reported: set[int] = set()
        functions_with_session: set[ast.AST | None] = set()
        for node, qualname in module.name_uses:
            entry = names.get(qualname)
            if entry is None or entry.kind != "session":
                continue
            parent = module.parents.get(node)
            anchor = parent if isinstance(parent, ast.Call) and parent.func is node else node
            if id(anchor) in reported:
                continue
            reported.add(id(anchor))
            functions_with_session.add(self._function_of(module, anchor))
            yield self.at_node(module, anchor,
                               f"{short_name(qualname)} opens a metadata-database session, which Airflow "
                               f"{ctx.target.airflow} workers cannot do: {advice}")
        # Queries are reported where no session of the same function already was: the session is
        # the thing to remove, the queries go with it.
        for call, qualname in module.calls:
            model = self._queried_model(module, call, qualname, names)
            if model and id(call) not in reported and \
                    self._function_of(module, call) not in functions_with_session:
                reported.add(id(call))
                yield self.at_node(module, call,
                                   f"this {'constructs' if qualname else 'queries'} {model} in the metadata "
                                   f"database, which Airflow {ctx.target.airflow} workers cannot reach: {advice}")

    @staticmethod
    def _function_of(module: ModuleFacts, node: ast.AST) -> ast.AST | None:
        """The function a node belongs to; a decorator belongs to the function it decorates."""
        for ancestor in module.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return ancestor
        return None

    @staticmethod
    def _queried_model(module: ModuleFacts, call: ast.Call, qualname: str | None, names) -> str | None:
        if qualname and names.get(qualname) is not None and names[qualname].kind == "orm_model" \
                and short_name(qualname) == "DagBag":
            return "DagBag (it loads DAGs and reads the database)"
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "query":
            for argument in call.args:
                name = module.qualname(argument.value if isinstance(argument, ast.Attribute) else argument)
                entry = names.get(name or "")
                if entry is not None and entry.kind == "orm_model":
                    return short_name(name)
        return None


class AirflowCliInTaskRule(PythonRule):
    """
    ## What it does
    Reports the `airflow` command line run from a task (`bash_command`, `subprocess`): on
    Airflow 3 targets every use, on Airflow 2 targets the Airflow 1.10 command forms
    (`airflow trigger_dag`, `airflow clear`, `airflow list_dags`, ...).

    ## Why it matters on MWAA
    Airflow 3 workers have no metadata-database access, and the CLI's DAG and task commands
    need it: `airflow tasks clear` or `airflow dags trigger` from a task fails. The 1.10 command
    names were removed in Airflow 2.0.

    ## Example
    ```python
    BashOperator(task_id="rerun", bash_command="airflow tasks clear --yes daily_sales_rollup")
    ```

    ## Fix
    Use `TriggerDagRunOperator`, `ExternalTaskMarker`, or the Airflow REST API (on MWAA through
    `InvokeRestApi`); on Airflow 2, use the 2.x command names (`airflow dags trigger`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-cli-command-reference.html
    - https://airflow.apache.org/docs/apache-airflow/stable/cli-and-env-variables-ref.html
    """

    id = "API012"
    name = "airflow-cli-in-task"
    severity = Severity.ERROR
    needs_airflow_import = False
    summary = "The airflow CLI run from a task"
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="airflow dags trigger sales")
        """, target="2.11.2"),
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="echo airflow dags trigger sales")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="airflow tasks clear --yes sales && airflow dags trigger x")
        """, line=3, contains="REST API"),
        Invalid("""
            import subprocess

            def rerun():
                subprocess.run(["airflow", "trigger_dag", "sales"], check=True)
        """, target="2.11.2", line=4, contains="airflow dags trigger"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        for line in command_lines(module):
            for command in line.commands:
                if command.name != "airflow":
                    continue
                words = [w.text for w in command.arguments if not w.text.startswith("-")]
                subcommand = " ".join(words[:2]) if words else ""
                old_form = platform.AIRFLOW_1_CLI.get(words[0]) if words else None
                end = command.arguments[min(1, len(command.arguments) - 1)].end if command.arguments \
                    else command.program.end
                _node, location = location_in_static(module, line.value, command.program.start, end,
                                                     line.expression)
                if old_form is not None:
                    message = (f"`airflow {words[0]}` is the Airflow 1.10 CLI, removed in Airflow 2.0: "
                               f"use `airflow {old_form}`")
                    if target.major >= 3:
                        message += (f"; and on Airflow {target.airflow} workers cannot reach the metadata "
                                    "database the CLI needs: use TriggerDagRunOperator or the REST API")
                elif target.major >= 3:
                    message = (f"`airflow {subcommand}` runs on the worker, and Airflow {target.airflow} "
                               f"workers have no metadata-database access: use TriggerDagRunOperator, "
                               f"ExternalTaskMarker or the Airflow REST API (MWAA InvokeRestApi)")
                else:
                    continue
                yield self.finding(module.path, location, message,
                                   anchor=f"{line_anchor(module.line_text(location.line), location.column)}\x1f{message}")
