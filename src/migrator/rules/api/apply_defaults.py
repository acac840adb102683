"""API008: @apply_defaults: a no-op since Airflow 2, removed in Airflow 3"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import RemoveDecorator
from migrator.rules.api._helpers import _is_airflow
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


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
        """, line=5, contains="Delete the decorator", fixed="""
            from airflow.models import BaseOperator

            class RowCount(BaseOperator):
                def __init__(self, table, **kwargs):
                    super().__init__(**kwargs)
        """),
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
                fix = RemoveDecorator(safety=FixSafety.SAFE, description="remove @apply_defaults",
                                      name="apply_defaults")
                if resolution.status == "removed":
                    yield self.at_node(module, decorator, f"apply_defaults does not exist on Airflow "
                                       f"{ctx.target.airflow}: {advice}", fix=fix)
                else:
                    yield self.at_node(module, decorator, f"apply_defaults does nothing since Airflow 2.0 "
                                       f"and is removed in Airflow 3: {advice.split('. ', 1)[-1]}",
                                       severity=Severity.WARNING, fix=fix)
