"""API007: Class the target renamed or replaced (DummyOperator, PostgresOperator, Dataset, ...)"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.dags import default_args_dicts
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceClass
from migrator.rules._common import FrozenMapping, short_name
from migrator.rules.api._helpers import import_problems
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

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
        """, line=3, contains="EmptyOperator", fixed="""
            from airflow.providers.standard.operators.empty import EmptyOperator

            start = EmptyOperator(task_id="start")
        """),
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
            fix = ReplaceClass(safety=FixSafety.SAFE if safe else FixSafety.UNSAFE,
                               description=f"construct {short_name(resolution.new)}",
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
