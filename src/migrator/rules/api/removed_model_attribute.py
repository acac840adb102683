"""API018: a class attribute of an Airflow model the target renamed or removed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.compat import attribute_changes
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceValue
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class RemovedModelAttributeRule(PythonRule):
    """
    ## What it does
    Reports a class attribute of an Airflow model that the target renamed or removed, read on
    the class itself: `DagRun.execution_date` and `TaskInstance.execution_date` (now
    `logical_date`) in a query, an `order_by`, a dict of columns or a default argument value.

    ## Why it matters on MWAA
    The attribute is read when the expression runs. At module level or in a default argument
    that is when the DAG file is parsed, and Airflow 3 fails it with
    `AttributeError: type object 'DagRun' has no attribute 'execution_date'`: the DAG
    disappears. Inside a task it fails the task. Attributes of instances
    (`dag_run.execution_date`) are not reported here: which class a variable holds is not
    visible in the code (API004 reports the context key).

    ## Example
    ```python
    from airflow.models import DagRun

    CLEANUP = {"model": DagRun, "age_column": DagRun.execution_date}
    ```

    ## Fix
    Use the attribute the message names (`DagRun.logical_date`; a safe automatic fix: it is
    the same column under its Airflow 3 name). On Airflow 3 a task cannot query the metadata
    database at all (API011 says so): the query itself needs the REST API or the Task SDK.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.astral.sh/ruff/rules/airflow3-removal/
    """

    id = "API018"
    name = "removed-model-attribute"
    severity = Severity.ERROR
    summary = "Airflow model class attribute the target renamed or removed"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.models import DagRun

            COLUMN = DagRun.logical_date
        """),
        # Airflow 2 still has the column (and logical_date is only an instance property there).
        Valid("""
            from airflow.models import DagRun

            COLUMN = DagRun.execution_date
        """, target="2.11.2"),
        # An instance's attribute: the variable's class is not visible.
        Valid("""
            def report(dag_run):
                return dag_run.execution_date
        """),
    )
    invalid = (
        Invalid("""
            from airflow.models import DagRun

            CLEANUP = {"model": DagRun, "age_column": DagRun.execution_date}
        """, line=3, contains="DagRun.logical_date", fixed="""
            from airflow.models import DagRun

            CLEANUP = {"model": DagRun, "age_column": DagRun.logical_date}
        """),
        Invalid("""
            from airflow.models.taskinstance import TaskInstance as TI

            def latest(session):
                return session.query(TI).order_by(TI.execution_date.desc()).first()
        """, line=4, contains="logical_date"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        changes = attribute_changes(ctx.target)
        if not changes:
            return
        attributes = {attribute for _, attribute in changes}
        for node in module.nodes_of(ast.Attribute):
            if node.attr not in attributes:
                continue
            owner = module.qualname(node.value)
            if not owner:
                continue
            change = next((changes[(spelling, node.attr)] for spelling in sorted(airflow_api.spellings(owner, ctx.target))
                           if (spelling, node.attr) in changes), None)
            if change is None:
                continue
            short = ast.unparse(node.value)
            if change.replacement:
                advice = f": use {short}.{change.replacement}"
                fix = ReplaceValue(safety=FixSafety.SAFE, description=f"read {short}.{change.replacement}",
                                   attribute=True, old=node.attr, new=change.replacement, required=True)
            else:
                advice, fix = "", None
            yield self.at_node(
                module, node,
                f"{short}.{node.attr} does not exist on Airflow {ctx.target.airflow} (removed in "
                f"{airflow_api.version_text(change.removed_in)}){advice}. {change.reason}",
                fix=fix)
