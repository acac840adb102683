"""API015: Param default that is not JSON-serialisable"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules._common import short_name
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

# Constructors whose values json.dumps rejects: what Param defaults are usually mistaken for.
_NOT_JSON_CALLS = frozenset({"datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta",
                             "pendulum.datetime", "pendulum.date", "pendulum.time", "pendulum.duration",
                             "pendulum.now", "pendulum.today", "decimal.Decimal", "builtins.set", "set",
                             "frozenset", "builtins.frozenset"})


def _not_json(module: ModuleFacts, node: ast.expr) -> str | None:
    """What makes a value written in code not JSON-serialisable, or None when it looks fine."""
    if isinstance(node, (ast.Set, ast.SetComp)):
        return "a set"
    if isinstance(node, ast.Lambda):
        return "a function"
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        return "bytes"
    if isinstance(node, ast.Call):
        qualname = module.qualname(node.func) or (node.func.id if isinstance(node.func, ast.Name) else "")
        if qualname in _NOT_JSON_CALLS or (qualname or "").startswith("datetime.datetime."):
            return f"a {qualname.rsplit('.', 1)[-1]}(...) value"
    return None


class ParamNotJsonRule(PythonRule):
    """
    ## What it does
    Reports DAG and task params whose default is not JSON-serialisable: `Param(default=...)`
    and plain values in a `params={...}` dict (Airflow wraps them in `Param`) holding a
    `datetime`/`date`/`timedelta`, a pendulum value, a `Decimal`, a set, bytes or a function.

    ## Why it matters on MWAA
    Airflow 3 raises `ParamValidationError` ("All provided parameters must be
    json-serializable") when the DAG file is parsed, so the DAG does not load (error). Airflow 2
    warns that such params are deprecated (warning).

    ## Example
    ```python
    DAG("report", params={"since": datetime.date(2024, 1, 1)})
    ```

    ## Fix
    Give the default as JSON: an ISO string with a schema (`Param("2024-01-01", type="string",
    format="date")`), a number of seconds, a list. The task then parses it, so the change is a
    human's to make.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/params.html
    """

    id = "API015"
    name = "param-not-json"
    severity = Severity.ERROR
    summary = "Param default that is not JSON-serialisable"
    valid = (
        Valid("""
            from airflow.sdk import DAG, Param

            DAG("report", schedule=None, params={"since": Param("2024-01-01", type="string", format="date"),
                                                 "limit": 10, "tables": ["a", "b"]})
        """),
    )
    invalid = (
        Invalid("""
            import datetime
            from airflow import DAG

            DAG("report", schedule=None, params={"since": datetime.date(2024, 1, 1)})
        """, line=4, contains="date(...)"),
        Invalid("""
            from pendulum import duration
            from airflow.models.param import Param

            window = Param(default=duration(days=1), type="integer")
        """, target="2.11.2", line=4, contains="deprecated"),
        Invalid("""
            from airflow.models.param import Param

            tags = Param({"a", "b"})
        """, line=3, contains="a set"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        values: list[ast.expr] = []
        for call, qualname in module.calls:
            if qualname and qualname.startswith("airflow.") and short_name(qualname) == "Param":
                default = call.args[0] if call.args else next(
                    (k.value for k in call.keywords if k.arg == "default"), None)
                if default is not None:
                    values.append(default)
        for site in module.arguments:
            if site.name == "params" and isinstance(site.value, ast.Dict):
                values += [v for v in site.value.values if v is not None]
        breaks = ctx.target.major >= 3
        for value in values:
            what = _not_json(module, value)
            if what is None:
                continue
            if breaks:
                message = (f"a param's default is {what}, not JSON-serialisable: Airflow {ctx.target.airflow} "
                           "raises ParamValidationError and the DAG file does not load; give it as JSON "
                           "(an ISO string with type/format, a number, a list)")
                yield self.at_node(module, value, message)
            else:
                message = (f"a param's default is {what}, not JSON-serialisable: deprecated on Airflow "
                           f"{ctx.target.airflow} and rejected by Airflow 3; give it as JSON")
                yield self.at_node(module, value, message, severity=Severity.WARNING)
